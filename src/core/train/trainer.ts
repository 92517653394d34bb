/**
 * The training loop: one run of transfer learning from the pretrained GoogLeNet on a labelled dataset.
 * Per-group learning rates (new head vs pretrained layers), L2 weight decay on kernels, SGD with momentum or
 * Adam, step/cosine decay, exact 0/90/180/270 rotations, early stopping on validation loss with the best
 * epoch's weights restored, and the frozen-prefix feature cache. Runs the same in a Worker and in Node.
 */
import * as tf from '@tensorflow/tfjs';
import { type RgbImage, rotateQuarterTurns, writeCaffeInput } from '../data/preprocess';
import { mulberry32, shuffleInPlace } from '../data/random';
import { evaluate } from '../eval/metrics';
import type { EvalReport } from '../eval/report';
import { buildClassifier, type FoveaNet, isKernel, measureFeatureScale } from '../model/classifier';
import { learningRateAt, resolveTrainConfig, type TrainConfig } from './config';
import { earlyStoppingStep, initialEarlyStoppingState } from './early-stopping';
import type { EpochSummary, TrainerEvent } from './events';
import {
  type CachePlan, FeatureCache, type FeatureCacheConfig, FeatureRangeError, planFeatureCache, resolveFeatureCacheConfig,
} from './feature-cache';
import { CancelledError, RunControl } from './run-control';

export interface TrainingItem {
  id: string;
  classIndex: number;
}

export interface TrainingData {
  classNames: string[];
  /** Classes are ordered grades (quadratic kappa is reported). */
  ordinal: boolean;
  train: TrainingItem[];
  val: TrainingItem[];
  /** An image as square RGB at the run's input size. */
  image: (id: string) => RgbImage;
}

export interface TrainerHooks {
  onEvent?: (e: TrainerEvent) => void;
  control?: RunControl;
  /** Feature cache budgets, or false to always run the frozen prefix (the bench compares both). */
  cache?: Partial<FeatureCacheConfig> | false;
}

export interface TrainOutcome {
  net: FoveaNet;
  config: TrainConfig;
  epochs: EpochSummary[];
  /** Validation report of the epoch whose weights the net now holds (lowest validation loss). */
  report: EvalReport;
  stoppedBecause: 'completed' | 'early-stopping' | 'cancelled';
  /** Where the frozen features were kept, if cached. */
  cache: 'gpu' | 'cpu' | 'none';
  /** In what precision they were kept (null: not cached). */
  cachePrecision: 'float32' | 'float16' | null;
}

export class TrainingDataError extends Error {
  override name = 'DatasetError';
}

interface Sample {
  id: string;
  rotation: number;
}

const ROTATIONS = 4;

/** Network input for samples: BGR, mean subtracted, rotated. */
export function inputBatch(data: Pick<TrainingData, 'image'>, samples: Sample[], size: number): tf.Tensor4D {
  const buf = new Float32Array(samples.length * size * size * 3);
  samples.forEach((s, i) => {
    const img = data.image(s.id);
    if (img.width !== size || img.height !== size) {
      throw new Error(`image ${s.id} is ${img.width}x${img.height}, the run needs ${size}x${size}`);
    }
    writeCaffeInput(rotateQuarterTurns(img, s.rotation), buf, i);
  });
  return tf.tensor4d(buf, [samples.length, size, size, 3]);
}

function makeOptimizer(config: TrainConfig, lr: number): tf.Optimizer {
  return config.optimizer === 'adam' ? tf.train.adam(lr) : tf.train.momentum(lr, config.momentum);
}

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (opt instanceof tf.SGDOptimizer) opt.setLearningRate(lr); // MomentumOptimizer is one
  else (opt as unknown as { learningRate: number }).learningRate = lr; // Adam reads it at every step
}

