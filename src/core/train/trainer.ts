/**
 * The training loop: one run of transfer learning from the pretrained GoogLeNet on a labelled dataset.
 * Per-group learning rates (new head vs pretrained layers), L2 weight decay on kernels, SGD with momentum or
 * Adam, step/cosine decay, exact 0/90/180/270 rotations, class weighting or class-balanced sampling, early
 * stopping on validation loss with the best epoch's weights restored, test-time rotations, a held-out test
 * split evaluated once, and the frozen-prefix feature cache. Runs the same in a Worker and in Node.
 * In small named steps: plan the samples, build the cache, run an epoch, evaluate a split, keep the best epoch,
 * take an epoch-end checkpoint (checkpoint.ts) and resume from one.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchReader, type ImageSource } from '../data/image-source';
import { type RgbImage, rotateQuarterTurns, writeCaffeInput } from '../data/preprocess';
import { mulberry32, type Random, shuffleInPlace } from '../data/random';
import { evaluate } from '../eval/metrics';
import type { EvalReport } from '../eval/report';
import { reinitialiseWeights } from '../model/reinitialise';
import { buildClassifier, disposeNewLayers, type FoveaNet, isKernel, measureFeatureScale, SeededDropout } from '../model/classifier';
import {
  CHECKPOINT_FORMAT, checkCheckpointFits, checkSavedTensors, savedConfig, type TrainingCheckpoint,
} from './checkpoint';
import { savedToTensor, saveTensor } from './checkpoint-tensors';
import { balancedClassWeights, classBalancedDraw, EmptyClassError } from './class-weights';
import { classifierConfigOf, learningRateAt, resolveTrainConfig, type TrainConfig } from './config';
import {
  type EarlyStoppingDecision, earlyStoppingStep, type EarlyStoppingState, initialEarlyStoppingState,
} from './early-stopping';
import type { EpochSummary, TrainerEvent } from './events';
import {
  type CachePlan, FeatureCache, type FeatureCacheConfig, FeatureRangeError, planFeatureCache, resolveFeatureCacheConfig,
} from './feature-cache';
import { fitHeadWithCrossValidation, type HeadFitSummary, softmaxRow } from './head-fit';
import { outOfFoldPredictions, type OutOfFoldItem, type OutOfFoldPredictions } from './out-of-fold';
import { CancelledError, RunControl } from './run-control';
import { type StepResult, trainedLayerVariables, TrainingDivergedError, TrainStep } from './train-step';

export { TrainingDivergedError, TrainStep } from './train-step';
export { CheckpointMismatchError, type SavedTensor, type TrainingCheckpoint } from './checkpoint';

export interface TrainingItem {
  id: string;
  classIndex: number;
  /** Images of one patient stay on one side of the head fit's inner folds. Defaults to the id (one image, one patient). */
  patientId?: string;
}

export interface TrainingData {
  classNames: string[];
  /** Classes are ordered grades (quadratic kappa is reported). */
  ordinal: boolean;
  train: TrainingItem[];
  val: TrainingItem[];
  /** Held-out images evaluated once, after training, with the best epoch's weights; never used for early stopping. */
  test?: TrainingItem[];
  /** The images, read batch by batch (never all at once) as square RGB at the run's input size. */
  images: ImageSource;
}

export interface TrainerHooks {
  onEvent?: (e: TrainerEvent) => void;
  control?: RunControl;
  /** Feature cache budgets, or false to always run the frozen prefix (the bench compares both). */
  cache?: Partial<FeatureCacheConfig> | false;
  /** Called after each completed epoch (after its 'epoch' event) with the run's checkpoint, and awaited. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void | Promise<void>;
  /** Start from this checkpoint (taken by a run with the same config and data) instead of epoch 0. */
  resumeFrom?: TrainingCheckpoint;
  /**
   * Computes the frozen prefix's features somewhere else than on this thread (the evaluate command: a pool of
   * worker threads, a cache on disk) instead of running `prefix` here. Only asked when a cache is planned; the
   * result is then kept as a CPU cache. Defaults to none: the prefix runs here (the studio).
   */
  extractFeatures?: (request: FeatureRequest) => Promise<Float32Array | null>;
  /**
   * Takes each SGD step elsewhere too (the evaluate command: worker threads each computing the gradients of a share
   * of the batch on their own copy of the network, data-parallel): must leave `step`'s network and optimizers as
   * step.run would, i.e. apply the batch's gradients through step.apply. Defaults to none: step.run here.
   */
  shareStep?: (request: SharedStepRequest) => Promise<StepResult>;
  /**
   * Computes the suffix's logits elsewhere (the evaluate command: shares of each validation and test batch on the
   * worker threads' replicas, which take `variables`' current values first). Defaults to none: predicted here.
   */
  sharePredict?: (request: SharedPredictRequest) => Promise<Float32Array>;
}

/** What TrainerHooks.sharePredict is asked: a batch's logits, [rows, classCount] row after row, with the network as now. */
export interface SharedPredictRequest {
  /** The trained variables in TrainStep's order (trainedLayerVariables): their values are the network's now. */
  variables: readonly tf.Variable[];
  /** Suffix inputs (the caller owns them). */
  x: tf.Tensor;
  config: TrainConfig;
  classCount: number;
  featureScale: number;
}

