/**
 * The bench's one JSON object: its types, and a plain-text summary of it for people (stderr).
 * Times are milliseconds unless the name says seconds; "ratio" is always ours / stock step time (lower is
 * better), "speedup" its inverse.
 */
import type { BenchConfig, ScenarioNumber } from './options';

export type KernelSet = 'stock' | 'ours';

export interface Timing {
  /** Median over the timed steps. */
  stepMs: number;
  meanMs: number;
  minMs: number;
  /** Images per second at the median step time. */
  imgPerSec: number;
  /** Every timed step, in order. */
  samplesMs: number[];
}

export interface TimingPair {
  stock: Timing;
  ours: Timing;
  /** ours.stepMs / stock.stepMs. */
  ratio: number;
  /** stock.stepMs / ours.stepMs. */
  speedup: number;
}

export interface KernelTotal {
  name: string;
  calls: number;
  /** GPU time of all calls (timestamp queries); null when the device has none. */
  ms: number | null;
  /** Share of the step's total GPU time. */
  share: number | null;
}

export interface KernelCall {
  name: string;
  ms: number | null;
  inputShapes: number[][];
}

export interface StepProfile {
  /** Wall time of the profiled step (profiling itself slows it down). */
  wallMs: number;
  /** Sum of per-kernel GPU times; null without timestamp queries. */
  kernelMsTotal: number | null;
  /** Most tensor bytes alive at once during the step (weights, optimizer state and cache included). */
  peakBytes: number;
  /** Kernels by total GPU time (by calls without timestamp queries). */
  topKernels: KernelTotal[];
  /** The slowest single calls, with their input shapes. */
  slowestCalls: KernelCall[];
}

export interface GpuMemory {
  /** tf.profile peakBytes of one training step (see StepProfile.peakBytes); null without the profile part. */
  peakBytes: Record<KernelSet, number> | null;
  /** tf.memory().numBytesInGPU after the timed steps: buffers holding live tensors. */
  numBytesInGPU: number;
  /** tf.memory().numBytesAllocatedInGPU after the timed steps: buffers created, pooled ones included. */
  numBytesAllocatedInGPU: number;
}

export interface ScenarioThroughput {
  scenario: ScenarioNumber;
  id: string;
  size: number;
  batch: number;
  freezeUpTo: string;
  headOn: string;
  /** Whether training steps start from prefix features computed once (as the feature cache does). */
  featureCache: boolean;
  /** Variables that train. */
  trainableVariables: number;
  train?: TimingPair & { target?: number; meetsTarget?: boolean };
  /** Frozen scenarios only: the prefix forward runs in every step (what a run without a cache pays). */
  trainNoCache?: TimingPair;
  /** The whole network's forward pass (net.model.predict) on the same batch. */
  inference?: TimingPair;
  profile?: Record<KernelSet, StepProfile>;
  gpuMemory?: GpuMemory;
  /** tf.memory().numTensors after the measurement minus before: 0 when nothing leaked. */
  leakedTensors: number;
  seconds: number;
}

export interface CacheVsHead {
  scenario: 1;
  size: number;
  batch: number;
  images: { train: number; val: number };
  rotations: number;
  /** Feature maps computed: train images x rotations + validation images. */
  cachedSamples: number;
  cacheLocation: string;
  kernels: KernelSet;
  epochs: number;
  cacheSeconds: number;
  /** Time in the training phases of all epochs (after the cache is built). */
  headTrainSeconds: number;
  validationSeconds: number;
  /** headTrainSeconds / cacheSeconds; the target is < 0.1. */
  headToCacheRatio: number;
  target: number;
  meetsTarget: boolean;
}

export interface NumericsRun {
  valAccuracy: number;
  valAccuracyPerEpoch: number[];
  valLossPerEpoch: number[];
  /** Loss of each training batch, in order. */
  losses: number[];
  seconds: number;
}

export interface Numerics {
  scenario: ScenarioNumber;
  size: number;
  batch: number;
  epochs: number;
  seed: number;
  images: { train: number; val: number };
  stock: NumericsRun;
  ours: NumericsRun;
  /** |ours - stock| validation accuracy in percentage points; target <= 1. */
  valAccuracyDiffPoints: number;
  /** Largest |loss ours - loss stock| over the first 10 steps; target <= 1e-3. */
  maxLossDiffFirst10: number;
  lossDiffsFirst10: number[];
  meetsTarget: boolean;
}

export interface MemorySnapshot {
  /** 'loaded' (before training), 'epoch N' (1-based, at the end of the epoch), 'disposed' (after). */
  at: string;
  numTensors: number;
  numBytes: number;
  numBytesInGPU: number | null;
  numBytesAllocatedInGPU: number | null;
}

export interface MemoryPerEpoch {
  scenario: ScenarioNumber;
  size: number;
  batch: number;
  kernels: KernelSet;
  snapshots: MemorySnapshot[];
  /** numTensors and numBytes equal at the end of the first and the last epoch. */
  flat: boolean;
  /** numBytesInGPU at the last epoch minus the first. */
  gpuBytesGrowth: number | null;
}

