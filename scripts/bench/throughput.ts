/**
 * Training and inference speed of one scenario at one batch size, stock kernels vs Fovea's, alternating
 * step by step on the same network and the same batch of real demo images. Training goes through the
 * trainer's own TrainStep on the trainable suffix; for frozen scenarios its input is the prefix features,
 * computed once as the feature cache does (and, as "no cache", recomputed every step).
 */
import { imagesFrom } from '../../src/core/data/image-source';
import * as tf from '@tensorflow/tfjs';
import { buildClassifier, disposeNetwork, measureFeatureScale } from '../../src/core/model/classifier';
import { resolveTrainConfig, SCENARIOS } from '../../src/core/train/config';
import { inputBatch, TrainStep } from '../../src/core/train/trainer';
import { CLASS_NAMES, classOf, mixedBatch } from './demo-set';
import type { MeasureContext } from './measure';
import { profileStep } from './profile';
import type { KernelSet, ScenarioThroughput, StepProfile, Timing, TimingPair } from './report';
import type { ScenarioNumber } from './options';

/** Issue 3's targets for ours/stock training step time (SwiftShader, 64 px, batch 4). */
export const STEP_RATIO_TARGETS: Partial<Record<ScenarioNumber, number>> = { 2: 0.25, 4: 0.6 };

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function timing(samplesMs: number[], images: number): Timing {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    stepMs: round(median),
    meanMs: round(samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length),
    minMs: round(sorted[0]),
    imgPerSec: round((images * 1000) / median),
    samplesMs: samplesMs.map((s) => round(s, 2)),
  };
}

/**
 * Times `run` with each kernel set: `warmup` untimed calls per set, then `steps` rounds in which every set
 * runs once, the order flipping each round so that drift (clocks, heat, caches) hits both alike.
 */
async function timePair(ctx: MeasureContext, what: string, images: number, run: () => Promise<void>): Promise<TimingPair> {
  const sets = ctx.kernels.sets;
  const samples: Record<KernelSet, number[]> = { stock: [], ours: [] };
  for (const set of sets) {
    ctx.kernels.use(set);
    for (let i = 0; i < ctx.config.warmup; i++) {
      const t0 = performance.now();
      await run();
      ctx.log(`  ${what}: warm-up ${set} ${(performance.now() - t0).toFixed(0)} ms`);
    }
  }
  for (let i = 0; i < ctx.config.steps; i++) {
    for (const set of i % 2 ? [...sets].reverse() : sets) {
      ctx.kernels.use(set);
      const t0 = performance.now();
      await run();
      samples[set].push(performance.now() - t0);
    }
  }
  const stock = timing(samples.stock, images);
  const ours = ctx.kernels.available ? timing(samples.ours, images) : stock;
  ctx.log(`  ${what}: stock ${stock.stepMs.toFixed(1)} ms, ours ${ours.stepMs.toFixed(1)} ms (ratio ${(ours.stepMs / stock.stepMs).toFixed(3)})`);
  return { stock, ours, ratio: round(ours.stepMs / stock.stepMs, 4), speedup: round(stock.stepMs / ours.stepMs, 3) };
}

export async function measureThroughput(ctx: MeasureContext, scenarioNumber: ScenarioNumber, batch: number): Promise<ScenarioThroughput> {
  const scenario = SCENARIOS.find((s) => s.number === scenarioNumber)!;
  const { size, seed, parts } = ctx.config;
  const has = (p: (typeof parts)[number]) => parts.includes(p);
  const start = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  ctx.log(`scenario ${scenarioNumber} (${scenario.id}), batch ${batch}, ${size} px`);

  const base = await ctx.loadGoogLeNet();
  const samples = mixedBatch(ctx.images, batch);
  const labels = samples.map(classOf);
  const x = await inputBatch({ images: imagesFrom(await ctx.imagesAt(size)) }, samples.map((s) => ({ id: s.id, rotation: 0 })), size);
  // As trainClassifier does, with this batch as the probe.
  const featureScale = await measureFeatureScale(base, scenario.headOn, x);
  const net = buildClassifier(base, {
    numClasses: CLASS_NAMES.length, headOn: scenario.headOn, freezeUpTo: scenario.freezeUpTo, dropout: 0.4, seed, featureScale,
  });
  const step = new TrainStep(net, resolveTrainConfig({ scenario: scenario.id, inputSize: size, batchSize: batch, seed }), CLASS_NAMES.length);
  const prefix = net.prefix;
  const features = prefix ? (prefix.predict(x) as tf.Tensor) : x;

  const result: ScenarioThroughput = {
    scenario: scenarioNumber, id: scenario.id, size, batch, freezeUpTo: scenario.freezeUpTo, headOn: scenario.headOn,
    featureCache: prefix !== null,
    trainableVariables: net.headVariables.length + net.pretrainedVariables.length,
    leakedTensors: 0, seconds: 0,
  };
  try {
    if (has('train')) {
      const pair = await timePair(ctx, 'train', batch, async () => {
        await step.run(features, labels);
      });
      const target = STEP_RATIO_TARGETS[scenarioNumber];
      result.train = target === undefined ? pair : { ...pair, target, meetsTarget: pair.ratio <= target };
    }
    if (has('no-cache') && prefix) {
      result.trainNoCache = await timePair(ctx, 'train without feature cache', batch, async () => {
        const f = prefix.predict(x) as tf.Tensor;
        try {
          await step.run(f, labels);
        } finally {
          f.dispose();
        }
      });
    }
    if (has('inference')) {
      result.inference = await timePair(ctx, 'inference', batch, async () => {
        const probs = net.model.predict(x) as tf.Tensor;
        await probs.data();
        probs.dispose();
      });
    }
    let peakBytes: Record<KernelSet, number> | null = null;
    if (has('profile')) {
      const profiles = {} as Record<KernelSet, StepProfile>;
      for (const set of ctx.kernels.sets) {
        ctx.kernels.use(set);
        profiles[set] = await profileStep(() => step.run(features, labels), ctx.timestampQueries);
        const top = profiles[set].topKernels.slice(0, 3).map((k) => `${k.name} ${k.ms ?? '-'} ms`).join(', ');
        ctx.log(`  profile ${set}: wall ${profiles[set].wallMs.toFixed(0)} ms, GPU ${profiles[set].kernelMsTotal ?? '-'} ms (${top})`);
      }
      if (!ctx.kernels.available) profiles.ours = profiles.stock;
      result.profile = profiles;
      peakBytes = { stock: profiles.stock.peakBytes, ours: profiles.ours.peakBytes };
    }
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    result.gpuMemory = { peakBytes, numBytesInGPU: mem.numBytesInGPU ?? -1, numBytesAllocatedInGPU: mem.numBytesAllocatedInGPU ?? -1 };
  } finally {
    if (features !== x) features.dispose();
    x.dispose();
    step.dispose();
    disposeNetwork(net.model, base);
  }
  result.leakedTensors = tf.memory().numTensors - tensorsBefore;
  result.seconds = round((performance.now() - start) / 1000, 2);
  return result;
}
