/**
 * One optimisation step of the trainable suffix, and the error a run throws when its loss stops being a
 * number. The trainer and the bench drive the same TrainStep.
 */
import * as tf from '@tensorflow/tfjs';
import { type FoveaNet, isKernel } from '../model/classifier';
import type { TrainConfig } from './config';

/**
 * The batch loss became NaN or Infinity: the steps were too large and the weights blew up. `epoch` is 0-based,
 * `batch` 1-based (as in the progress events); the message counts both from 1.
 */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(
    readonly epoch: number, readonly batch: number, readonly loss: number,
    config: Pick<TrainConfig, 'learningRate' | 'classWeighting'>,
  ) {
    const alternatives = [`lower the learning rate (e.g. 10x, to ${Number((config.learningRate / 10).toPrecision(3))})`];
    if (config.classWeighting === 'loss') alternatives.push("set class weighting to 'sampling' (weighted losses take larger steps on rare classes)");
    super(`Training diverged at epoch ${epoch + 1} batch ${batch} (the loss became ${loss}); ${alternatives.join(', or ')}, and train again.`);
  }
}

function makeOptimizer(config: TrainConfig, lr: number): tf.Optimizer {
  return config.optimizer === 'adam' ? tf.train.adam(lr) : tf.train.momentum(lr, config.momentum);
}

function setOptimizerRate(opt: tf.Optimizer, lr: number): void {
  if (opt instanceof tf.SGDOptimizer) opt.setLearningRate(lr); // MomentumOptimizer is one
  else (opt as unknown as { learningRate: number }).learningRate = lr; // Adam reads it at every step
}

export interface StepResult {
  /** Mean cross-entropy of the batch, unweighted (comparable with the validation loss). */
  loss: number;
  /** What the step minimised: the mean of per-example weight x cross-entropy (= loss without weights). */
  objective: number;
  /** Examples whose largest logit is their label. */
  correct: number;
}

/**
 * One optimisation step of the trainable suffix: forward, softmax cross-entropy (optionally weighted per
 * example, as Keras's class_weight: mean over the batch of w_i x CE_i), gradients, L2 decay on kernels (not
 * biases, as Caffe's decay_mult 0), and two optimizers (new head at the full rate, pretrained layers at
 * rate x multiplier).
 */
export class TrainStep {
  private readonly headOpt: tf.Optimizer;
  private readonly preOpt: tf.Optimizer;
  private readonly preVars: tf.LayerVariable[];
  private readonly allVars: tf.Variable[];

  constructor(private readonly net: FoveaNet, private readonly config: TrainConfig, private readonly numClasses: number) {
    this.preVars = config.pretrainedLrMultiplier > 0 ? net.pretrainedVariables : [];
    this.allVars = [...net.headVariables, ...this.preVars].map((v) => v.read() as tf.Variable);
    this.headOpt = makeOptimizer(config, config.learningRate);
    this.preOpt = makeOptimizer(config, config.learningRate * config.pretrainedLrMultiplier);
  }

  setLearningRate(headRate: number): void {
    setOptimizerRate(this.headOpt, headRate);
    setOptimizerRate(this.preOpt, headRate * this.config.pretrainedLrMultiplier);
  }

  /**
   * Trains on one batch of suffix inputs `x` (not disposed here) with per-example loss `weights` (default 1).
   */
  async run(x: tf.Tensor, labels: number[], weights?: number[]): Promise<StepResult> {
    if (weights && weights.length !== labels.length) throw new Error(`${weights.length} weights for ${labels.length} labels`);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), this.numClasses).toFloat());
    const w = weights ? tf.tensor1d(weights) : null;
    let correct: tf.Tensor | null = null;
    let meanLoss: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.net.suffix.apply(x, { training: true }) as tf.Tensor2D;
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')));
      const perExample = tf.losses.softmaxCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE);
      meanLoss = tf.keep(tf.mean(perExample));
      return (w ? tf.mean(tf.mul(perExample, w)) : tf.mean(perExample)) as tf.Scalar;
    }, this.allVars);
    tf.tidy(() => {
      const withDecay = (vars: tf.LayerVariable[]) =>
        Object.fromEntries(
          vars.map((v) => {
            const variable = v.read() as tf.Variable;
            const g = grads[variable.name];
            const decay = this.config.weightDecay > 0 && isKernel(v);
            return [variable.name, decay ? g.add(variable.mul(this.config.weightDecay)) : g];
          }),
        );
      this.headOpt.applyGradients(withDecay(this.net.headVariables));
      if (this.preVars.length > 0) this.preOpt.applyGradients(withDecay(this.preVars));
    });
    const [objective, loss, hits] = await Promise.all([value.data(), meanLoss!.data(), correct!.data()]);
    tf.dispose([y, value, correct!, meanLoss!, ...Object.values(grads)]);
    w?.dispose();
    return { loss: loss[0], objective: objective[0], correct: hits[0] };
  }

  dispose(): void {
    for (const opt of [this.headOpt, this.preOpt]) {
      opt.dispose();
      // tfjs's MomentumOptimizer.dispose leaves SGD's learning-rate scalar `c` behind (2 tensors per run).
      if (opt instanceof tf.SGDOptimizer) (opt as unknown as { c?: tf.Tensor }).c?.dispose();
    }
  }
}
