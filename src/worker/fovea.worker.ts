/**
 * The training worker: owns the tfjs backend, the reader of the project's stored images, the pretrained and the
 * trained model.
 * Implements FoveaWorkerApi (protocol.ts) over comlink; every failure reaches the UI as an Error whose
 * `name` is a WorkerErrorName and whose message says, in plain words, what to do (errors.ts).
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { rotateQuarterTurns, writeCaffeInput } from '../core/data/preprocess';
import { exportPackage, importPackage, type FoveaManifest } from '../core/export/package';
import { MODEL_CARD_FILE } from '../core/export/model-card';
import { disposeNetwork } from '../core/model/classifier';
import '../core/model/lrn';
import { resolveTrainConfig, type TrainConfig } from '../core/train/config';
import { featureCacheKey, keepsFeatures } from '../core/train/feature-key';
import type { ImageSource } from '../core/data/image-source';
import { keptFeatures } from './kept-features';
import { RunControl } from '../core/train/run-control';
import { trainClassifier, type TrainerHooks } from '../core/train/trainer';
import { AUTO_BACKEND, pickBackend, restartBackend } from './backend';
import { holdWeights, restoreWeights } from './held-weights';
import { timeGoogLeNet, type ProbeConfig } from './probe';
import { backendRefusal } from './capabilities';
import { decodeAtSize, decodeForStore, ImageRejected, prepareInput } from './decode';
import { StoredImages } from './stored-images';
import { BatchReader } from '../core/data/image-source';
import { isDeviceLostMessage, toWorkerError, WorkerError } from './errors';
import { predictionRotations, readPrediction } from './prediction';
import type {
  AddImagesResult, BackendInfo, BackendRequest, DecodeOptions, FoveaWorkerApi, ImageFileInput, ImagePrediction, ModelInfo,
  TrainRequest, TrainResult, WorkerErrorName, WorkerEvent,
} from './protocol';
import { adoptTrainedModel } from './trained-model';
import { onnxOf, readTrainingResult, torchWeightsOf, trainingJobOf } from './export-formats';
import { ComparedRuns, compareAll, makeComparedRunCurrent } from './compare-all';
import { computeGradCam, GradCamCache, insideNetwork, TeachingError, type TeachingContext } from './network-views';

function workerError(name: WorkerErrorName, message: string): Error {
  return new WorkerError(name, message);
}


let emit: (e: WorkerEvent) => void = () => {};
let modelUrl = '';
let provenance: Record<string, unknown> = {};
let deviceLost: string | null = null;
let backend: BackendInfo | null = null;
/** What the page asked of the backend choice (its preference); a restart after a lost device asks the same. */
let backendRequest: BackendRequest = AUTO_BACKEND;
/** The project's images: read from IndexedDB batch by batch, never held decoded. */
const storedImages = new StoredImages();
/** Files decoded at once while adding images: createImageBitmap and JPEG encoding run off this thread. */
const DECODE_CONCURRENCY = 4;
let current: {
  model: tf.LayersModel; base: tf.LayersModel | null; manifest: FoveaManifest; modelCard: string | null; origin: ModelInfo['origin'];
} | null = null;
let run: RunControl | null = null;

/** Translates any failure into a WorkerError the UI can show (and notices a lost GPU device). */
function asWorkerError(e: unknown): Error {
  if (!deviceLost && e instanceof Error && !(e instanceof WorkerError) && isDeviceLostMessage(e.message)) onDeviceLost(e.message);
  return toWorkerError(e, deviceLost);
}

/** The backend being started again after a lost GPU device; calls that need it wait for it. */
let recovery: Promise<void> | null = null;
const RUN_UNWIND_TIMEOUT_MS = 30_000;

/**
 * A lost GPU device: the run is cancelled, the UI told, and the backend started again on a new device (or the
 * next best backend) without a page reload. The decoded images are plain arrays and are kept; models held
 * on the lost device are gone.
 */