/** What TrainerHooks.shareStep is asked: one batch, the step to apply its gradients with, and how the network was built. */
export interface SharedStepRequest {
  step: TrainStep;
  /** Suffix inputs (the caller owns them). */
  x: tf.Tensor;
  labels: number[];
  weights?: number[];
  /** A network built from these by buildClassifier(base, classifierConfigOf(config, classCount, featureScale)) is this run's. */
  config: TrainConfig;
  classCount: number;
  featureScale: number;
}

/** What TrainerHooks.extractFeatures is asked for: the same features the trainer's own prefix would give. */
export interface FeatureRequest {
  /** The run's frozen prefix (image -> features at the cut): to run, or to fingerprint. */
  prefix: tf.LayersModel;
  /** The run's settings: a network built from them by buildClassifier has this prefix. */
  config: TrainConfig;
  classCount: number;
  /** In the cache's order; images are read at config.inputSize. */
  samples: Sample[];
  /** One sample's features. */
  featureShape: number[];
  /** Awaited as samples complete (done counts them); true asks to stop: then resolve null. */
  onProgress: (done: number) => Promise<boolean>;
}

export interface TrainOutcome {
  net: FoveaNet;
  config: TrainConfig;
  epochs: EpochSummary[];
  /** Validation report of the epoch whose weights the net now holds (lowest validation loss). */
  report: EvalReport;
  /** 0-based epoch whose weights the net holds (the lowest validation loss). */
  bestEpoch: number;
  /** Report on data.test with those weights, when a test split was given. */
  test?: EvalReport;
  stoppedBecause: 'completed' | 'early-stopping' | 'cancelled';
  /** Where the frozen features were kept, if cached. */
  cache: 'gpu' | 'cpu' | 'none';
  /** In what precision they were kept (null: not cached). */
  cachePrecision: 'float32' | 'float16' | null;
  /** With headFit 'converged': the L2 strengths searched, their cross-validated losses, the winner and the final fit. */
  headFit?: HeadFitSummary;
  /**
   * With headFit 'converged': every training and validation image scored by a head fitted without it (patient-aware
   * folds at the chosen L2, out-of-fold.ts), for the operating point. Never a test image. Absent otherwise.
   */
  outOfFold?: OutOfFoldPredictions;
}

export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

/** One network input: an image at a number of quarter turns. */
export interface Sample {
  id: string;
  rotation: number;
}

const ROTATIONS = 4;

/** Network input for samples whose images are given (one per sample): BGR, mean subtracted, rotated. */
export function inputTensor(images: RgbImage[], samples: Sample[], size: number): tf.Tensor4D {
  const buf = new Float32Array(samples.length * size * size * 3);
  samples.forEach((s, i) => {
    const img = images[i];
    if (img.width !== size || img.height !== size) {
      throw new Error(`image ${s.id} is ${img.width}x${img.height}, the run needs ${size}x${size}`);
    }
    writeCaffeInput(rotateQuarterTurns(img, s.rotation), buf, i);
  });
  return tf.tensor4d(buf, [samples.length, size, size, 3]);
}

/** Network input for samples, their images read from the data's source (each distinct image once). */
export async function inputBatch(data: Pick<TrainingData, 'images'>, samples: Sample[], size: number): Promise<tf.Tensor4D> {
  const unique = [...new Set(samples.map((s) => s.id))];
  const loaded = await data.images.load(unique);
  const byId = new Map(unique.map((id, i) => [id, loaded[i]] as const));
  return inputTensor(samples.map((s) => byId.get(s.id)!), samples, size);
}

/**
 * Network inputs of a known sequence of sample batches, their images read ahead (BatchReader) so that decoding
 * overlaps the network's work. Batches are asked for in order; close() when done or abandoned.
 */
export class InputBatches {
  private readonly reader: BatchReader;

  constructor(source: ImageSource, private readonly batches: Sample[][], private readonly size: number) {
    this.reader = new BatchReader(source, batches.map((b) => b.map((s) => s.id)));
  }

  async batch(i: number): Promise<tf.Tensor4D> {
    return inputTensor(await this.reader.batch(i), this.batches[i], this.size);
  }

  close(): void {
    this.reader.close();
  }
}

/** Where a split's samples sit in the run's sample list: item i at rotation r is `offset + i x rotations + r`. */
export interface SplitLayout {
  offset: number;
  /** 1, or 4 (0/90/180/270 degrees). */
  rotations: number;
  items: TrainingItem[];
}

/** Every sample a run feeds the network (the feature cache holds them in this order), split by split. */
export interface SamplePlan {
  samples: Sample[];
  train: SplitLayout;
  val: SplitLayout;
  test: SplitLayout | null;
}

/**
 * Plans the samples: training items at every rotation when `rotations` is on (one is drawn per step);
 * validation and test items at every rotation when `testTimeRotations` is on (their probabilities are averaged).
 */
