/**
 * The one contract between the UI and the training worker (src/worker/fovea.worker.ts), used over comlink.
 * Everything that crosses is plain, structured-cloneable data: no tensors, no models.
 * Errors: every method rejects with a `WorkerError` (name + plain-words message); `name` is one of
 * WorkerErrorName so the UI can say what to do next.
 */
import type { EvalReport } from '../core/eval/report';
import type { FoveaManifest } from '../core/export/package';
import type { TrainConfig } from '../core/train/config';
import type { EpochSummary, TrainerEvent } from '../core/train/events';

export type { FoveaManifest } from '../core/export/package';
export type { BatchProgress, EpochSummary, TrainPhase, TrainerEvent } from '../core/train/events';

/** In the order the worker tries them: WebGPU, WebGL, WebAssembly on the CPU, tfjs's plain CPU backend. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: BackendName;
  /** Set when the preferred backend (WebGPU) was not available: say why, plainly. */
  notice?: string;
  /** GPU adapter description when known. */
  adapter?: string;
  /** False on the CPU backends: only a head on a frozen backbone can train there (see capabilities.ts). */
  trainsConvolutions: boolean;
  /** How the WebAssembly backend runs, when it is the one: SIMD, and its thread count (1 without cross-origin isolation). */
  wasm?: { simd: boolean; threads: number };
}

export interface ImageFileInput {
  /** Id chosen by the UI, unique within the dataset. */
  id: string;
  name: string;
  file: Blob;
}

export interface DecodedImage {
  id: string;
  /** Small JPEG for the UI's thumbnails. */
  thumbnail: Blob;
  width: number;
  height: number;
}

export interface RejectedFile {
  id: string;
  name: string;
  /** Plain words, e.g. "not an image" or "corrupt or truncated image data". */
  reason: string;
}

export interface AddImagesResult {
  added: DecodedImage[];
  rejected: RejectedFile[];
}

/** One image of a training run: which class, which side of the split. */
export interface TrainItem {
  id: string;
  classIndex: number;
  /** 'test': scored once with the final weights, never used to choose anything. */
  split: 'train' | 'val' | 'test';
}

export interface TrainRequest {
  config: Partial<TrainConfig>;
  classNames: string[];
  /** True when classes are ordered grades (quadratic kappa is then reported). */
  ordinal: boolean;
  items: TrainItem[];
}

export interface TrainResult {
  /** Resolved config actually used. */
  config: TrainConfig;
  epochs: EpochSummary[];
  /** Report of the best epoch (lowest validation loss), whose weights are kept. */
  report: EvalReport;
  stoppedBecause: 'completed' | 'early-stopping' | 'cancelled';
}

/** Training events come from core/train/events.ts; the worker adds decoding and device events. */
export type WorkerEvent =
  | TrainerEvent
  | { type: 'decode-progress'; done: number; total: number }
  | { type: 'device-lost'; message: string };

export interface ImagePrediction {
  classNames: string[];
  probs: number[];
  predictedClass: number;
}

export interface ModelInfo {
  classNames: string[];
  inputSize: number;
  /** Where the model came from: 'trained' in this session or 'imported' from a package. */
  origin: 'trained' | 'imported';
  /** fovea.json of the model (settings, metrics, provenance). */
  manifest: FoveaManifest;
}

export type WorkerErrorName =
  | 'NoBackendError'
  | 'GpuRequiredError'
  | 'DeviceLostError'
  | 'DatasetError'
  | 'InvalidTrainConfigError'
  | 'NoModelError'
  | 'ImportError'
  | 'BusyError'
  | 'CancelledError'
  | 'InternalError';

export interface FoveaWorkerApi {
  /**
   * Picks WebGPU, else WebGL, else WebAssembly, else tfjs's CPU backend (each fallback with a notice), and
   * fails with NoBackendError only when none starts.
   */
  init(onEvent: (e: WorkerEvent) => void, modelUrl: string): Promise<BackendInfo>;
  /** Decodes and keeps the images (centre-cropped, downscaled); bad files are listed, never thrown. */
  addImages(files: ImageFileInput[]): Promise<AddImagesResult>;
  removeImages(ids: string[]): Promise<void>;
  /** Rejects with GpuRequiredError, before anything starts, when the run trains convolutions on a CPU backend. */
  train(request: TrainRequest): Promise<TrainResult>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  predict(file: Blob): Promise<ImagePrediction>;
  /** The current model (trained or imported) as a zip: model.json, weight shards, fovea.json. */
  exportModel(): Promise<Uint8Array>;
  importModel(zip: Uint8Array): Promise<ModelInfo>;
  modelInfo(): Promise<ModelInfo | null>;
}
