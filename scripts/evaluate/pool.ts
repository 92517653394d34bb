/**
 * The evaluate command's worker pool: tfjs-backend-wasm has no threads under Node, so one run used one core.
 * Each pool thread (pool-worker.ts) holds its own wasm tfjs and GoogLeNet; the pool hands them the expensive,
 * independent part of a run: decoding images and running the frozen prefix over them for the feature cache
 * (TrainerHooks.extractFeatures), batch by batch, to whichever thread is free. Training a head on cached features
 * stays on the main thread (it is cheap); the scenarios that train convolutions share each SGD step between the
 * threads instead (TrainerHooks.shareStep, {@link WorkerPool.shareStep}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ImageSource } from '../../src/core/data/image-source';
import * as tf from '@tensorflow/tfjs';
import type { FeatureRequest, SharedPredictRequest, SharedStepRequest } from '../../src/core/train/trainer';
import type { StepResult } from '../../src/core/train/train-step';
import { ImageDecodeError } from '../lib/node-images';
import type { FundusPreprocessing } from './options';
import type { PoolWorkerApi, ReplicaSpec } from './pool-worker';
import { prefixFingerprint } from './prefix-fingerprint';

/** The pool's threads built a prefix that differs from the trainer's (a bug, never expected): refuses its features. */
export class PoolPrefixMismatchError extends Error {
  override name = 'PoolPrefixMismatchError';
}

/** The threads built a network whose trained variables differ from the trainer's (a bug, never expected). */
export class PoolReplicaMismatchError extends Error {
  override name = 'PoolReplicaMismatchError';
}

/** The variables' values one after another, in their order. */
async function concatenatedValues(variables: readonly tf.Variable[]): Promise<Float32Array> {
  const values = new Float32Array(variables.reduce((n, v) => n + v.size, 0));
  let at = 0;
  for (const v of variables) {
    values.set((await v.data()) as Float32Array, at);
    at += v.size;
  }
  return values;
}

