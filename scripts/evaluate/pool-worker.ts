/**
 * One thread of the evaluate command's worker pool (pool.ts): decodes images from disk and runs the frozen prefix
 * of GoogLeNet over them on its own wasm tfjs instance (tfjs-backend-wasm has no threads under Node, so the pool
 * is how a run uses every core). The prefix is the one buildClassifier cuts for the run's settings, built here
 * from a freshly loaded GoogLeNet exactly as the trainer builds it, so its features are the trainer's.
 * For the scenarios that train convolutions it also holds a replica of the run's whole network and computes the
 * gradients of its share of each batch (data-parallel SGD: the pool averages them and the trainer applies them).
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { RgbImage } from '../../src/core/data/preprocess';
import { buildClassifier, disposeNetwork } from '../../src/core/model/classifier';
import { reinitialiseWeights } from '../../src/core/model/reinitialise';
import { classifierConfigOf, type TrainConfig } from '../../src/core/train/config';
import { inputTensor, TrainStep } from '../../src/core/train/trainer';
import { loadGoogLeNet } from '../lib/node-model';
import { installBackend } from './backend';
import { prepareImage } from './dataset';
import type { FundusPreprocessing } from './options';
import { prefixFingerprint } from './prefix-fingerprint';

/** The settings a prefix is built from: the run's config and class count (see FeatureRequest). */
export interface PrefixSpec {
  config: TrainConfig;
  classCount: number;
}

export interface FeatureJob extends PrefixSpec {
  preprocessing: FundusPreprocessing;
  /** Image file and quarter turns of each sample, in order. */
  samples: { path: string; rotation: number }[];
}

/** How the run's network was built (SharedStepRequest): the replica is built the same way. */
export interface ReplicaSpec extends PrefixSpec {
  featureScale: number;
}

export interface GradientJob extends ReplicaSpec {
  /** The trained variables' values, concatenated in TrainStep.variables' order: the replica takes them first. */
  values: Float32Array;
  /** This thread's share of the batch's suffix inputs, and its shape. */
  x: Float32Array;
  xShape: number[];
  labels: number[];
  weights?: number[];
}

export interface PredictJob extends ReplicaSpec {
  /** As GradientJob's, when the network changed since the replica last took values; absent: unchanged. */
  values?: Float32Array;
  x: Float32Array;
  xShape: number[];
}

export interface GradientResult {
  /** The share's gradients, concatenated as `values`. */
  grads: Float32Array;
  loss: number;
  objective: number;
  correct: number;
}

export interface PoolWorkerApi {
  /** Loads the backend and GoogLeNet from the model folder (prefixes are built on it); says what backend runs. */
  start(modelDir: string): Promise<string>;
  /** Builds (or keeps) the prefix for these settings and returns its fingerprint (prefix-fingerprint.ts). */
  prepare(spec: PrefixSpec): Promise<string>;
  /** The prefix's features of the samples, one row after another (float32). */
  features(job: FeatureJob): Promise<Float32Array>;
  /** Images decoded, cropped and resized as the run reads them. */
  decode(paths: string[], size: number, preprocessing: FundusPreprocessing): Promise<RgbImage[]>;
  /** Builds (or keeps) the replica for these settings; returns its trained variables' shapes, in order. */
  prepareReplica(spec: ReplicaSpec): Promise<number[][]>;
  /** The gradients of a share of a batch on the replica, after it takes the job's values. */
  gradients(job: GradientJob): Promise<GradientResult>;
  /** The replica's logits for a share of a batch (rows of classCount), after it takes the job's values if any. */
  predict(job: PredictJob): Promise<Float32Array>;
}

let modelDir = '';
/** GoogLeNet read at start, so that the first request only builds the classifier on it. */
let preloaded: Promise<tf.LayersModel> | null = null;
/** The last prefix built, with the settings it was built for: a run asks for one set of settings at a time. */
let built: { key: string; base: tf.LayersModel; prefix: tf.LayersModel; fingerprint: string } | null = null;