/**
 * One optimisation step of the trainable suffix: forward, softmax cross-entropy, gradients, L2 decay on
 * kernels, and two optimizers (new head at the full rate, pretrained layers at rate x multiplier).
 * The bench drives this same class to measure training speed.
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
    setLearningRate(this.headOpt, headRate);
    setLearningRate(this.preOpt, headRate * this.config.pretrainedLrMultiplier);
  }

  /** Trains on one batch of suffix inputs `x` (not disposed here); resolves to the batch's loss and hits. */
  async run(x: tf.Tensor, labels: number[]): Promise<{ loss: number; correct: number }> {
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), this.numClasses).toFloat());
    let correct: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.net.suffix.apply(x, { training: true }) as tf.Tensor2D;
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')));
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
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
    const [lossValue, correctValue] = await Promise.all([value.data(), correct!.data()]);
    tf.dispose([y, value, correct!, ...Object.values(grads)]);
    return { loss: lossValue[0], correct: correctValue[0] };
  }

  dispose(): void {
    for (const opt of [this.headOpt, this.preOpt]) {
      opt.dispose();
      // tfjs's MomentumOptimizer.dispose leaves SGD's learning-rate scalar `c` behind (2 tensors per run).
      if (opt instanceof tf.SGDOptimizer) (opt as unknown as { c?: tf.Tensor }).c?.dispose();
    }
  }
}