function onDeviceLost(message: string): void {
  if (deviceLost) return;
  deviceLost = message;
  run?.cancel();
  emit({ type: 'device-lost', message });
  recovery = recoverFromDeviceLoss().finally(() => { recovery = null; });
}

async function recoverFromDeviceLoss(): Promise<void> {
  // The cancelled run unwinds first: it still holds tensors of the lost device.
  const started = Date.now();
  while (run && Date.now() - started < RUN_UNWIND_TIMEOUT_MS) await delay(50);
  try {
    setCurrent(null);
  } catch {
    // Its buffers went with the device.
  }
  try {
    backend = await restartBackend(onDeviceLost, modelUrl, backendRequest);
    deviceLost = null;
    emit({ type: 'backend-restarted', backend });
  } catch {
    // deviceLost stays set: every call keeps saying so, and a reload is the remaining way out.
  }
}

/** Waits for a backend restart in progress; after a failed one, says the device is lost. */
async function backendAfterRecovery(): Promise<void> {
  if (recovery) await recovery;
  if (deviceLost) throw asWorkerError(null);
}

function guarded<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      throw asWorkerError(e);
    }
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request's images as its run prepares them, read from the stored copies. */
function runImages(request: TrainRequest, size: number) {
  return storedImages.source({ size, colourNormalisation: request.colourNormalisation ?? false }, runCrop(request));
}

/**
 * For a fully frozen pretrained backbone, the frozen features come from (and go to) the project's kept feature
 * cache (kept-features.ts): a second run with the same network, cut, pooling, size and preprocessing extracts
 * nothing. Null otherwise (the trainer runs the prefix itself) or without project storage.
 */
function keptFeatureHook(request: TrainRequest, config: TrainConfig, images: ImageSource): TrainerHooks['extractFeatures'] | null {
  const db = storedImages.database();
  if (!db || !keepsFeatures(config)) return null;
  const key = featureCacheKey({
    model: `bvlc-googlenet;converter=${String(provenance.converterVersion ?? '?')};parameters=${String(provenance.parameters ?? '?')}`,
    config, colourNormalisation: request.colourNormalisation ?? false, fieldOfViewCrop: runCrop(request),
  });
  return async (featureRequest) => keptFeatures(await db, key, featureRequest, images);
}

/** The crop the run's images were stored with (the dataset's setting). */
function runCrop(request: TrainRequest): boolean {
  return request.fieldOfViewCrop ?? true;
}

function infoOf(model: NonNullable<typeof current>): ModelInfo {
  return {
    classNames: model.manifest.classNames, inputSize: model.manifest.inputSize, origin: model.origin,
    manifest: model.manifest, modelCard: model.modelCard,
  };
}

function setCurrent(next: typeof current): void {
  if (current) disposeNetwork(current.model, current.base);
  current = next;
}