/** `n` items in `parts` contiguous shares as even as can be (the first ones one larger): their [start, end). */
export function shares(n: number, parts: number): [number, number][] {
  const base = Math.floor(n / parts);
  const larger = n % parts;
  const out: [number, number][] = [];
  for (let p = 0, start = 0; p < parts; p++) {
    const size = base + (p < larger ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/**
 * An error from a thread comes back as a plain Error carrying its name (comlink copies name, message, stack):
 * the one the data can cause is given its class back, so the command reports it in plain words.
 */
function revive(e: unknown): never {
  if (e instanceof Error && e.name === 'ImageDecodeError') throw new ImageDecodeError(e.message);
  throw e;
}

/**
 * Samples per job: small jobs keep every thread busy to the end (the last round of big ones leaves threads idle),
 * and 8 is two images at four rotations, each decoded once.
 */
const JOB_SAMPLES = 8;

const WORKER_FILE = fileURLToPath(new URL('./pool-worker.ts', import.meta.url));

/**
 * The threads run the TypeScript sources through tsx, like the command itself. Node 20 ignores `--import` in a
 * worker's execArgv, so a small script registers tsx's loader in the thread and then imports the worker file.
 */
function tsxApiUrl(): string {
  // The ES module build of 'tsx/esm/api' (require.resolve would give its CommonJS one), from tsx's exports map.
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exportsMap = JSON.parse(readFileSync(manifest, 'utf8')).exports as Record<string, { import: { default: string } }>;
  return pathToFileURL(join(dirname(manifest), exportsMap['./esm/api'].import.default)).href;
}
const BOOTSTRAP = `const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then(({ register }) => { register(); return import(workerData.file); });`;

/** Whether threads can be started here: under tsx or vitest from the source tree, not from the esbuild bundle. */
export function poolAvailable(): boolean {
  return existsSync(WORKER_FILE);
}

export interface PoolOptions {
  /** How many threads. */
  workers: number;
  /** Folder of the converted GoogLeNet the threads load. */
  modelDir: string;
}

export class WorkerPool {
  private constructor(private readonly threads: Worker[], private readonly apis: Comlink.Remote<PoolWorkerApi>[]) {}

  /** Starts the threads (each loads tfjs-backend-wasm; GoogLeNet is read when features are first asked for). */
  static async start({ workers, modelDir }: PoolOptions): Promise<WorkerPool> {
    if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`a worker pool needs at least 1 thread, got ${workers}`);
    const tsxApi = tsxApiUrl();
    const threads = Array.from({ length: workers }, () => new Worker(BOOTSTRAP, {
      eval: true, workerData: { tsxApi, file: pathToFileURL(WORKER_FILE).href },
    }));
    const apis = threads.map((t) => Comlink.wrap<PoolWorkerApi>(nodeEndpoint(t)));
    const pool = new WorkerPool(threads, apis);
    try {
      await Promise.all(apis.map((api) => api.start(modelDir)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  /**
   * The request's features computed by the threads, `batchSize` samples per job (JOB_SAMPLES), in the request's order; null
   * when the request's onProgress asked to stop. Refuses (PoolPrefixMismatchError) when a thread's prefix is not
   * the trainer's.
   */
  async extract(
    request: FeatureRequest, pathOf: (id: string) => string, preprocessing: FundusPreprocessing, batchSize = JOB_SAMPLES,
  ): Promise<Float32Array | null> {
    const { samples, featureShape, config, classCount } = request;
    const spec = { config, classCount };
    const expected = await prefixFingerprint(request.prefix);
    const built = await Promise.all(this.apis.map((api) => api.prepare(spec)));
    if (built.some((f) => f !== expected)) {
      throw new PoolPrefixMismatchError('The worker threads built a frozen prefix that differs from the trainer\'s; rerun with --workers 0 and report this.');
    }
    const per = featureShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(per * samples.length);
    let next = 0;
    let done = 0;
    let stopped = false;
    // Progress calls are chained so that `done` only grows and the caller's pause/cancel runs one at a time.
    let progress = Promise.resolve();
    const report = (count: number) => {
      progress = progress.then(async () => {
        done += count;
        if (!stopped && (await request.onProgress(done))) stopped = true;
      });
      return progress;
    };
    const runThread = async (api: Comlink.Remote<PoolWorkerApi>) => {
      try {
        await runJobs(api);
      } catch (e) {
        stopped = true; // the other threads finish their job in hand and take no more
        throw e;
      }
    };
    const runJobs = async (api: Comlink.Remote<PoolWorkerApi>) => {
      while (!stopped && next < samples.length) {
        const start = next;
        const batch = samples.slice(start, Math.min(start + batchSize, samples.length));
        next = start + batch.length;
        const values = await api.features({
          ...spec, preprocessing, samples: batch.map((s) => ({ path: pathOf(s.id), rotation: s.rotation })),
        }).catch(revive);
        if (values.length !== per * batch.length) {
          throw new Error(`a worker thread gave ${values.length} feature values for ${batch.length} samples of [${featureShape.join(', ')}]`);
        }
        out.set(values, start * per);
        await report(batch.length);
      }
    };
    await Promise.all(this.apis.map(runThread));
    await progress;
    return stopped ? null : out;
  }

  /** The replica settings the threads hold, once checked against the trainer's variables. */
  private replicaKey: string | null = null;
  /**
   * The variables' data the replicas last took (tfjs variables change data, never values in place: the same data
   * objects mean the same values); null after a step, whose update they did not see.
   */
  private replicaData: readonly object[] | null = null;

  private async checkReplicas(variables: readonly tf.Variable[], spec: ReplicaSpec): Promise<void> {
    const key = JSON.stringify([spec.config, spec.classCount, spec.featureScale]);
    if (this.replicaKey === key) return;
    const expected = JSON.stringify(variables.map((v) => v.shape));
    const built = await Promise.all(this.apis.map((api) => api.prepareReplica(spec)));
    if (built.some((shapes) => JSON.stringify(shapes) !== expected)) {
      throw new PoolReplicaMismatchError('The worker threads built a network whose trained layers differ from the trainer\'s; rerun with --workers 0 and report this.');
    }
    this.replicaKey = key;
    this.replicaData = null;
  }

  /**
   * A batch's logits (TrainerHooks.sharePredict), one contiguous share per thread; the replicas first take the
   * variables' values when these changed since they last took them (after a step, or the best epoch's restored).
   */
  async sharePredict(request: SharedPredictRequest): Promise<Float32Array> {
    const { variables, x, config, classCount, featureScale } = request;
    const spec = { config, classCount, featureScale };
    await this.checkReplicas(variables, spec);
    const data = variables.map((v) => v.dataId);
    const current = this.replicaData !== null && data.length === this.replicaData.length && data.every((d, i) => d === this.replicaData![i]);
    const values = current ? null : await concatenatedValues(variables);
    const n = x.shape[0];
    const perItem = x.size / n;
    const xs = (await x.data()) as Float32Array;
    // Every thread takes the new values once, even one without a share of this batch.
    const parts = shares(n, values ? this.apis.length : Math.min(this.apis.length, n));
    const logits = await Promise.all(parts.map(([start, end], t) => {
      const mine = values?.slice();
      const share = xs.slice(start * perItem, end * perItem);
      return this.apis[t].predict(Comlink.transfer({
        ...spec, ...(mine ? { values: mine } : {}), x: share, xShape: [end - start, ...x.shape.slice(1)],
      }, mine ? [mine.buffer, share.buffer] : [share.buffer]));
    }));
    this.replicaData = data;
    const out = new Float32Array(n * classCount);
    logits.forEach((l, t) => out.set(l, parts[t][0] * classCount));
    return out;
  }

  /**
   * One data-parallel SGD step (TrainerHooks.shareStep): the batch is cut into one contiguous share per thread
   * (fewer when the batch is smaller); each thread takes the step's current variables, computes its share's
   * gradients on its replica and sends them back; their average weighted by share size, which is the gradient of
   * the whole batch's mean objective, is applied by `step` here, so optimizer state stays on this thread. Loss and
   * objective are the share-weighted means, correct the sum. Dropout masks are the threads' own.
   */
  async shareStep(request: SharedStepRequest): Promise<StepResult> {
    const { step, x, labels, weights, config, classCount, featureScale } = request;
    const spec = { config, classCount, featureScale };
    await this.checkReplicas(step.variables, spec);
    const values = await concatenatedValues(step.variables);
    const total = values.length;
    const n = labels.length;
    const perItem = x.size / n;
    const xs = (await x.data()) as Float32Array;
    const parts = shares(n, Math.min(this.apis.length, n));
    const results = await Promise.all(parts.map(([start, end], t) => {
      const mine = values.slice();
      const share = xs.slice(start * perItem, end * perItem);
      return this.apis[t].gradients(Comlink.transfer({
        ...spec, values: mine, x: share, xShape: [end - start, ...x.shape.slice(1)],
        labels: labels.slice(start, end), ...(weights ? { weights: weights.slice(start, end) } : {}),
      }, [mine.buffer, share.buffer]));
    }));
    const mean = new Float32Array(total);
    results.forEach((r, t) => {
      if (r.grads.length !== total) throw new Error(`a worker thread gave ${r.grads.length} gradient values for ${total}`);
      const share = (parts[t][1] - parts[t][0]) / n;
      for (let i = 0; i < total; i++) mean[i] += share * r.grads[i];
    });
    let at = 0;
    const grads = step.variables.map((v) => {
      const g = tf.tensor(mean.subarray(at, at + v.size), v.shape);
      at += v.size;
      return g;
    });
    step.apply(grads);
    this.replicaData = null; // the replicas computed on the values before this update
    const weighted = (pick: (r: (typeof results)[number]) => number) =>
      results.reduce((sum, r, t) => sum + ((parts[t][1] - parts[t][0]) / n) * pick(r), 0);
    return { loss: weighted((r) => r.loss), objective: weighted((r) => r.objective), correct: results.reduce((s, r) => s + r.correct, 0) };
  }

  /** The images decoded by the threads, spread evenly over them. */
  images(pathOf: (id: string) => string, size: number, preprocessing: FundusPreprocessing): ImageSource {
    return {
      load: async (ids) => {
        const share = Math.ceil(ids.length / this.apis.length);
        const parts = await Promise.all(this.apis.map((api, t) => {
          const mine = ids.slice(t * share, (t + 1) * share);
          return mine.length > 0 ? api.decode(mine.map(pathOf), size, preprocessing).catch(revive) : Promise.resolve([]);
        }));
        return parts.flat();
      },
    };
  }

  async close(): Promise<void> {
    for (const api of this.apis) api[Comlink.releaseProxy]();
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