/** A float16 feature cache against a float32 one, same seeded run (targets as for {@link Numerics}). */
export interface Float16Cache {
  scenario: ScenarioNumber;
  size: number;
  batch: number;
  epochs: number;
  seed: number;
  kernels: KernelSet;
  images: { train: number; val: number };
  float32: NumericsRun;
  float16: NumericsRun;
  valAccuracyDiffPoints: number;
  maxLossDiffFirst10: number;
  lossDiffsFirst10: number[];
  meetsTarget: boolean;
}

export interface BenchReport {
  bench: 'fovea-googlenet-train';
  startedAt: string;
  platform: string;
  backend: string;
  adapter: Record<string, string | number | boolean> | null;
  tfjs: string;
  /** Whether the device has timestamp queries (per-kernel GPU times in tf.profile). */
  timestampQueries: boolean;
  kernels: { available: boolean; replaced: string[]; note: string | null };
  config: BenchConfig;
  throughput: ScenarioThroughput[];
  cacheVsHead?: CacheVsHead;
  numerics?: Numerics;
  float16Cache?: Float16Cache;
  memoryPerEpoch?: MemoryPerEpoch;
  /** Parts that failed (the rest of the report still stands). */
  errors: { part: string; message: string }[];
  seconds: number;
}

const fmt = (n: number | undefined | null, digits = 1) => (n == null ? '-' : n.toFixed(digits));

/** A few human lines summarising a report (the JSON holds everything). */
export function summaryLines(r: BenchReport): string[] {
  const lines = [`${r.platform}, backend ${r.backend}, adapter ${JSON.stringify(r.adapter)}, timestamp queries ${r.timestampQueries}`];
  if (r.kernels.note) lines.push(`note: ${r.kernels.note}`);
  lines.push('scen batch size | train img/s stock ours  ratio | no-cache stock ours ratio | infer img/s stock ours | peak MB stock ours');
  for (const t of r.throughput) {
    const peak = t.gpuMemory?.peakBytes;
    lines.push([
      `${t.scenario}`.padStart(4), `${t.batch}`.padStart(5), `${t.size}`.padStart(4), '|',
      fmt(t.train?.stock.imgPerSec, 2).padStart(11), fmt(t.train?.ours.imgPerSec, 2).padStart(6), fmt(t.train?.ratio, 3).padStart(6), '|',
      fmt(t.trainNoCache?.stock.imgPerSec, 2).padStart(14), fmt(t.trainNoCache?.ours.imgPerSec, 2).padStart(6), fmt(t.trainNoCache?.ratio, 3).padStart(5), '|',
      fmt(t.inference?.stock.imgPerSec, 1).padStart(17), fmt(t.inference?.ours.imgPerSec, 1).padStart(6), '|',
      fmt(peak ? peak.stock / 2 ** 20 : null).padStart(13), fmt(peak ? peak.ours / 2 ** 20 : null).padStart(6),
    ].join(' '));
  }
  const c = r.cacheVsHead;
  if (c) {
    lines.push(`scenario 1 cache vs head (${c.size} px, ${c.cachedSamples} samples, ${c.epochs} epochs): cache ${fmt(c.cacheSeconds, 2)} s, ` +
      `head training ${fmt(c.headTrainSeconds, 2)} s, ratio ${fmt(c.headToCacheRatio, 3)} (target < ${c.target}: ${c.meetsTarget ? 'met' : 'NOT met'})`);
  }
  const n = r.numerics;
  if (n) {
    lines.push(`numerics (scenario ${n.scenario}, ${n.epochs} epochs): val accuracy stock ${fmt(n.stock.valAccuracy * 100)}% ours ` +
      `${fmt(n.ours.valAccuracy * 100)}%, max |loss diff| first 10 steps ${n.maxLossDiffFirst10.toExponential(2)} (${n.meetsTarget ? 'met' : 'NOT met'})`);
  }
  const h = r.float16Cache;
  if (h) {
    lines.push(`float16 cache (scenario ${h.scenario}, ${h.epochs} epochs): val accuracy float32 ${fmt(h.float32.valAccuracy * 100)}% ` +
      `float16 ${fmt(h.float16.valAccuracy * 100)}%, max |loss diff| first 10 steps ${h.maxLossDiffFirst10.toExponential(2)} ` +
      `(${h.meetsTarget ? 'met' : 'NOT met'})`);
  }
  const m = r.memoryPerEpoch;
  if (m) {
    lines.push(`memory per epoch (scenario ${m.scenario}): ` +
      m.snapshots.map((s) => `${s.at}: ${s.numTensors} tensors, ${fmt(s.numBytes / 2 ** 20)} MB`).join('; ') + ` -> ${m.flat ? 'flat' : 'NOT flat'}`);
  }
  for (const e of r.errors) lines.push(`ERROR in ${e.part}: ${e.message}`);
  lines.push(`total ${fmt(r.seconds)} s`);
  return lines;
}