export function planSamples(data: Pick<TrainingData, 'train' | 'val' | 'test'>, config: Pick<TrainConfig, 'rotations' | 'testTimeRotations'>): SamplePlan {
  const samples: Sample[] = [];
  const layout = (items: TrainingItem[], rotations: number): SplitLayout => {
    const offset = samples.length;
    for (const it of items) for (let r = 0; r < rotations; r++) samples.push({ id: it.id, rotation: r });
    return { offset, rotations, items };
  };
  const evalRotations = config.testTimeRotations ? ROTATIONS : 1;
  const train = layout(data.train, config.rotations ? ROTATIONS : 1);
  const val = layout(data.val, evalRotations);
  const test = data.test && data.test.length > 0 ? layout(data.test, evalRotations) : null;
  return { samples, train, val, test };
}

/**
 * The training items of one epoch, in order, as indices into the training split: a shuffle of all of them,
 * or with 'sampling' as many drawn with probability proportional to 1 / n_c. `random` is the epoch's stream.
 */
export function epochOrder(trainClasses: number[], k: number, config: Pick<TrainConfig, 'classWeighting'>, random: Random): number[] {
  if (config.classWeighting === 'sampling') return classBalancedDraw(trainClasses, k, trainClasses.length, random);
  return shuffleInPlace(trainClasses.map((_, i) => i), random);
}

/** One epoch's training batches: the items of each (indices into the training split) and their samples. */
export interface EpochBatches {
  items: number[][];
  /** Sample indices (into the run's sample list): each item at the rotation drawn for it. */
  samples: number[][];
}

/**
 * Every batch of an epoch, drawn before the first step so the images of the next batches can be read while one
 * trains: the epoch's order (epochOrder), then one rotation per item, batch after batch, from the same stream.
 */
export function epochBatches(
  trainClasses: number[], k: number, layout: Pick<SplitLayout, 'offset' | 'rotations'>,
  config: Pick<TrainConfig, 'classWeighting' | 'batchSize' | 'seed'>, epoch: number,
): EpochBatches {
  const random = mulberry32(config.seed * 7919 + epoch);
  const order = epochOrder(trainClasses, k, config, random);
  const { offset, rotations } = layout;
  const items: number[][] = [];
  for (let start = 0; start < order.length; start += config.batchSize) items.push(order.slice(start, start + config.batchSize));
  const samples = items.map((batch) => batch.map((i) => offset + i * rotations + (rotations > 1 ? Math.floor(random() * rotations) : 0)));
  return { items, samples };
}

/** Throws TrainingDataError, in plain words, for data no run can train on with this config. */
function checkTrainingData(data: TrainingData, config: TrainConfig): void {
  const k = data.classNames.length;
  if (k < 2) throw new TrainingDataError('Training needs at least two classes.');
  if (data.train.length === 0) throw new TrainingDataError('The training split has no images.');
  if (data.val.length === 0) throw new TrainingDataError('The validation split has no images.');
  for (const it of [...data.train, ...data.val, ...(data.test ?? [])]) {
    if (!(it.classIndex >= 0 && it.classIndex < k)) {
      throw new TrainingDataError(`Image ${it.id} has class index ${it.classIndex}, outside 0..${k - 1}.`);
    }
  }
  if (config.classWeighting === 'none') return;
  try {
    balancedClassWeights(data.train.map((it) => it.classIndex), k);
  } catch (e) {
    if (!(e instanceof EmptyClassError)) throw e;
    throw new TrainingDataError(`Class '${data.classNames[e.classIndex]}' has no training image, so it cannot be balanced; ` +
      "add images of it, or set class weighting to 'none'.");
  }
}

/** What the steps of one training run share (the evaluate command's RunContext is its run's options). */
interface TrainingRun {
  net: FoveaNet;
  config: TrainConfig;
  data: TrainingData;
  k: number;
  plan: SamplePlan;
  emit: (e: TrainerEvent) => void;
  control: RunControl;
  /** The constant the head's features are scaled by (a checkpoint keeps it). */
  featureScale: number;
  /** Trainable-suffix inputs of batches of samples given by their index in plan.samples (the caller owns each). */
  features: (batches: number[][]) => FeatureBatches;
  shareStep?: TrainerHooks['shareStep'];
  sharePredict?: TrainerHooks['sharePredict'];
}

