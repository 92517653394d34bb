/**
 * The training worker: owns the tfjs backend, the decoded images, the pretrained and the trained model.
 * Implements FoveaWorkerApi (protocol.ts) over comlink; every failure reaches the UI as an Error whose
 * `name` is a WorkerErrorName and whose message says, in plain words, what to do.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { type RgbImage, writeCaffeInput } from '../core/data/preprocess';
import { describePreprocessing, exportPackage, importPackage, type FoveaManifest } from '../core/export/package';
import { disposeNetwork } from '../core/model/classifier';
import '../core/model/lrn';
import { resolveTrainConfig } from '../core/train/config';
import { RunControl } from '../core/train/run-control';
import { trainClassifier } from '../core/train/trainer';
import { pickBackend } from './backend';
import { backendRefusal } from './capabilities';
import { decodeForStore, ImageRejected, resizeStored } from './decode';
import type {
  AddImagesResult, BackendInfo, FoveaWorkerApi, ImageFileInput, ImagePrediction, ModelInfo, TrainRequest,
  TrainResult, WorkerErrorName, WorkerEvent,
} from './protocol';

/** An error already in the protocol's terms: asWorkerError passes it through unchanged. */
class WorkerError extends Error {
  constructor(override readonly name: WorkerErrorName, message: string) {
    super(message);
  }
}

function workerError(name: WorkerErrorName, message: string): Error {
  return new WorkerError(name, message);
}

const KNOWN: Record<string, WorkerErrorName> = {
  NoBackendError: 'NoBackendError',
  DatasetError: 'DatasetError',
  InvalidTrainConfigError: 'InvalidTrainConfigError',
  InvalidInputSizeError: 'InvalidTrainConfigError',
  CancelledError: 'CancelledError',
  ImportError: 'ImportError',
};

let emit: (e: WorkerEvent) => void = () => {};
let modelUrl = '';
let provenance: Record<string, unknown> = {};
let deviceLost: string | null = null;
let backend: BackendInfo | null = null;
/** Decoded images at STORE_SIZE, by id. */
const store = new Map<string, RgbImage>();
/** The same images at the current run's input size (rebuilt when the size changes). */
let sized: { size: number; images: Map<string, RgbImage> } = { size: 0, images: new Map() };
let current: { model: tf.LayersModel; base: tf.LayersModel | null; manifest: FoveaManifest; origin: ModelInfo['origin'] } | null = null;
let run: RunControl | null = null;