async function prefixFor(spec: PrefixSpec): Promise<NonNullable<typeof built>> {
  const key = JSON.stringify(spec);
  if (built?.key === key) return built;
  if (built) disposeNetwork(built.base);
  built = null;
  // As trainClassifier: a fresh GoogLeNet, redrawn when the run starts from random weights, then the classifier.
  const base = await (preloaded ?? loadGoogLeNet(modelDir));
  preloaded = null;
  if (spec.config.initialisation === 'random') reinitialiseWeights(base, spec.config.seed);
  const net = buildClassifier(base, classifierConfigOf(spec.config, spec.classCount));
  if (!net.prefix) throw new Error(`freezing up to ${spec.config.freezeUpTo} leaves no frozen prefix to extract features from`);
  built = { key, base, prefix: net.prefix, fingerprint: await prefixFingerprint(net.prefix) };
  return built;
}

/** The replica of the run's network, with the step that computes its gradients (its optimizers stay unused). */
let replica: { key: string; base: tf.LayersModel; suffix: tf.LayersModel; step: TrainStep } | null = null;

async function replicaFor(spec: ReplicaSpec): Promise<NonNullable<typeof replica>> {
  const key = JSON.stringify([spec.config, spec.classCount, spec.featureScale]);
  if (replica?.key === key) return replica;
  if (replica) {
    replica.step.dispose();
    disposeNetwork(replica.base);
  }
  replica = null;
  // Its own GoogLeNet (the prefix's may be rebuilt for other settings); every trained weight comes with each job.
  const base = await loadGoogLeNet(modelDir);
  if (spec.config.initialisation === 'random') reinitialiseWeights(base, spec.config.seed);
  const net = buildClassifier(base, classifierConfigOf(spec.config, spec.classCount, spec.featureScale));
  replica = { key, base, suffix: net.suffix, step: new TrainStep(net, spec.config, spec.classCount) };
  return replica;
}

/** The replica's trained variables take `values` (concatenated in their order). */
function takeValues(step: TrainStep, values: Float32Array): void {
  let at = 0;
  for (const v of step.variables) {
    const t = tf.tensor(values.subarray(at, at + v.size), v.shape);
    v.assign(t);
    t.dispose();
    at += v.size;
  }
  if (at !== values.length) throw new Error(`${values.length} values for replica variables of ${at}`);
}

const api: PoolWorkerApi = {
  async start(dir) {
    modelDir = dir;
    const backend = await installBackend('wasm');
    preloaded = loadGoogLeNet(modelDir);
    await preloaded;
    return backend;
  },
  async prepare(spec) {
    return (await prefixFor(spec)).fingerprint;
  },
  async features(job) {
    const { prefix } = await prefixFor(job);
    const size = job.config.inputSize;
    const decoded = new Map<string, RgbImage>();
    // Each image decoded once per job (a job holds an image at several rotations); inputTensor rotates.
    const images = job.samples.map(({ path }) => {
      let img = decoded.get(path);
      if (!img) decoded.set(path, (img = prepareImage(path, size, job.preprocessing)));
      return img;
    });
    const x = inputTensor(images, job.samples.map((s) => ({ id: s.path, rotation: s.rotation })), size);
    const f = prefix.predict(x) as tf.Tensor;
    x.dispose();
    const values = (await f.data()) as Float32Array;
    f.dispose();
    return Comlink.transfer(values, [values.buffer]);
  },
  async prepareReplica(spec) {
    return (await replicaFor(spec)).step.variables.map((v) => [...v.shape]);
  },
  async gradients(job) {
    const { step } = await replicaFor(job);
    takeValues(step, job.values);
    const x = tf.tensor(job.x, job.xShape);
    try {
      const { grads, result } = await step.gradients(x, job.labels, job.weights);
      const out = new Float32Array(job.values.length);
      let offset = 0;
      for (const g of grads) {
        out.set((await g.data()) as Float32Array, offset);
        offset += g.size;
      }
      tf.dispose(grads);
      return Comlink.transfer({ grads: out, ...result }, [out.buffer]);
    } finally {
      x.dispose();
    }
  },
  async predict(job) {
    const { step, suffix } = await replicaFor(job);
    if (job.values) takeValues(step, job.values);
    if (job.xShape[0] === 0) return new Float32Array(0); // took the values only
    const logits = tf.tidy(() => suffix.predict(tf.tensor(job.x, job.xShape)) as tf.Tensor);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return Comlink.transfer(values, [values.buffer]);
  },
  async decode(paths, size, preprocessing) {
    const images = paths.map((p) => prepareImage(p, size, preprocessing));
    return Comlink.transfer(images, images.map((im) => im.data.buffer));
  },
};

Comlink.expose(api, nodeEndpoint(parentPort!));