/** Builds the frozen-prefix feature cache when the network has a frozen prefix and it fits; null otherwise. */
async function planAndBuildCache(
  net: FoveaNet, data: TrainingData, plan: SamplePlan, config: TrainConfig, hooks: TrainerHooks,
  emit: (e: TrainerEvent) => void, control: RunControl,
): Promise<FeatureCache | null> {
  if (!net.prefix || hooks.cache === false) return null;
  const size = config.inputSize;
  const { samples } = plan;
  // The symbolic shape has free spatial dims: ask the layers what they give for this input size.
  const concrete = (net.prefix.computeOutputShape([1, size, size, 3]) as number[]).slice(1);
  const prefix = net.prefix;
  const cacheConfig = resolveFeatureCacheConfig(hooks.cache ?? {});
  const build = async (cachePlan: CachePlan) => {
    emit({ type: 'phase', phase: 'caching-features', progress: { done: 0, total: samples.length } });
    const batches: Sample[][] = [];
    for (let start = 0; start < samples.length; start += config.batchSize) batches.push(samples.slice(start, start + config.batchSize));
    const inputs = new InputBatches(data.images, batches, size);
    try {
      return await FeatureCache.build(
        prefix, samples.length, cachePlan, config.batchSize,
        (start) => inputs.batch(start / config.batchSize),
        async (done) => {
          emit({ type: 'phase', phase: 'caching-features', progress: { done, total: samples.length } });
          return control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }));
        },
      );
    } finally {
      inputs.close();
    }
  };
  if (hooks.extractFeatures) {
    // Features from elsewhere arrive in CPU memory: they stay there (within the CPU budget).
    if (!planFeatureCache(concrete, samples.length, { ...cacheConfig, gpuBudgetBytes: 0, precision: 'float32' })) return null;
    emit({ type: 'phase', phase: 'caching-features', progress: { done: 0, total: samples.length } });
    const features = await hooks.extractFeatures({
      prefix, config, classCount: data.classNames.length, samples, featureShape: concrete,
      onProgress: async (done) => {
        emit({ type: 'phase', phase: 'caching-features', progress: { done, total: samples.length } });
        return control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }));
      },
    });
    return features ? FeatureCache.fromFeatures(features, concrete, samples.length) : null;
  }
  const cachePlan = planFeatureCache(concrete, samples.length, cacheConfig);
  if (!cachePlan) return null;
  try {
    return await build(cachePlan);
  } catch (e) {
    if (!(e instanceof FeatureRangeError)) throw e;
    const float32 = planFeatureCache(concrete, samples.length, { ...cacheConfig, precision: 'float32' });
    return float32 ? build(float32) : null;
  }
}

/** The trainable suffix's inputs for a known sequence of sample batches; asked for in order, closed when done. */
interface FeatureBatches {
  batch(i: number): Promise<tf.Tensor>;
  close(): void;
}

/** Trainable-suffix input of sample batches: from the cache, or through the frozen prefix, or the images themselves. */
function featureSource(
  net: FoveaNet, data: TrainingData, plan: SamplePlan, config: TrainConfig, cache: FeatureCache | null,
): (batches: number[][]) => FeatureBatches {
  return (batches) => {
    if (cache) return { batch: async (i) => cache.gather(batches[i]), close: () => undefined };
    const inputs = new InputBatches(data.images, batches.map((b) => b.map((i) => plan.samples[i])), config.inputSize);
    return {
      batch: async (i) => {
        const x = await inputs.batch(i);
        if (!net.prefix) return x;
        const f = net.prefix.predict(x) as tf.Tensor;
        x.dispose();
        return f;
      },
      close: () => inputs.close(),
    };
  };
}

interface EpochTotals {
  /** Sums over the epoch's items of the unweighted cross-entropy, and of hits. */
  lossSum: number;
  correctSum: number;
  items: number;
  cancelled: boolean;
}

/** Pace of the run so far, for the progress events' speed and time left. */
interface Pace {
  runStart: number;
  imagesDone: number;
  trainSeconds: number;
}

/** One pass over the training split (or a class-balanced draw of it); throws TrainingDivergedError on a non-finite loss. */
async function runEpoch(ctx: TrainingRun, step: TrainStep, epoch: number, pace: Pace): Promise<EpochTotals> {
  const { config, data, k, plan, emit } = ctx;
  const trainClasses = data.train.map((it) => it.classIndex);
  const { items: batchItems, samples: batchIndices } = epochBatches(trainClasses, k, plan.train, config, epoch);
  const weights = config.classWeighting === 'loss' ? balancedClassWeights(trainClasses, k) : null;
  const batches = batchItems.length;
  const totalImages = config.epochs * batchItems.reduce((n, b) => n + b.length, 0);
  const totals: EpochTotals = { lossSum: 0, correctSum: 0, items: 0, cancelled: false };
  emit({ type: 'phase', phase: 'training' });
  const features = ctx.features(batchIndices);
  try {
    for (let b = 0; b < batches; b++) {
      if (await ctx.control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }))) return { ...totals, cancelled: true };
      const t0 = performance.now();
      const items = batchItems[b];
      const labels = items.map((i) => trainClasses[i]);
      const x = await features.batch(b);
      let result;
      try {
        const w = weights ? labels.map((c) => weights[c]) : undefined;
        result = ctx.shareStep
          ? await ctx.shareStep({ step, x, labels, weights: w, config, classCount: k, featureScale: ctx.featureScale })
          : await step.run(x, labels, w);
      } finally {
        x.dispose();
      }
      if (!Number.isFinite(result.objective) || !Number.isFinite(result.loss)) {
        throw new TrainingDivergedError(epoch, b + 1, Number.isFinite(result.objective) ? result.loss : result.objective, config);
      }
      totals.lossSum += result.loss * items.length;
      totals.correctSum += result.correct;
      totals.items += items.length;
      pace.imagesDone += items.length;
      pace.trainSeconds += (performance.now() - t0) / 1000;
      const imagesPerSecond = pace.imagesDone / Math.max(pace.trainSeconds, 1e-6);
      emit({
        type: 'batch', epoch, epochs: config.epochs, batch: b + 1, batches, loss: result.loss,
        accuracy: result.correct / items.length, imagesPerSecond,
        etaSeconds: ((totalImages - pace.imagesDone) / imagesPerSecond) *
          ((performance.now() - pace.runStart) / 1000 / Math.max(pace.trainSeconds, 1e-6)),
      });
    }
  } finally {
    features.close();
  }
  return totals;
}