/** Translates any failure into a WorkerError the UI can show. */
function asWorkerError(e: unknown): Error {
  if (deviceLost) {
    return workerError('DeviceLostError',
      `The GPU stopped responding (${deviceLost}). This is often the GPU running out of memory: reload the page ` +
        'and try a smaller batch size or input size. Exported models are not affected.');
  }
  if (e instanceof WorkerError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (/device (was |is )?lost|Instance reference no longer exists|GPUDevice.*destroyed/i.test(err.message)) {
    deviceLost = err.message;
    return asWorkerError(err);
  }
  const name = KNOWN[err.name];
  if (name) return workerError(name, err.message);
  return workerError('InternalError', `Something went wrong inside the training worker: ${err.message}`);
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

function imagesAt(size: number, ids: string[]): (id: string) => RgbImage {
  if (sized.size !== size) sized = { size, images: new Map() };
  for (const id of ids) {
    if (!sized.images.has(id)) {
      const img = store.get(id);
      if (!img) throw workerError('DatasetError', `Image ${id} is not loaded any more; add it again.`);
      sized.images.set(id, resizeStored(img, size));
    }
  }
  return (id) => sized.images.get(id)!;
}

function setCurrent(next: typeof current): void {
  if (current) disposeNetwork(current.model, current.base);
  current = next;
}

const api: FoveaWorkerApi = {
  init: guarded(async (onEvent, url) => {
    emit = onEvent;
    modelUrl = url;
    const info = await pickBackend((message) => {
      deviceLost = message;
      run?.cancel();
      emit({ type: 'device-lost', message });
    });
    backend = info;
    try {
      provenance = await (await fetch(new URL('provenance.json', new URL(url, self.location.href)))).json();
    } catch {
      provenance = {};
    }
    return info;
  }),

  addImages: guarded(async (files: ImageFileInput[]): Promise<AddImagesResult> => {
    const result: AddImagesResult = { added: [], rejected: [] };
    let done = 0;
    for (const f of files) {
      try {
        const d = await decodeForStore(f.file);
        store.set(f.id, d.image);
        sized.images.delete(f.id);
        result.added.push({ id: f.id, thumbnail: d.thumbnail, width: d.width, height: d.height });
      } catch (e) {
        const reason = e instanceof ImageRejected ? e.message : `could not be read (${(e as Error).message})`;
        result.rejected.push({ id: f.id, name: f.name, reason });
      }
      emit({ type: 'decode-progress', done: ++done, total: files.length });
    }
    return result;
  }),

  removeImages: guarded(async (ids: string[]) => {
    for (const id of ids) {
      store.delete(id);
      sized.images.delete(id);
    }
  }),

  train: guarded(async (request: TrainRequest): Promise<TrainResult> => {
    if (run) throw workerError('BusyError', 'A training run is already in progress: pause or cancel it first.');
    if (deviceLost) throw asWorkerError(null);
    // Refused before anything starts: the CPU backends cannot train convolutions (capabilities.ts).
    const refusal = backendRefusal(backend, resolveTrainConfig(request.config).freezeUpTo);
    if (refusal) throw workerError('GpuRequiredError', refusal);
    const control = new RunControl();
    run = control;
    let base: tf.LayersModel | null = null;
    try {
      const size = request.config.inputSize ?? 224;
      const train = request.items.filter((i) => i.split === 'train');
      const val = request.items.filter((i) => i.split === 'val');
      emit({ type: 'phase', phase: 'preparing', message: 'Loading the pretrained GoogLeNet' });
      base = await tf.loadLayersModel(modelUrl);
      const image = imagesAt(size, request.items.map((i) => i.id));
      const outcome = await trainClassifier(
        base,
        { classNames: request.classNames, ordinal: request.ordinal, train, val, image },
        request.config,
        { onEvent: emit, control },
      );
      const { predictions: _omit, ...validation } = outcome.report;
      void _omit;
      const manifest: FoveaManifest = {
        format: 'fovea-model', version: 1, createdAt: new Date().toISOString(),
        classNames: request.classNames, ordinal: request.ordinal, inputSize: outcome.config.inputSize,
        preprocessing: describePreprocessing(), scenario: outcome.config.scenario, training: outcome.config,
        epochs: outcome.epochs, validation, weightsProvenance: provenance, customLayers: ['LRN'],
      };
      setCurrent({ model: outcome.net.model, base, manifest, origin: 'trained' });
      base = null;
      return { config: outcome.config, epochs: outcome.epochs, report: outcome.report, stoppedBecause: outcome.stoppedBecause };
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
    let decoded;
    try {
      decoded = await decodeForStore(file);
    } catch (e) {
      throw workerError('DatasetError', `That file cannot be used: ${(e as Error).message}.`);
    }
    const size = current.manifest.inputSize;
    const img = resizeStored(decoded.image, size);
    const buf = new Float32Array(size * size * 3);
    writeCaffeInput(img, buf, 0);
    const probsT = tf.tidy(() => current!.model.predict(tf.tensor4d(buf, [1, size, size, 3])) as tf.Tensor);
    const probs = Array.from(await probsT.data());
    probsT.dispose();
    const predictedClass = probs.indexOf(Math.max(...probs));
    return { classNames: current.manifest.classNames, probs, predictedClass };
  }),

  exportModel: guarded(async () => {
    if (!current) throw workerError('NoModelError', 'There is no model to export yet: train one first.');
    const zip = await exportPackage(current.model, current.manifest);
    return Comlink.transfer(zip, [zip.buffer as ArrayBuffer]);
  }),

  importModel: guarded(async (zip: Uint8Array): Promise<ModelInfo> => {
    if (run) throw workerError('BusyError', 'Wait for the training run to finish before importing a model.');
    const { model, manifest } = await importPackage(zip);
    setCurrent({ model, base: null, manifest, origin: 'imported' });
    return { classNames: manifest.classNames, inputSize: manifest.inputSize, origin: 'imported', manifest };
  }),

  modelInfo: async () =>
    current
      ? { classNames: current.manifest.classNames, inputSize: current.manifest.inputSize, origin: current.origin, manifest: current.manifest }
      : null,
};

Comlink.expose(api);
