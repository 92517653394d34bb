/**
 * Where the evaluate command's frozen features come from: the worker pool's threads (wasm: every core), the cache
 * on disk (`--cache`) in front of either, or the trainer's own prefix on the main thread. What the trainer gets
 * as TrainerHooks.extractFeatures, and the images it reads.
 */
import type { ImageSource } from '../../src/core/data/image-source';
import { type FeatureRequest, inputBatch, type SharedPredictRequest, type SharedStepRequest, type TrainerHooks } from '../../src/core/train/trainer';
import type { FeatureExtractor, FeatureStore } from './feature-store';
import type { FundusPreprocessing } from './options';
import type { WorkerPool } from './pool';

/** The request's features from its own prefix on this thread, batch by batch (what the trainer does without a hook). */
export async function extractOnThisThread(request: FeatureRequest, images: ImageSource): Promise<Float32Array | null> {
  const { samples, featureShape, config } = request;
  const per = featureShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(per * samples.length);
  for (let start = 0; start < samples.length; start += config.batchSize) {
    const batch = samples.slice(start, start + config.batchSize);
    const x = await inputBatch({ images }, batch, config.inputSize);
    const f = request.prefix.predict(x);
    x.dispose();
    const values = await (Array.isArray(f) ? f[0] : f).data();
    (Array.isArray(f) ? f : [f]).forEach((t) => t.dispose());
    out.set(values as Float32Array, start * per);
    if (await request.onProgress(start + batch.length)) return null;
  }
  return out;
}

/**
 * Smallest input size whose SGD steps the pool shares (data-parallel). Each shared step copies the trained
 * weights (23 MB for scenario 4) to every thread; measured on 2 threads (`npm run bench -- --cpu`, scenario-4
 * step, batch 8, images/s, one thread / shared): 224 px 4.4-4.5 / 6.1-6.2, 96 px 18.5 / 15.9-16.8.
 */
export const MIN_SHARED_STEP_SIZE = 160;

export interface FeatureSources {
  /** The images as the trainer reads them (the feature-scale probe, and every batch when nothing is cached). */
  images: ImageSource;
  /** The trainer's hook, or undefined: the trainer runs its prefix itself. */
  extractFeatures: FeatureExtractor | undefined;
  /** Who computes frozen features, for the progress line ('2 worker threads', 'main thread'). */
  computedBy: string;
  /**
   * Data-parallel SGD steps on the pool's threads (wasm, two threads or more, inputs from {@link MIN_SHARED_STEP_SIZE}
   * px), for runs that train convolutions.
   */
  shareStep: TrainerHooks['shareStep'];
  /** Validation and test logits shared the same way, for the same runs. */
  sharePredict: TrainerHooks['sharePredict'];
}

/**
 * Wires the pool and the store: the pool's threads compute features only on wasm (their backend: the trainer's
 * on wasm gives the same numbers); on other backends they only decode.
 */
export function featureSources(
  options: {
    pool: WorkerPool | null; store: FeatureStore | null; backend: string; diskImages: ImageSource;
    pathOf: (id: string) => string; inputSize: number; preprocessing: FundusPreprocessing;
  },
): FeatureSources {
  const { pool, store, backend, pathOf, inputSize, preprocessing } = options;
  const images = pool ? pool.images(pathOf, inputSize, preprocessing) : options.diskImages;
  const threads = pool && backend === 'wasm' ? pool : null;
  const compute: FeatureExtractor = threads
    ? (request) => threads.extract(request, pathOf, preprocessing)
    : (request) => extractOnThisThread(request, images);
  const extractFeatures = store ? (request: FeatureRequest) => store.extract(request, pathOf, preprocessing, compute) : threads ? compute : undefined;
  const computedBy = threads ? `${threads.size} worker thread${threads.size === 1 ? '' : 's'}` : 'main thread';
  // One thread would only move the step off this (then idle) thread: sharing pays from two, and at sizes where the
  // half step saves more than copying the weights to every thread each step costs.
  const shared = threads && threads.size >= 2 && inputSize >= MIN_SHARED_STEP_SIZE ? threads : null;
  const shareStep = shared ? (request: SharedStepRequest) => shared.shareStep(request) : undefined;
  const sharePredict = shared ? (request: SharedPredictRequest) => shared.sharePredict(request) : undefined;
  return { images, extractFeatures, computedBy, shareStep, sharePredict };
}