/** Class probabilities of a split's items: the softmax, averaged over the split's rotations of each item. */
async function predictSplit(ctx: TrainingRun, split: SplitLayout): Promise<number[][]> {
  const { k, config, net } = ctx;
  const { offset, rotations, items } = split;
  const itemsPerBatch = Math.max(1, Math.floor(config.batchSize / rotations));
  const rows: number[][] = [];
  const batches: number[][] = [];
  for (let first = 0; first < items.length; first += itemsPerBatch) {
    const count = Math.min(itemsPerBatch, items.length - first);
    batches.push(Array.from({ length: count * rotations }, (_, j) => offset + first * rotations + j));
  }
  const features = ctx.features(batches);
  const variables = ctx.sharePredict ? trainedLayerVariables(net, config).map((v) => v.read() as tf.Variable) : [];
  try {
    for (let b = 0; b < batches.length; b++) {
      const count = batches[b].length / rotations;
      const x = await features.batch(b);
      const logits = ctx.sharePredict
        ? tf.tensor2d(await ctx.sharePredict({ variables, x, config, classCount: k, featureScale: ctx.featureScale }), [x.shape[0], k])
        : (net.suffix.predict(x) as tf.Tensor2D);
      const mean = tf.tidy(() => tf.mean(tf.reshape(tf.softmax(logits), [count, rotations, k]), 1));
      const values = (await mean.data()) as Float32Array;
      tf.dispose([x, logits, mean]);
      for (let r = 0; r < count; r++) rows.push(Array.from(values.subarray(r * k, (r + 1) * k)));
    }
  } finally {
    features.close();
  }
  return rows;
}

/** The evaluation report of a split with the net's current weights (unweighted loss, test-time rotations as configured). */
async function evaluateSplit(ctx: TrainingRun, split: SplitLayout, epoch: number): Promise<EvalReport> {
  const probs = await predictSplit(ctx, split);
  if (probs.some((row) => row.some((p) => !Number.isFinite(p)))) {
    throw new TrainingDivergedError(epoch, Math.ceil(ctx.plan.train.items.length / ctx.config.batchSize), NaN, ctx.config);
  }
  return evaluate({
    classNames: ctx.data.classNames, ordinal: ctx.data.ordinal,
    labels: split.items.map((it) => it.classIndex), probs, ids: split.items.map((it) => it.id),
  });
}

/** The trainable weights of the best epoch so far, copied (the snapshot owns them). */
interface BestEpoch {
  epoch: number;
  report: EvalReport;
  weights: tf.Tensor[];
}

/** What a run carries from epoch to epoch besides the net's weights and the optimizers' slots. */
interface RunState {
  epochs: EpochSummary[];
  earlyStopping: EarlyStoppingState;
  best: BestEpoch | null;
  pace: Pace;
}

const trainableVariables = (net: FoveaNet) => [...net.headVariables, ...net.pretrainedVariables];

/** The layer that draws the dropout masks (there is one even at rate 0). */
function dropoutLayer(net: FoveaNet): SeededDropout | null {
  return (net.suffix.layers.find((l) => l instanceof SeededDropout) as SeededDropout | undefined) ?? null;
}

function takeBest(net: FoveaNet, epoch: number, report: EvalReport): BestEpoch {
  return { epoch, report, weights: trainableVariables(net).map((v) => tf.clone(v.read())) };
}

/** Writes the best epoch's weights back into the net and frees the snapshot. */
function restoreBest(net: FoveaNet, best: BestEpoch): void {
  trainableVariables(net).forEach((v, i) => v.write(best.weights[i]));
  tf.dispose(best.weights);
}

/** The head's feature scale, measured on up to 16 training images (see measureFeatureScale). */
async function probeFeatureScale(base: tf.LayersModel, data: TrainingData, config: TrainConfig): Promise<number> {
  const items = data.train.slice(0, Math.min(16, data.train.length));
  const probe = await inputBatch(data, items.map((it) => ({ id: it.id, rotation: 0 })), config.inputSize);
  try {
    return await measureFeatureScale(base, config.headOn, probe, config.headPooling, config.headFeatures);
  } finally {
    probe.dispose();
  }
}

/** A new run's state: nothing trained yet. */
function startRun(): RunState {
  return { epochs: [], earlyStopping: initialEarlyStoppingState(), best: null, pace: { runStart: 0, imagesDone: 0, trainSeconds: 0 } };
}

/**
 * Puts a checkpoint into a freshly built run: the trainable weights, the optimizers' slots, the dropout
 * stream's position and the best epoch's weights; returns the run's state. Checks every shape before it
 * writes anything (CheckpointMismatchError).
 */
