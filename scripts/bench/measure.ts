/**
 * The bench itself, the same in Node (dawn.node) and in the browser: everything platform-specific (loading
 * the model and the demo images, Fovea's kernel module, where progress goes) is injected as a BenchHost.
 * No Node or DOM APIs here. Expects the 'webgpu' backend to be active.
 */
import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../src/core/data/preprocess';
import type { DemoImageRef } from './demo-set';
import { type KernelSwitch, REPLACED_KERNELS } from './kernel-switch';
import { type BenchConfig, type BenchPart, resolveBenchConfig } from './options';
import type { BenchReport } from './report';
import { measureThroughput } from './throughput';
import { measureCacheVsHead, measureFloat16Cache, measureMemoryPerEpoch, measureNumerics } from './training-runs';

export interface BenchHost {
  /** Where this runs, in words (goes into the report). */
  platform: string;
  /** A freshly loaded pretrained GoogLeNet (runs train its layers in place, so each gets its own). */
  loadGoogLeNet(): Promise<tf.LayersModel>;
  /** The demo set, ids `<grade folder>/<file>`. */
  demoImages: DemoImageRef[];
  /** Decodes the demo images at size x size (centre crop). */
  loadImages(ids: string[], size: number): Promise<(id: string) => RgbImage>;
  kernels: KernelSwitch;
  log(line: string): void;
}

/** What the measuring functions share. */
export interface MeasureContext {
  config: BenchConfig;
  kernels: KernelSwitch;
  timestampQueries: boolean;
  images: DemoImageRef[];
  /** All demo images at a size (decoded once per size). */
  imagesAt(size: number): Promise<(id: string) => RgbImage>;
  loadGoogLeNet(): Promise<tf.LayersModel>;
  log(line: string): void;
}

interface WebGPUBackendLike {
  supportTimestampQuery?: boolean;
  adapterInfo?: Record<string, unknown>;
}

function adapterOf(backend: WebGPUBackendLike): BenchReport['adapter'] {
  const info = backend.adapterInfo;
  if (!info) return null;
  const out: Record<string, string | number | boolean> = {};
  for (const key of ['vendor', 'architecture', 'device', 'description', 'intelGPUGeneration']) {
    const v = info[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
  }
  return out;
}

export async function runBench(host: BenchHost, partial: Partial<BenchConfig> = {}): Promise<BenchReport> {
  const config = resolveBenchConfig(partial);
  const start = performance.now();
  if (tf.getBackend() !== 'webgpu') {
    throw new Error(`the bench needs the 'webgpu' backend, but tfjs is on '${tf.getBackend()}'`);
  }
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const timestampQueries = backend.supportTimestampQuery === true;
  const lookups = new Map<number, Promise<(id: string) => RgbImage>>();
  const ctx: MeasureContext = {
    config, kernels: host.kernels, timestampQueries, images: host.demoImages,
    imagesAt: (size) => {
      if (!lookups.has(size)) lookups.set(size, host.loadImages(host.demoImages.map((im) => im.id), size));
      return lookups.get(size)!;
    },
    loadGoogLeNet: () => host.loadGoogLeNet(),
    log: (line) => host.log(line),
  };
  const notes = [host.kernels.note, timestampQueries ? null : 'no timestamp-query on this device: kernel times in profiles are unavailable']
    .filter((n): n is string => n !== null);
  const report: BenchReport = {
    bench: 'fovea-googlenet-train',
    startedAt: new Date().toISOString(),
    platform: host.platform,
    backend: tf.getBackend(),
    adapter: adapterOf(backend),
    tfjs: tf.version.tfjs,
    timestampQueries,
    kernels: { available: host.kernels.available, replaced: host.kernels.available ? REPLACED_KERNELS : [], note: notes.join('; ') || null },
    config,
    throughput: [],
    errors: [],
    seconds: 0,
  };
  const has = (p: BenchPart) => config.parts.includes(p);
  // One failing part is reported and the others still run, so a short GPU session is never wasted.
  const attempt = async (part: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      host.log(`${part} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
      report.errors.push({ part, message });
    }
  };

  if (['train', 'no-cache', 'inference', 'profile'].some((p) => has(p as BenchPart))) {
    for (const scenario of config.scenarios) {
      for (const batch of config.batches) {
        await attempt(`throughput scenario ${scenario} batch ${batch}`, async () => {
          report.throughput.push(await measureThroughput(ctx, scenario, batch));
        });
      }
    }
  }
  if (has('cache-vs-head')) await attempt('cache-vs-head', async () => { report.cacheVsHead = await measureCacheVsHead(ctx); });
  if (has('numerics')) await attempt('numerics', async () => { report.numerics = await measureNumerics(ctx); });
  if (has('float16-cache')) await attempt('float16-cache', async () => { report.float16Cache = await measureFloat16Cache(ctx); });
  if (has('memory')) await attempt('memory', async () => { report.memoryPerEpoch = await measureMemoryPerEpoch(ctx); });
  host.kernels.use('stock');
  report.seconds = Math.round((performance.now() - start) / 10) / 100;
  return report;
}
