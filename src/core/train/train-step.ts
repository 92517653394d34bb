/**
 * One optimisation step of the trainable suffix, and the error a run throws when its loss stops being a
 * number. The trainer and the bench drive the same TrainStep.
 */
import * as tf from '@tensorflow/tfjs';
import { type FoveaNet, isKernel } from '../model/classifier';
import { CheckpointMismatchError, checkSavedTensors, type SavedTensor, type TrainingCheckpoint } from './checkpoint';
import { savedToTensor, saveTensor } from './checkpoint-tensors';
import type { TrainConfig } from './config';
import { type DecayedGradient, DecayedMomentumOptimizer } from './momentum';

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
  return config.optimizer === 'adam' ? tf.train.adam(lr) : new DecayedMomentumOptimizer(lr, config.momentum);
}

/** By its method: tfjs's Optimizer[Symbol.hasInstance] duck-types, so `instanceof` would pass Adam too. */
const isDecayedMomentum = (opt: tf.Optimizer): opt is DecayedMomentumOptimizer =>
  typeof (opt as Partial<DecayedMomentumOptimizer>).applyDecayedGradients === 'function';

/** An optimizer's slots as plain data: iterations, then its per-variable slots (getWeights' order). */
async function saveOptimizer(opt: tf.Optimizer): Promise<SavedTensor[]> {
  const named = await opt.getWeights();
  try {
    return await Promise.all(named.map((n) => saveTensor(n.name, n.tensor)));
  } finally {
    named[0].tensor.dispose(); // the iterations scalar is made for the call; the slots stay the optimizer's
  }
}

/**
 * Throws CheckpointMismatchError unless `saved` is an iterations count followed by `slotsPerVariable` slots
 * for each of `variables` (by index, the order applyGradients saw them), or by none (no step taken yet).
 */
function checkOptimizerSlots(what: string, saved: SavedTensor[], variables: tf.Variable[], slotsPerVariable: number): void {
  if (saved.length === 0 || saved[0].name !== 'iter' || saved[0].values.length !== 1) {
    throw new CheckpointMismatchError(`the ${what}'s first slot`, saved[0]?.name ?? 'missing', 'iter');
  }
  const slots = saved.slice(1);
  if (slots.length === 0) return;
  const expected = Array.from({ length: slotsPerVariable }, () => variables.map((v) => ({ name: v.name, shape: v.shape }))).flat();
  checkSavedTensors(`${what} slots`, slots, expected, false);
}