async function resumeRun(net: FoveaNet, step: TrainStep, saved: TrainingCheckpoint): Promise<RunState> {
  const variables = trainableVariables(net);
  const expected = variables.map((v) => ({ name: v.originalName, shape: v.read().shape }));
  checkSavedTensors('trainable weights', saved.weights, expected);
  if (saved.best) checkSavedTensors('best epoch weights', saved.best.weights, expected);
  await step.restoreOptimizers(saved.optimizers);
  variables.forEach((v, i) => {
    const value = savedToTensor(saved.weights[i]);
    v.write(value); // the variable now holds these values (reference counted)
    value.dispose();
  });
  dropoutLayer(net)?.seekDraws(saved.dropoutDraws);
  return {
    epochs: saved.epochs.map((e) => ({ ...e })),
    earlyStopping: { ...saved.earlyStopping },
    best: saved.best ? { epoch: saved.best.epoch, report: saved.best.report, weights: saved.best.weights.map(savedToTensor) } : null,
    pace: { runStart: 0, imagesDone: saved.pace.imagesDone, trainSeconds: saved.pace.trainSeconds },
  };
}

/** The run as plain data after `epoch` (see TrainingCheckpoint); each checkpoint owns its arrays. */
async function takeTrainingCheckpoint(
  ctx: TrainingRun, step: TrainStep, run: RunState, epoch: number, headFit?: HeadFitSummary,
): Promise<TrainingCheckpoint> {
  const variables = trainableVariables(ctx.net);
  const save = (tensors: tf.Tensor[]) => Promise.all(tensors.map((t, i) => saveTensor(variables[i].originalName, t)));
  const { best, pace } = run;
  return {
    format: CHECKPOINT_FORMAT, version: 1, config: structuredClone(ctx.config), classCount: ctx.k, epoch,
    epochs: run.epochs.map((e) => ({ ...e })),
    earlyStopping: { ...run.earlyStopping },
    featureScale: ctx.featureScale,
    weights: await save(variables.map((v) => v.read())),
    optimizers: await step.saveOptimizers(),
    best: best ? { epoch: best.epoch, report: best.report, weights: await save(best.weights) } : null,
    dropoutDraws: dropoutLayer(ctx.net)?.draws ?? 0,
    pace: { imagesDone: pace.imagesDone, trainSeconds: pace.trainSeconds },
    ...(headFit ? { headFit } : {}),
  };
}

/**
 * headFit 'converged': fits the head on the cached training features (every rotation of every training image
 * a sample) to the optimum of the L2-regularised softmax loss, L2 by inner cross-validation (head-fit.ts), and
 * validates once, as epoch 0. Dropout plays no part: it regularises stochastic steps; a full-batch fit is
 * regularised by its L2 strength alone. Null when cancelled.
 */
async function fitHeadToConvergence(ctx: TrainingRun, run: RunState, cache: FeatureCache): Promise<HeadFitSummary | null> {
  const { config, k, plan, emit, net } = ctx;
  const started = performance.now();
  const { offset, rotations, items } = plan.train;
  const gathered = cache.gather(Array.from({ length: items.length * rotations }, (_, i) => offset + i));
  const raw = (await gathered.data()) as Float32Array;
  gathered.dispose();
  // The cache holds the pooled features before the head's rescaling layer: the head reads them scaled.
  const features = Float32Array.from(raw, (v) => v * ctx.featureScale);
  const problem = { features, dimension: cache.featureShape.reduce((a, b) => a * b, 1), labels: items.flatMap((it) => new Array<number>(rotations).fill(it.classIndex)), classCount: k };
  const message = 'fitting the head (L-BFGS, L2 by cross-validation)';
  emit({ type: 'phase', phase: 'training', message });
  const fit = await fitHeadWithCrossValidation({
    // On a GPU (or wasm) the products with the features run as tf ops; the plain CPU backend is no faster than JavaScript.
    problem, items, rotations, config: { seed: config.seed, products: tf.getBackend() === 'cpu' ? 'js' : 'tensors' },
    // 'sampling' draws classes equally often: in expectation the balanced weights of 'loss'.
    classWeighted: config.classWeighting !== 'none',
    onProgress: async (done, total) => {
      emit({ type: 'phase', phase: 'training', message, progress: { done, total } });
      return ctx.control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }));
    },
  });
  if (!fit) return null;
  const d = problem.dimension;
  for (const v of net.headVariables) {
    const values = isKernel(v) ? fit.params.subarray(0, d * k) : fit.params.subarray(d * k);
    const t = tf.tensor(Float32Array.from(values), v.shape as number[]);
    v.write(t);
    t.dispose();
  }
  let lossSum = 0;
  let correct = 0;
  problem.labels.forEach((c, row) => {
    const p = softmaxRow(problem, fit.params, row);
    lossSum -= Math.log(Math.max(p[c], 1e-12));
    if (p.indexOf(Math.max(...p)) === c) correct++;
  });
  emit({ type: 'phase', phase: 'validating' });
  const report = await evaluateSplit(ctx, plan.val, 0);
  const summary: EpochSummary = {
    epoch: 0, trainLoss: lossSum / problem.labels.length, trainAccuracy: correct / problem.labels.length,
    valLoss: report.loss, valAccuracy: report.accuracy, learningRate: 0, seconds: (performance.now() - started) / 1000,
  };
  run.epochs = [summary];
  run.earlyStopping = earlyStoppingStep(run.earlyStopping, report.loss, 0, config.earlyStopping).state;
  run.best = takeBest(net, 0, report);
  emit({ type: 'epoch', summary, report, bestEpoch: 0 });
  return fit.summary;
}

