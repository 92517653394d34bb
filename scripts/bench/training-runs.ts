/**
 * The bench parts that are whole training runs through trainClassifier on the demo set: the feature cache's
 * cost against the head training it buys (scenario 1), stock vs Fovea kernels giving the same training
 * (numerics), a float16 feature cache training as a float32 one does, and GPU memory per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeNetwork } from '../../src/core/model/classifier';
import { SCENARIOS, type TrainConfig } from '../../src/core/train/config';
import type { FeatureCacheConfig } from '../../src/core/train/feature-cache';
import type { TrainerEvent } from '../../src/core/train/events';
import { trainClassifier, type TrainingData } from '../../src/core/train/trainer';
import { demoTrainingData, patientSubset } from './demo-set';
import type { MeasureContext } from './measure';
import type { ScenarioNumber } from './options';
import type { CacheVsHead, Float16Cache, KernelSet, MemoryPerEpoch, MemorySnapshot, Numerics, NumericsRun } from './report';

const NO_EARLY_STOPPING = { enabled: false, patience: 1, minDelta: 0 };
const HEAD_TO_CACHE_TARGET = 0.1;
const LOSS_DIFF_TARGET = 1e-3;
const ACCURACY_DIFF_TARGET_POINTS = 1;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const scenarioId = (n: ScenarioNumber) => SCENARIOS.find((s) => s.number === n)!.id;

/** Runs trainClassifier on a freshly loaded GoogLeNet and frees everything after. */
async function train(
  ctx: MeasureContext, data: TrainingData, config: Partial<TrainConfig>, onEvent: (e: TrainerEvent) => void,
  cache?: Partial<FeatureCacheConfig>,
): Promise<Awaited<ReturnType<typeof trainClassifier>>> {
  const base = await ctx.loadGoogLeNet();
  try {
    const outcome = await trainClassifier(base, data, config, { onEvent, cache });
    disposeNetwork(outcome.net.model, base);
    return outcome;
  } catch (e) {
    disposeNetwork(base);
    throw e;
  }
}

/** Scenario 1 on the whole demo set with 4 rotations: building the cache vs the head training after it. */
export async function measureCacheVsHead(ctx: MeasureContext): Promise<CacheVsHead> {
  const { cacheSize: size, cacheEpochs: epochs, seed } = ctx.config;
  const batch = ctx.config.batches[0];
  const kernels: KernelSet = ctx.kernels.available ? 'ours' : 'stock';
  ctx.kernels.use(kernels);
  const data = demoTrainingData(ctx.images, await ctx.imagesAt(size), seed);
  ctx.log(`cache vs head: scenario 1, ${data.train.length} + ${data.val.length} images, ${size} px, ${epochs} epochs`);
  let cacheStart = 0, cacheEnd = 0, phaseStart = 0, trainMs = 0, valMs = 0;
  let phase = '';
  const outcome = await train(ctx, data, {
    scenario: 'linear-top', inputSize: size, batchSize: batch, epochs, rotations: true, seed, earlyStopping: NO_EARLY_STOPPING,
  }, (e) => {
    const now = performance.now();
    if (e.type === 'epoch') ctx.log(`  epoch ${e.summary.epoch + 1}: ${e.summary.seconds.toFixed(2)} s`);
    if (e.type !== 'phase') return;
    if (phase === 'training') trainMs += now - phaseStart;
    if (phase === 'validating') valMs += now - phaseStart;
    if (e.phase === 'caching-features' && cacheStart === 0) cacheStart = now;
    if (e.phase === 'training' && cacheEnd === 0) cacheEnd = now;
    phase = e.phase;
    phaseStart = now;
  });
  if (cacheStart === 0) throw new Error(`scenario 1 built no feature cache (cache: ${outcome.cache})`);
  const cacheSeconds = (cacheEnd - cacheStart) / 1000;
  const headTrainSeconds = trainMs / 1000;
  const ratio = headTrainSeconds / cacheSeconds;
  ctx.log(`  cache ${cacheSeconds.toFixed(2)} s, head training ${headTrainSeconds.toFixed(2)} s (ratio ${ratio.toFixed(3)})`);
  return {
    scenario: 1, size, batch, images: { train: data.train.length, val: data.val.length }, rotations: 4,
    cachedSamples: data.train.length * 4 + data.val.length, cacheLocation: outcome.cache, kernels,
    epochs: outcome.epochs.length, cacheSeconds: round(cacheSeconds), headTrainSeconds: round(headTrainSeconds),
    validationSeconds: round(valMs / 1000), headToCacheRatio: round(ratio, 4), target: HEAD_TO_CACHE_TARGET,
    meetsTarget: ratio < HEAD_TO_CACHE_TARGET,
  };
}

