/**
 * One training step under tf.profile, reduced to what a reader needs: which kernels took the GPU time
 * (timestamp queries; without them tfjs-webgpu reports 0 ms and the kernels are ranked by calls).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelCall, KernelTotal, StepProfile } from './report';

const TOP_KERNELS = 10;
const SLOWEST_CALLS = 5;

export async function profileStep(step: () => Promise<unknown>, timestampQueries: boolean): Promise<StepProfile> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await step();
  });
  const wallMs = performance.now() - t0;
  const msOf = (k: (typeof info.kernels)[number]): number | null =>
    timestampQueries && typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : null;

  const totals = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const t = totals.get(k.name) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += msOf(k) ?? 0;
    totals.set(k.name, t);
  }
  const kernelMsTotal = timestampQueries ? [...totals.values()].reduce((a, t) => a + t.ms, 0) : null;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const topKernels: KernelTotal[] = [...totals]
    .map(([name, t]) => ({
      name, calls: t.calls,
      ms: kernelMsTotal === null ? null : round(t.ms),
      share: kernelMsTotal ? Math.round((t.ms / kernelMsTotal) * 1000) / 1000 : null,
    }))
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0) || b.calls - a.calls)
    .slice(0, TOP_KERNELS);
  const slowestCalls: KernelCall[] = kernelMsTotal === null ? [] : info.kernels
    .map((k) => ({ name: k.name, ms: round(msOf(k) ?? 0), inputShapes: k.inputShapes }))
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0))
    .slice(0, SLOWEST_CALLS);
  return {
    wallMs: round(wallMs),
    kernelMsTotal: kernelMsTotal === null ? null : round(kernelMsTotal),
    peakBytes: info.peakBytes,
    topKernels,
    slowestCalls,
  };
}