/**
 * Out-of-fold predictions on the training and validation images (out-of-fold.ts) from the cached features, at the
 * head fit's chosen L2 strength: each image's rows as training and test-time rotation use them. Test rows are
 * never gathered. Null when there are too few patients, or when cancelled.
 */
async function predictOutOfFold(ctx: TrainingRun, cache: FeatureCache, lambda: number): Promise<OutOfFoldPredictions | null> {
  const { config, k, plan, emit } = ctx;
  const splits = [plan.train, plan.val];
  const gathered = cache.gather(splits.flatMap((s) => Array.from({ length: s.items.length * s.rotations }, (_, i) => s.offset + i)));
  const features = (await gathered.data()) as Float32Array;
  gathered.dispose();
  // The cache holds the pooled features before the head's rescaling layer: scaled here, in place (a fresh copy).
  for (let i = 0; i < features.length; i++) features[i] *= ctx.featureScale;
  const items: OutOfFoldItem[] = [];
  let row = 0;
  for (const split of splits) {
    for (const it of split.items) {
      const rows = Array.from({ length: split.rotations }, (_, r) => row + r);
      row += split.rotations;
      items.push({
        id: it.id, classIndex: it.classIndex, ...(it.patientId ? { patientId: it.patientId } : {}),
        fitRows: config.rotations ? rows : rows.slice(0, 1),
        scoreRows: config.testTimeRotations ? rows : rows.slice(0, 1),
      });
    }
  }
  const message = 'out-of-fold predictions on train + validation (for the operating point)';
  emit({ type: 'phase', phase: 'training', message });
  return outOfFoldPredictions({
    features, dimension: cache.featureShape.reduce((a, b) => a * b, 1),
    classCount: k, items, lambda, classWeighted: config.classWeighting !== 'none',
    config: { seed: config.seed, products: tf.getBackend() === 'cpu' ? 'js' : 'tensors' },
    onProgress: async (done, total) => {
      emit({ type: 'phase', phase: 'training', message, progress: { done, total } });
      return ctx.control.checkpoint(() => emit({ type: 'phase', phase: 'paused' }));
    },
  });
}

/**
 * Trains, validates and keeps the best weights of one epoch, updating the run's curves and early stopping;
 * null when cancelled during the epoch.
 */
async function trainAndValidateEpoch(ctx: TrainingRun, step: TrainStep, run: RunState, epoch: number): Promise<EarlyStoppingDecision | null> {
  const { config, emit } = ctx;
  const epochStart = performance.now();
  const lr = learningRateAt(config, epoch);
  step.setLearningRate(lr);
  const totals = await runEpoch(ctx, step, epoch, run.pace);
  if (totals.cancelled) return null;
  emit({ type: 'phase', phase: 'validating' });
  // Unweighted whatever classWeighting is: the validation loss drives early stopping and the choice of the
  // best epoch, and must mean the same under every setting.
  const report = await evaluateSplit(ctx, ctx.plan.val, epoch);
  const summary: EpochSummary = {
    epoch, trainLoss: totals.lossSum / totals.items, trainAccuracy: totals.correctSum / totals.items,
    valLoss: report.loss, valAccuracy: report.accuracy, learningRate: lr,
    seconds: (performance.now() - epochStart) / 1000,
  };
  run.epochs.push(summary);
  const decision = earlyStoppingStep(run.earlyStopping, report.loss, epoch, config.earlyStopping);
  run.earlyStopping = decision.state;
  if (decision.improved) {
    const previous = run.best;
    run.best = null;
    if (previous) tf.dispose(previous.weights);
    run.best = takeBest(ctx.net, epoch, report);
  }
  emit({ type: 'epoch', summary, report, bestEpoch: run.earlyStopping.bestEpoch });
  return decision;
}

/** The epoch loop from `firstEpoch` on, with a checkpoint after each epoch; says why it ended. */
async function trainEpochs(
  ctx: TrainingRun, step: TrainStep, run: RunState, firstEpoch: number, onCheckpoint: TrainerHooks['onCheckpoint'],
): Promise<TrainOutcome['stoppedBecause']> {
  const { config } = ctx;
  // A resumed run whose early stopping had already decided (earlyStoppingStep stops at wait >= patience) just finishes.
  if (config.earlyStopping.enabled && run.earlyStopping.wait >= config.earlyStopping.patience) return 'early-stopping';
  // The time-left estimate scales by wall time over training time: count the epochs already run, not the caching.
  run.pace.runStart = performance.now() - run.epochs.reduce((sum, e) => sum + e.seconds, 0) * 1000;
  for (let epoch = firstEpoch; epoch < config.epochs; epoch++) {
    const decision = await trainAndValidateEpoch(ctx, step, run, epoch);
    if (!decision) return 'cancelled';
    if (onCheckpoint) await onCheckpoint(await takeTrainingCheckpoint(ctx, step, run, epoch));
    if (config.earlyStopping.enabled && decision.shouldStop) return 'early-stopping';
  }
  return 'completed';
}