async function subsetData(ctx: MeasureContext): Promise<TrainingData> {
  return demoTrainingData(patientSubset(ctx.images, ctx.config.runImages), await ctx.imagesAt(ctx.config.size), ctx.config.seed);
}

/** The same seeded training run with stock and with Fovea's kernels: accuracy and loss curves compared. */
/** One seeded training run, its per-batch losses and validation accuracy. */
async function seededRun(
  ctx: MeasureContext, data: TrainingData, scenario: ScenarioNumber, epochs: number, label: string,
  cache?: Partial<FeatureCacheConfig>,
): Promise<{ run: NumericsRun; cachePrecision: string | null }> {
  const { size, seed } = ctx.config;
  ctx.log(`${label}: scenario ${scenario}, ${data.train.length} + ${data.val.length} images, ${epochs} epochs`);
  const losses: number[] = [];
  const t0 = performance.now();
  const outcome = await train(ctx, data, {
    scenario: scenarioId(scenario), inputSize: size, batchSize: ctx.config.batches[0], epochs, seed,
    earlyStopping: NO_EARLY_STOPPING,
  }, (e) => {
    if (e.type !== 'batch') return;
    losses.push(e.loss);
    ctx.log(`  epoch ${e.epoch + 1} batch ${e.batch}/${e.batches}: loss ${e.loss.toFixed(6)}`);
  }, cache);
  const last = outcome.epochs[outcome.epochs.length - 1];
  ctx.log(`  val accuracy ${(last.valAccuracy * 100).toFixed(1)}%, first losses ${losses.slice(0, 3).map((l) => l.toFixed(5)).join(', ')}`);
  return {
    run: {
      valAccuracy: last.valAccuracy,
      valAccuracyPerEpoch: outcome.epochs.map((s) => s.valAccuracy),
      valLossPerEpoch: outcome.epochs.map((s) => s.valLoss),
      losses,
      seconds: round((performance.now() - t0) / 1000, 2),
    },
    cachePrecision: outcome.cachePrecision,
  };
}

/** How far run b's training is from run a's: loss differences over the first 10 steps, accuracy points. */
function compareRuns(a: NumericsRun, b: NumericsRun) {
  const diffs = a.losses.slice(0, 10).map((l, i) => Math.abs(l - b.losses[i]));
  const maxLossDiff = Math.max(...diffs);
  const accuracyDiff = Math.abs(b.valAccuracy - a.valAccuracy) * 100;
  return {
    valAccuracyDiffPoints: round(accuracyDiff, 2),
    maxLossDiffFirst10: maxLossDiff,
    lossDiffsFirst10: diffs,
    meetsTarget: accuracyDiff <= ACCURACY_DIFF_TARGET_POINTS && maxLossDiff <= LOSS_DIFF_TARGET,
  };
}