const api: FoveaWorkerApi = {
  init: guarded(async (onEvent, url, request) => {
    emit = onEvent;
    modelUrl = url;
    backendRequest = request ?? AUTO_BACKEND;
    const info = await pickBackend(onDeviceLost, modelUrl, backendRequest);
    backend = info;
    try {
      provenance = await (await fetch(new URL('provenance.json', new URL(url, self.location.href)))).json();
    } catch {
      provenance = {};
    }
    return info;
  }),

  setBackendPreference: guarded(async (request) => {
    if (run) throw workerError('BusyError', 'Wait for the training run to finish before changing the compute backend.');
    await backendAfterRecovery();
    // The current model's weights move to the new backend: nothing the page shows has to be loaded again.
    const held = current ? await holdWeights(current.model, current.base) : null;
    backend = await pickBackend(onDeviceLost, modelUrl, request);
    backendRequest = request;
    if (held) restoreWeights(held);
    return backend;
  }),

  measureSpeed: guarded(async () => {
    if (run || !backend) return null;
    const imagesPerSecond = await timeGoogLeNet(modelUrl);
    backend = { ...backend, imagesPerSecond };
    return imagesPerSecond;
  }),

  openProject: guarded(async (databaseName) => {
    storedImages.openProject(databaseName);
  }),

  addImages: guarded(async (files: ImageFileInput[], options: DecodeOptions): Promise<AddImagesResult> => {
    const outcomes: (AddImagesResult['added'][number] | AddImagesResult['rejected'][number])[] = new Array(files.length);
    let done = 0;
    let next = 0;
    const decodeNext = async () => {
      for (let i = next++; i < files.length; i = next++) {
        const f = files[i];
        try {
          const d = await decodeForStore(f.file, options);
          outcomes[i] = { id: f.id, stored: d.stored, prepared: d.prepared, thumbnail: d.thumbnail, width: d.width, height: d.height };
        } catch (e) {
          const reason = e instanceof ImageRejected ? e.message : `could not be read (${(e as Error).message})`;
          outcomes[i] = { id: f.id, name: f.name, reason };
        }
        emit({ type: 'decode-progress', done: ++done, total: files.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, files.length) }, decodeNext));
    // In the files' order, whatever order the decodes finished in.
    const result: AddImagesResult = { added: [], rejected: [] };
    for (const o of outcomes) ('reason' in o ? result.rejected : result.added).push(o as never);
    return Comlink.transfer(result, result.added.flatMap((a) => [a.stored, a.thumbnail]));
  }),

  holdImages: guarded(async (images) => {
    storedImages.hold(images);
  }),

  removeImages: guarded(async (ids: string[]) => {
    storedImages.forget(ids);
  }),

  train: guarded(async (request: TrainRequest): Promise<TrainResult> => {
    if (run) throw workerError('BusyError', 'A training run is already in progress: pause or cancel it first.');
    await backendAfterRecovery();
    // Refused before anything starts: tfjs's plain CPU backend cannot train convolutions (capabilities.ts).
    const config = resolveTrainConfig(request.config);
    const refusal = backendRefusal(backend, config.freezeUpTo);
    if (refusal) throw workerError('GpuRequiredError', refusal);
    const control = new RunControl();
    run = control;
    let base: tf.LayersModel | null = null;
    try {
      const side = (split: TrainRequest['items'][number]['split']) =>
        request.items.filter((i) => i.split === split).map(({ id, classIndex, patientId }) => ({ id, classIndex, ...(patientId ? { patientId } : {}) }));
      const prep = { fieldOfViewCrop: runCrop(request), colourNormalisation: request.colourNormalisation ?? false };
      emit({ type: 'phase', phase: 'preparing', message: 'Loading the pretrained GoogLeNet' });
      base = await tf.loadLayersModel(modelUrl);
      const images = runImages(request, config.inputSize);
      const kept = keptFeatureHook(request, config, images);
      const outcome = await trainClassifier(
        base,
        { classNames: request.classNames, ordinal: request.ordinal, train: side('train'), val: side('val'), test: side('test'), images },
        request.config,
        {
          onEvent: emit, control,
          // Posted to the page, which keeps it in IndexedDB: a reload, a crash or a lost GPU resumes from here.
          onCheckpoint: (checkpoint) => emit({ type: 'checkpoint', checkpoint }),
          ...(request.resumeFrom ? { resumeFrom: request.resumeFrom } : {}),
          ...(kept ? { extractFeatures: kept } : {}),
        },
      );
      return adoptTrainedModel(request, outcome, prep, provenance, (record) => {
        setCurrent({ model: outcome.net.model, base: base!, manifest: record.manifest, modelCard: record.modelCard, origin: 'trained' });
        base = null;
        return infoOf(current!);
      }, () => disposeNetwork(outcome.net.model));
    } finally {
      if (base) disposeNetwork(base);
      run = null;
    }
  }),

  pause: async () => run?.pause(),
  resume: async () => {
    run?.resume();
  },
  cancel: async () => run?.cancel(),

  predict: guarded(async (file: Blob): Promise<ImagePrediction> => {
    if (!current) throw workerError('NoModelError', 'There is no model yet: train one or import a model package first.');
    const { manifest, model } = current;
    const size = manifest.inputSize;
    let decoded;
    try {
      decoded = await decodeAtSize(file, size, manifest.preprocessing.crop === 'field-of-view');
    } catch (e) {
      throw workerError('DatasetError', `That file cannot be used: ${(e as Error).message}.`);
    }
    const img = prepareInput(decoded, manifest.preprocessing.colour === 'local-average-subtraction');
    // One batch of the image at each of the model's test-time rotations; their softmax outputs are averaged.
    const turns = predictionRotations(manifest);
    const buf = new Float32Array(turns.length * size * size * 3);
    turns.forEach((t, i) => writeCaffeInput(rotateQuarterTurns(img, t), buf, i));
    const meanT = tf.tidy(() => tf.mean(model.predict(tf.tensor4d(buf, [turns.length, size, size, 3])) as tf.Tensor, 0));
    const averaged = Array.from(await meanT.data());
    meanT.dispose();
    return readPrediction(manifest, averaged, turns.length);
  }),

  exportModel: guarded(async () => {
    if (!current) throw workerError('NoModelError', 'There is no model to export yet: train one first.');
    const zip = await exportPackage(current.model, current.manifest, current.modelCard ? { [MODEL_CARD_FILE]: current.modelCard } : {});
    return Comlink.transfer(zip, [zip.buffer as ArrayBuffer]);
  }),

  importModel: guarded(async (zip: Uint8Array, origin: ModelInfo['origin'] = 'imported'): Promise<ModelInfo> => {
    if (run) throw workerError('BusyError', 'Wait for the training run to finish before importing a model.');
    const { model, manifest, modelCard } = await importPackage(zip);
    setCurrent({ model, base: null, manifest, modelCard, origin });
    return infoOf(current!);
  }),

  modelInfo: async () => (current ? infoOf(current) : null),

  // --- export formats (issue 10) ---
  exportOnnx: guarded(async () => {
    if (!current) throw workerError('NoModelError', 'There is no model to export yet: train one first.');
    const bytes = await onnxOf(current.model, current.manifest);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  }),

  exportTorchWeights: guarded(async () => {
    if (!current) throw workerError('NoModelError', 'There is no model to export yet: train one first.');
    const files = await torchWeightsOf(current.model, current.manifest);
    return Comlink.transfer(files, [files.weights.buffer as ArrayBuffer, files.modelPy.buffer as ArrayBuffer]);
  }),

  exportTrainingJob: guarded(async (request) => {
    if (run) throw workerError('BusyError', 'Wait for the training run to finish before exporting a training job.');
    const config = resolveTrainConfig(request.config);
    const prep = { fieldOfViewCrop: runCrop(request), colourNormalisation: request.colourNormalisation ?? false };
    const files = await trainingJobOf(await tf.loadLayersModel(modelUrl), request, runImages(request, config.inputSize), prep);
    return Comlink.transfer(files, [files.job.buffer as ArrayBuffer, ...(files.images ? [files.images.buffer as ArrayBuffer] : [])]);
  }),

  importTrainingResult: guarded(async (request, files) => {
    if (run) throw workerError('BusyError', 'Wait for the training run to finish before importing a training result.');
    const prep = { fieldOfViewCrop: runCrop(request), colourNormalisation: request.colourNormalisation ?? false };
    const base = await tf.loadLayersModel(modelUrl);
    const outcome = readTrainingResult(base, request, files);
    return adoptTrainedModel(request, outcome, prep, provenance, (record) => {
      setCurrent({ model: outcome.net.model, base, manifest: record.manifest, modelCard: record.modelCard, origin: 'trained' });
      return infoOf(current!);
    }, () => disposeNetwork(outcome.net.model, base));
  }),

  // --- teaching (issue 8) --- (implemented in network-views.ts and compare-all.ts; these lines only wire the worker's state in)
  gradCam: guarded(async (request) => teachingCall(() => computeGradCam(teaching, gradCamCache, request))),

  compareAll: guarded(async (request, onEvent) => {
    if (run) throw workerError('BusyError', 'A training run is already in progress: wait for it or cancel it first.');
    await backendAfterRecovery();
    const crop = runCrop(request);
    const control = new RunControl();
    run = control;
    try {
      return await compareAll(teaching, request, control, onEvent, comparedRuns, crop);
    } finally {
      run = null;
    }
  }),

  makeComparedRunCurrent: guarded(async (id) => {
    if (run) throw workerError('BusyError', 'Wait for the training run or comparison to finish first.');
    return teachingCall(() => makeComparedRunCurrent(teaching, comparedRuns, id));
  }),

  clearComparison: async () => comparedRuns.clear(),

  insideNetwork: guarded(async (items) => {
    if (run) throw workerError('BusyError', 'Wait for the training run to finish first.');
    return teachingCall(() => insideNetwork(teaching, items));
  }),
};