/** Puts the best epoch's weights back into the net, evaluates the test split with them, and says how the run went. */
async function finishRun(
  ctx: TrainingRun, run: RunState, stoppedBecause: TrainOutcome['stoppedBecause'], cache: FeatureCache | null, headFit?: HeadFitSummary,
  outOfFold?: OutOfFoldPredictions | null,
): Promise<TrainOutcome> {
  if (!run.best) throw new CancelledError();
  const kept = run.best;
  run.best = null; // restored here: its weights are freed here
  restoreBest(ctx.net, kept);
  let test: EvalReport | undefined;
  if (ctx.plan.test) {
    ctx.emit({ type: 'phase', phase: 'validating', message: 'test split' });
    test = await evaluateSplit(ctx, ctx.plan.test, kept.epoch);
  }
  ctx.emit({ type: 'phase', phase: 'done' });
  return {
    net: ctx.net, config: ctx.config, epochs: run.epochs, report: kept.report, bestEpoch: kept.epoch, ...(test ? { test } : {}),
    stoppedBecause, cache: cache?.location ?? 'none', cachePrecision: cache?.precision ?? null, ...(headFit ? { headFit } : {}),
    ...(outOfFold ? { outOfFold } : {}),
  };
}

/**
 * One run of transfer learning: builds the network on `base` (whose layers it trains in place; the caller
 * owns and frees `base`; with initialisation 'random' its weights are first redrawn), trains, and returns the
 * net holding the best epoch's weights. With `hooks.resumeFrom` it continues a checkpointed run from the
 * epoch after the checkpoint's, exactly as the run would have gone on (refused with CheckpointMismatchError
 * when the config, the class count or a variable's shape differs). When it throws (cancelled before an
 * epoch ended, diverged, bad data, a mismatched checkpoint), it frees the layers it added.
 */
export async function trainClassifier(
  base: tf.LayersModel,
  data: TrainingData,
  partialConfig: Partial<TrainConfig>,
  hooks: TrainerHooks = {},
): Promise<TrainOutcome> {
  // Resuming without saying how the head trains continues as the checkpoint did (one saved before headFit existed: 'sgd').
  const resumeHeadFit = hooks.resumeFrom && partialConfig.headFit === undefined ? savedConfig(hooks.resumeFrom).headFit : undefined;
  const config = resolveTrainConfig(resumeHeadFit ? { ...partialConfig, headFit: resumeHeadFit } : partialConfig);
  const emit = hooks.onEvent ?? (() => {});
  const control = hooks.control ?? new RunControl();
  checkTrainingData(data, config);
  const k = data.classNames.length;
  const resume = hooks.resumeFrom;
  if (resume) checkCheckpointFits(resume, config, k);

  emit({ type: 'phase', phase: 'preparing' });
  // From scratch: the same architecture with every pretrained weight replaced by a random start (config.ts).
  if (config.initialisation === 'random') reinitialiseWeights(base, config.seed);
  // A resumed run keeps the scale its first epoch trained with.
  const featureScale = resume ? resume.featureScale : await probeFeatureScale(base, data, config);
  const net = buildClassifier(base, classifierConfigOf(config, k, featureScale));
  const plan = planSamples(data, config);

  let cache: FeatureCache | null = null;
  let step: TrainStep | null = null;
  let run: RunState | null = null;
  try {
    step = new TrainStep(net, config, k);
    run = resume ? await resumeRun(net, step, resume) : startRun();
    cache = await planAndBuildCache(net, data, plan, config, hooks, emit, control);
    if (control.cancelled) throw new CancelledError();
    const ctx: TrainingRun = {
      net, config, data, k, plan, emit, control, featureScale, features: featureSource(net, data, plan, config, cache),
      ...(hooks.shareStep ? { shareStep: hooks.shareStep } : {}),
      ...(hooks.sharePredict ? { sharePredict: hooks.sharePredict } : {}),
    };
    if (config.headFit === 'converged' && cache) {
      // One step: a checkpoint taken after it holds the finished fit, so resuming from it just finishes.
      // The checkpoint keeps the fit, not the out-of-fold predictions: a resumed run recomputes them from the cache.
      const headFit = resume ? resume.headFit : await fitHeadToConvergence(ctx, run, cache);
      if (!resume && !headFit) return await finishRun(ctx, run, 'cancelled', cache);
      if (!resume && hooks.onCheckpoint) await hooks.onCheckpoint(await takeTrainingCheckpoint(ctx, step, run, 0, headFit!));
      const outOfFold = headFit ? await predictOutOfFold(ctx, cache, headFit.chosen) : null;
      if (control.cancelled) return await finishRun(ctx, run, 'cancelled', cache, headFit ?? undefined);
      return await finishRun(ctx, run, 'completed', cache, headFit ?? undefined, outOfFold);
    }
    // 'converged' without a cache (it did not fit the budgets) trains by SGD epochs, as 'sgd'.
    const stoppedBecause = await trainEpochs(ctx, step, run, resume ? resume.epoch + 1 : 0, hooks.onCheckpoint);
    return await finishRun(ctx, run, stoppedBecause, cache);
  } catch (e) {
    disposeNewLayers(net);
    throw e;
  } finally {
    if (run?.best) tf.dispose(run.best.weights);
    step?.dispose();
    cache?.dispose();
  }
}