/** The same seeded training run with stock and with Fovea's kernels: accuracy and loss curves compared. */
export async function measureNumerics(ctx: MeasureContext): Promise<Numerics> {
  const { size, seed, numericsScenario: scenario, numericsEpochs: epochs } = ctx.config;
  const data = await subsetData(ctx);
  const runs = {} as Record<KernelSet, NumericsRun>;
  for (const set of ['stock', 'ours'] as const) {
    ctx.kernels.use(set);
    runs[set] = (await seededRun(ctx, data, scenario, epochs, `numerics, ${set} kernels`)).run;
  }
  return {
    scenario, size, batch: ctx.config.batches[0], epochs, seed, images: { train: data.train.length, val: data.val.length },
    stock: runs.stock, ours: runs.ours, ...compareRuns(runs.stock, runs.ours),
  };
}

/** Scenario 4 (its cache, pool2, is the largest) with the feature cache kept in float32 and in float16. */
export const FLOAT16_SCENARIO: ScenarioNumber = 4;

/** The same seeded run with a float32 and a float16 feature cache: accuracy and loss curves compared. */
export async function measureFloat16Cache(ctx: MeasureContext): Promise<Float16Cache> {
  const { size, seed, numericsEpochs: epochs } = ctx.config;
  const kernels: KernelSet = ctx.kernels.available ? 'ours' : 'stock';
  ctx.kernels.use(kernels);
  const data = await subsetData(ctx);
  const f32 = await seededRun(ctx, data, FLOAT16_SCENARIO, epochs, 'float16 cache, float32 run', { precision: 'float32' });
  const f16 = await seededRun(ctx, data, FLOAT16_SCENARIO, epochs, 'float16 cache, float16 run', { precision: 'float16' });
  if (f16.cachePrecision !== 'float16') throw new Error(`the float16 run kept its cache in ${f16.cachePrecision ?? 'no cache'}`);
  return {
    scenario: FLOAT16_SCENARIO, size, batch: ctx.config.batches[0], epochs, seed, kernels,
    images: { train: data.train.length, val: data.val.length },
    float32: f32.run, float16: f16.run, ...compareRuns(f32.run, f16.run),
  };
}

function snapshot(at: string): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return {
    at, numTensors: m.numTensors, numBytes: m.numBytes,
    numBytesInGPU: m.numBytesInGPU ?? null, numBytesAllocatedInGPU: m.numBytesAllocatedInGPU ?? null,
  };
}

/** tf.memory() at the end of each epoch of one run: it should not grow. */
export async function measureMemoryPerEpoch(ctx: MeasureContext): Promise<MemoryPerEpoch> {
  const { size, seed, memoryScenario: scenario, memoryEpochs: epochs } = ctx.config;
  const batch = ctx.config.batches[0];
  const kernels: KernelSet = ctx.kernels.available ? 'ours' : 'stock';
  ctx.kernels.use(kernels);
  const data = await subsetData(ctx);
  ctx.log(`memory: scenario ${scenario}, ${kernels} kernels, ${data.train.length} + ${data.val.length} images, ${epochs} epochs`);
  const snapshots: MemorySnapshot[] = [snapshot('before')];
  await train(ctx, data, {
    scenario: scenarioId(scenario), inputSize: size, batchSize: batch, epochs, seed, earlyStopping: NO_EARLY_STOPPING,
  }, (e) => {
    if (e.type === 'epoch') {
      snapshots.push(snapshot(`epoch ${e.summary.epoch + 1}`));
      ctx.log(`  ${JSON.stringify(snapshots[snapshots.length - 1])}`);
    }
  });
  snapshots.push(snapshot('disposed'));
  const epochSnaps = snapshots.filter((s) => s.at.startsWith('epoch'));
  const first = epochSnaps[0];
  const last = epochSnaps[epochSnaps.length - 1];
  return {
    scenario, size, batch, kernels, snapshots,
    flat: first.numTensors === last.numTensors && first.numBytes === last.numBytes,
    gpuBytesGrowth: first.numBytesInGPU === null || last.numBytesInGPU === null ? null : last.numBytesInGPU - first.numBytesInGPU,
  };
}