// --- teaching (issue 8) ---
const gradCamCache = new GradCamCache();
/** The last comparison's finished runs, as weights off the GPU, until cleared or compared again. */
const comparedRuns = new ComparedRuns();
const teaching: TeachingContext = {
  current: () => current,
  datasetImages: (size) => storedImages.source({ size, colourNormalisation: false }, null),
  decode: async (file, size) => {
    const crop = current?.manifest.preprocessing.crop === 'field-of-view';
    try {
      return await decodeAtSize(file, size, crop);
    } catch (e) {
      throw workerError('DatasetError', `That file cannot be used: ${(e as Error).message}.`);
    }
  },
  loadPretrained: () => tf.loadLayersModel(modelUrl),
  backend: () => backend,
  images: (request, size) => runImages(request, size),
  keptFeatures: (request, config, images) => keptFeatureHook(request, config, images),
  provenance: () => provenance,
  makeCurrent: (model, record) => {
    setCurrent({ model, base: null, manifest: record.manifest, modelCard: record.modelCard, origin: 'trained' });
    return infoOf(current!);
  },
};
async function teachingCall<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof TeachingError ? workerError(e.name, e.message) : e;
  }
}

/**
 * TEST ONLY: lets an e2e spec lose the GPU device on purpose (Playwright's worker.evaluate reaches this
 * global), the way a driver reset or an out-of-memory does. Not part of the API; nothing in the app calls it.
 */