export async function trainClassifier(
  base: tf.LayersModel,
  data: TrainingData,
  partialConfig: Partial<TrainConfig>,
  hooks: TrainerHooks = {},
): Promise<TrainOutcome> {
  const config = resolveTrainConfig(partialConfig);
  const emit = hooks.onEvent ?? (() => {});
  const control = hooks.control ?? new RunControl();
  const k = data.classNames.length;
  if (k < 2) throw new TrainingDataError('Training needs at least two classes.');
  if (data.train.length === 0) throw new TrainingDataError('The training split has no images.');
  if (data.val.length === 0) throw new TrainingDataError('The validation split has no images.');
  for (const it of [...data.train, ...data.val]) {
    if (!(it.classIndex >= 0 && it.classIndex < k)) {
      throw new TrainingDataError(`Image ${it.id} has class index ${it.classIndex}, outside 0..${k - 1}.`);
    }
  }

  emit({ type: 'phase', phase: 'preparing' });
  const size = config.inputSize;
  const probe = inputBatch(data, data.train.slice(0, Math.min(16, data.train.length)).map((it) => ({ id: it.id, rotation: 0 })), size);
  const featureScale = await measureFeatureScale(base, config.headOn, probe);
  probe.dispose();
  const net = buildClassifier(base, {
    numClasses: k, headOn: config.headOn, freezeUpTo: config.freezeUpTo, dropout: config.dropout, seed: config.seed,
    featureScale,
  });
  const rotations = config.rotations ? ROTATIONS : 1;
  const trainSamples: Sample[] = data.train.flatMap((it) => Array.from({ length: rotations }, (_, r) => ({ id: it.id, rotation: r })));
  const valSamples: Sample[] = data.val.map((it) => ({ id: it.id, rotation: 0 }));
  const allSamples = [...trainSamples, ...valSamples];

  let cache: FeatureCache | null = null;
  const disposables: { dispose(): void }[] = [];
  try {
    if (net.prefix && hooks.cache !== false) {
      // The symbolic shape has free spatial dims: ask the layers what they give for this input size.
      const concrete = (net.prefix.computeOutputShape([1, size, size, 3]) as number[]).slice(1);
      const prefix = net.prefix;
      const cacheConfig = resolveFeatureCacheConfig(hooks.cache ?? {});
      const build = (plan: CachePlan) => {
        emit({ type: 'phase', phase: 'caching-features', message: `0 / ${allSamples.length}` });
        return FeatureCache.build(
          prefix, allSamples.length, plan, config.batchSize,
          (start, count) => inputBatch(data, allSamples.slice(start, start + count), size),
          async (done) => {
            emit({ type: 'phase', phase: 'caching-features', message: `${done} / ${allSamples.length}` });
            return control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }));
          },
        );
      };
      const plan = planFeatureCache(concrete, allSamples.length, cacheConfig);
      if (plan) {
        try {
          cache = await build(plan);
        } catch (e) {
          if (!(e instanceof FeatureRangeError)) throw e;
          const float32 = planFeatureCache(concrete, allSamples.length, { ...cacheConfig, precision: 'float32' });
          if (float32) cache = await build(float32);
        }
        if (cache) disposables.push(cache);
      }
    }
    if (control.cancelled) throw new CancelledError();

    /** Trainable-suffix input for samples given by their index in allSamples. */
    const features = (indices: number[]): tf.Tensor => {
      if (cache) return cache.gather(indices);
      const x = inputBatch(data, indices.map((i) => allSamples[i]), size);
      if (!net.prefix) return x;
      const f = net.prefix.predict(x) as tf.Tensor;
      x.dispose();
      return f;
    };

    const optimizer = new TrainStep(net, config, k);
    disposables.push(optimizer);
    const headVars = net.headVariables;
    const step = async (indices: number[], labels: number[]) => {
      const x = features(indices);
      const result = await optimizer.run(x, labels);
      x.dispose();
      return result;
    };

    const predictProbs = async (indices: number[]): Promise<number[][]> => {
      const rows: number[][] = [];
      for (let s = 0; s < indices.length; s += config.batchSize) {
        const x = features(indices.slice(s, s + config.batchSize));
        const probs = tf.tidy(() => tf.softmax(net.suffix.predict(x) as tf.Tensor2D));
        const values = (await probs.data()) as Float32Array;
        tf.dispose([x, probs]);
        for (let r = 0; r < values.length / k; r++) rows.push(Array.from(values.subarray(r * k, (r + 1) * k)));
      }
      return rows;
    };

    const epochs: EpochSummary[] = [];
    let es = initialEarlyStoppingState();
    let best: { report: EvalReport; weights: tf.Tensor[] } | null = null;
    let stoppedBecause: TrainOutcome['stoppedBecause'] = 'completed';
    const batches = Math.ceil(data.train.length / config.batchSize);
    const runStart = performance.now();
    let imagesDone = 0;
    let trainSeconds = 0;
    const valIndices = valSamples.map((_, i) => trainSamples.length + i);

    epochLoop: for (let epoch = 0; epoch < config.epochs; epoch++) {
      const epochStart = performance.now();
      const lr = learningRateAt(config, epoch);
      optimizer.setLearningRate(lr);
      emit({ type: 'phase', phase: 'training' });
      const rand = mulberry32(config.seed * 7919 + epoch);
      const order = shuffleInPlace(data.train.map((_, i) => i), rand);
      let lossSum = 0;
      let correctSum = 0;
      for (let b = 0; b < batches; b++) {
        if (await control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }))) {
          stoppedBecause = 'cancelled';
          break epochLoop;
        }
        const t0 = performance.now();
        const items = order.slice(b * config.batchSize, (b + 1) * config.batchSize);
        const indices = items.map((i) => i * rotations + (rotations > 1 ? Math.floor(rand() * rotations) : 0));
        const labels = items.map((i) => data.train[i].classIndex);
        const { loss, correct } = await step(indices, labels);
        lossSum += loss * items.length;
        correctSum += correct;
        imagesDone += items.length;
        trainSeconds += (performance.now() - t0) / 1000;
        const imagesPerSecond = imagesDone / Math.max(trainSeconds, 1e-6);
        emit({
          type: 'batch', epoch, epochs: config.epochs, batch: b + 1, batches, loss, accuracy: correct / items.length,
          imagesPerSecond,
          etaSeconds: ((config.epochs * data.train.length - imagesDone) / imagesPerSecond) *
            ((performance.now() - runStart) / 1000 / Math.max(trainSeconds, 1e-6)),
        });
      }
      emit({ type: 'phase', phase: 'validating' });
      const probs = await predictProbs(valIndices);
      const report = evaluate({
        classNames: data.classNames, ordinal: data.ordinal,
        labels: data.val.map((it) => it.classIndex), probs, ids: data.val.map((it) => it.id),
      });
      const summary: EpochSummary = {
        epoch, trainLoss: lossSum / data.train.length, trainAccuracy: correctSum / data.train.length,
        valLoss: report.loss, valAccuracy: report.accuracy, learningRate: lr,
        seconds: (performance.now() - epochStart) / 1000,
      };
      epochs.push(summary);
      const decision = earlyStoppingStep(es, report.loss, epoch, config.earlyStopping);
      es = decision.state;
      if (decision.improved) {
        if (best) tf.dispose(best.weights);
        best = { report, weights: [...headVars, ...net.pretrainedVariables].map((v) => tf.clone(v.read())) };
      }
      emit({ type: 'epoch', summary, report });
      if (config.earlyStopping.enabled && decision.shouldStop) {
        stoppedBecause = 'early-stopping';
        break;
      }
    }

    if (!best) throw new CancelledError();
    [...headVars, ...net.pretrainedVariables].forEach((v, i) => v.write(best!.weights[i]));
    tf.dispose(best.weights);
    emit({ type: 'phase', phase: 'done' });
    return {
      net, config, epochs, report: best.report, stoppedBecause, cache: cache?.location ?? 'none',
      cachePrecision: cache?.precision ?? null,
    };
  } finally {
    disposables.forEach((d) => d.dispose());
  }
}