async function restoreOptimizer(opt: tf.Optimizer, saved: SavedTensor[]): Promise<void> {
  const named = saved.map((s) => ({ name: s.name, tensor: savedToTensor(s) }));
  try {
    await opt.setWeights(named); // the optimizer makes its own variables of these values
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}

function setOptimizerRate(opt: tf.Optimizer, lr: number): void {
  // By class name, not `instanceof tf.SGDOptimizer`: tfjs's Optimizer[Symbol.hasInstance] duck-types, so Adam passed it.
  if (opt.getClassName() === 'Adam') (opt as unknown as { learningRate: number }).learningRate = lr; // read at every step
  else (opt as tf.SGDOptimizer).setLearningRate(lr); // MomentumOptimizer is an SGDOptimizer
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
/** What a step of `config` trains on `net`, head first: TrainStep's order (its gradients, apply, and replicas' weights). */
export function trainedLayerVariables(net: FoveaNet, config: TrainConfig): tf.LayerVariable[] {
  return [...net.headVariables, ...(config.pretrainedLrMultiplier > 0 ? net.pretrainedVariables : [])];
}

export class TrainStep {
  private readonly headOpt: tf.Optimizer;
  private readonly preOpt: tf.Optimizer;
  private readonly preVars: tf.LayerVariable[];
  /** What trains, head first: the order of gradients() and apply(). */
  private readonly trained: tf.LayerVariable[];
  private readonly allVars: tf.Variable[];
  private restorable = true;

  constructor(private readonly net: FoveaNet, private readonly config: TrainConfig, private readonly numClasses: number) {
    this.preVars = config.pretrainedLrMultiplier > 0 ? net.pretrainedVariables : [];
    this.trained = trainedLayerVariables(net, config);
    this.allVars = this.trained.map((v) => v.read() as tf.Variable);
    this.headOpt = makeOptimizer(config, config.learningRate);
    this.preOpt = makeOptimizer(config, config.learningRate * config.pretrainedLrMultiplier);
  }

  /** The variables a step changes, in the order of gradients() and apply(): the head's, then the pretrained ones. */
  get variables(): readonly tf.Variable[] {
    return this.allVars;
  }

  setLearningRate(headRate: number): void {
    setOptimizerRate(this.headOpt, headRate);
    setOptimizerRate(this.preOpt, headRate * this.config.pretrainedLrMultiplier);
  }

  /** Trains on one batch of suffix inputs `x` (not disposed here) with per-example loss `weights` (default 1). */
  async run(x: tf.Tensor, labels: number[], weights?: number[]): Promise<StepResult> {
    const { grads, result } = await this.gradients(x, labels, weights);
    this.apply(grads);
    return result;
  }

  /**
   * The gradients of one batch's objective for {@link variables} (in that order; the caller owns them), without
   * changing anything: a step shared between threads (data-parallel) averages several of these, then applies.
   */
  async gradients(x: tf.Tensor, labels: number[], weights?: number[]): Promise<{ grads: tf.Tensor[]; result: StepResult }> {
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
    try {
      const [objective, loss, hits] = await Promise.all([value.data(), meanLoss!.data(), correct!.data()]);
      return { grads: this.allVars.map((v) => grads[v.name]), result: { loss: loss[0], objective: objective[0], correct: hits[0] } };
    } finally {
      tf.dispose([y, value, correct!, meanLoss!]);
      w?.dispose();
    }
  }

  /**
   * One optimisation step from gradients of {@link variables} (in that order; disposed here): L2 decay on kernels
   * (not biases, as Caffe's decay_mult 0), the head at the full rate, pretrained layers at rate x multiplier.
   */
  apply(grads: tf.Tensor[]): void {
    this.restorable = false;
    if (grads.length !== this.trained.length) throw new Error(`${grads.length} gradients for ${this.trained.length} variables`);
    try {
      tf.tidy(() => {
        const entries = (from: number, to: number): DecayedGradient[] =>
          this.trained.slice(from, to).map((v, i) => ({
            variable: this.allVars[from + i],
            gradient: grads[from + i],
            decay: this.config.weightDecay > 0 && isKernel(v) ? this.config.weightDecay : 0,
          }));
        // Momentum takes the decay into its step (one fused kernel a variable on wasm); Adam gets decayed gradients.
        const step = (opt: tf.Optimizer, e: DecayedGradient[]) => {
          if (isDecayedMomentum(opt)) opt.applyDecayedGradients(e);
          else opt.applyGradients(Object.fromEntries(e.map(({ variable, gradient, decay }) =>
            [variable.name, decay > 0 ? gradient.add(variable.mul(decay)) : gradient])));
        };
        const heads = this.net.headVariables.length;
        step(this.headOpt, entries(0, heads));
        if (this.preVars.length > 0) step(this.preOpt, entries(heads, this.trained.length));
      });
    } finally {
      tf.dispose(grads);
    }
  }

  /** The two optimizers' state (iterations, momentum or Adam moments), copied to plain data. */
  async saveOptimizers(): Promise<TrainingCheckpoint['optimizers']> {
    return { head: await saveOptimizer(this.headOpt), pretrained: await saveOptimizer(this.preOpt) };
  }

  /**
   * Restores what saveOptimizers saved, before the first step. Slots are matched to variables by index (tfjs
   * keys them by position in the gradient map, which follows net.headVariables / net.pretrainedVariables);
   * Adam recomputes its bias-correction powers from the iterations. Checks both optimizers before setting either.
   */
  async restoreOptimizers(saved: TrainingCheckpoint['optimizers']): Promise<void> {
    if (!this.restorable) throw new Error('optimizer state can only be restored before the first step');
    const slotsPerVariable = this.config.optimizer === 'adam' ? 2 : 1;
    const headVars = this.net.headVariables.map((v) => v.read() as tf.Variable);
    const preVars = this.preVars.map((v) => v.read() as tf.Variable);
    checkOptimizerSlots('head optimizer', saved.head, headVars, slotsPerVariable);
    checkOptimizerSlots('pretrained optimizer', saved.pretrained, preVars, slotsPerVariable);
    await restoreOptimizer(this.headOpt, saved.head);
    await restoreOptimizer(this.preOpt, saved.pretrained);
    this.restorable = false;
  }

  dispose(): void {
    for (const opt of [this.headOpt, this.preOpt]) {
      opt.dispose();
      // tfjs's MomentumOptimizer.dispose leaves SGD's learning-rate scalar `c` behind (2 tensors per run).
      if (opt.getClassName() === 'Momentum') (opt as unknown as { c?: tf.Tensor }).c?.dispose();
    }
  }
}