(self as unknown as { __foveaTestOnlyDestroyGpuDevice: () => boolean }).__foveaTestOnlyDestroyGpuDevice = () => {
  const device = (tf.backend() as unknown as { device?: { destroy(): void } }).device;
  device?.destroy();
  return Boolean(device);
};

/**
 * TEST ONLY (bench:scale): decodes `count` stored images (the first ones stored, cycled when fewer) at `size` through
 * the same reader and read-ahead a run uses, 16 a batch, and says how long it took. Not part of the API.
 */
(self as unknown as { __foveaTestOnlyDecodeBench: (size: number, count: number) => Promise<{ images: number; seconds: number }> })
  .__foveaTestOnlyDecodeBench = async (size, count) => {
    const ids = await storedImages.storedIds(count);
    if (ids.length === 0) return { images: 0, seconds: 0 };
    const order = Array.from({ length: count }, (_, i) => ids[i % ids.length]);
    const batches: string[][] = [];
    for (let i = 0; i < order.length; i += 16) batches.push(order.slice(i, i + 16));
    const reader = new BatchReader(storedImages.source({ size, colourNormalisation: false }, null), batches);
    const started = performance.now();
    for (let b = 0; b < batches.length; b++) await reader.batch(b);
    return { images: order.length, seconds: (performance.now() - started) / 1000 };
  };

/**
 * TEST ONLY (measurements, e.g. WebAssembly on 1 vs 2 threads with ?backend=wasm&threads=n): times GoogLeNet inference on the current backend as the backend
 * probe does, at the size and batch given. Not part of the API; nothing in the app calls it.
 */
(self as unknown as { __foveaTestOnlyTimeGoogLeNet: (config: ProbeConfig) => Promise<number> })
  .__foveaTestOnlyTimeGoogLeNet = (config) => timeGoogLeNet(modelUrl, config);

Comlink.expose(api);
