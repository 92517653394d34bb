/**
 * The one contract between the UI and the training worker (src/worker/fovea.worker.ts), used over comlink.
 * Everything that crosses is plain, structured-cloneable data: no tensors, no models.
 * Errors: every method rejects with a `WorkerError` (name + plain-words message); `name` is one of
 * WorkerErrorName so the UI can say what to do next.
 */
import type { BackendFacts, BackendName, BackendPreference, PreferenceSource, ProbeTiming } from '../core/backend/choice';
import type { ProbeRecord } from '../core/backend/probe-record';
import type { LabelPresetId } from '../core/data/presets';
import type { EvalReport } from '../core/eval/report';
import type { EvaluationSummary } from '../core/eval/summary';
import type { FoveaManifest } from '../core/export/package';
import type { TrainingCheckpoint } from '../core/train/checkpoint';
import type { TrainConfig } from '../core/train/config';
import type { HeadFitSummary } from '../core/train/head-fit';
import type { PreparedPixels, StoredPixels } from '../storage/project-db';
import type { EpochSummary, TrainerEvent } from '../core/train/events';

export type { FoveaManifest } from '../core/export/package';
export type { BatchProgress, EpochSummary, TrainPhase, TrainerEvent } from '../core/train/events';

/** WebGPU, WebGL, WebAssembly on the CPU, tfjs's plain CPU backend: chosen by core/backend/choice.ts. */
export type { BackendName, BackendPreference, PreferenceSource } from '../core/backend/choice';

/** Why the worker runs on its backend: what was asked for, what it saw, what it measured, and the verdict. */
export interface BackendChoice {
  preference: BackendPreference;
  /** Where a preference other than 'auto' came from. */
  source: PreferenceSource;
  /** The decision in plain words (core/backend/choice.ts). */
  reason: string;
  /** The WebGPU adapter and WebGL renderer as the browser described them, and what failed to start. */
  facts: BackendFacts;
  /** Probe timings, when the facts did not settle it (none for a hardware GPU or a clear software one). */
  probes?: ProbeTiming[];
  /** Seconds the probes took, loading included (0 without probes, or with probes kept from an earlier visit). */
  probeSeconds: number;
  /** The probes as a record to keep (core/backend/probe-record.ts): measured now, or the earlier one reused. */
  probeRecord?: ProbeRecord;
  /** True when `probes` are an earlier visit's (`probeRecord.measuredAt`), not measured at this start. */
  probesReused?: boolean;
}

/** What the page asks of the backend choice: the user's preference, and (for measurements) a wasm thread count. */
export interface BackendRequest {
  preference: BackendPreference;
  source: PreferenceSource;
  /** Threads of the WebAssembly backend; defaults to every logical core when the page is cross-origin isolated, else 1. */
  wasmThreads?: number;
  /** Probe timings kept from an earlier visit: used instead of probing again when they still describe this computer. */
  knownProbes?: ProbeRecord;
  /** `?probe=1`: with 'auto', time every candidate even where the facts settle it (a kept record still counts). */
  probeAlways?: boolean;
}

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
  /** Why this backend (the evidence behind the choice). */
  choice?: BackendChoice;
  /** GoogLeNet inference images/s measured on this backend (64 px, batch 2: see worker/probe.ts), when measured. */
  imagesPerSecond?: number;
}

export interface ImageFileInput {
  /** Id chosen by the UI, unique within the dataset. */
  id: string;
  name: string;
  file: Blob;
}

export interface DecodedImage {
  id: string;
  /** The stored copy (the square at the project's stored side, JPEG bytes): the page saves it; runs read only it. */
  stored: ArrayBuffer;
  prepared: PreparedPixels;
  /** Small JPEG (bytes) for the UI's thumbnails. */
  thumbnail: ArrayBuffer;
  width: number;
  height: number;
}

export interface RejectedFile {
  id: string;
  name: string;
  /** Plain words, e.g. "not an image" or "corrupt or truncated image data". */
  reason: string;
}

/** How images are cropped when they are decoded (once, at import). */
export interface DecodeOptions {
  /**
   * True: the square around the circular field of view of a fundus photograph (black borders dropped, black
   * where the disc is cut off); false: the centre square.
   */
  fieldOfViewCrop: boolean;
  /** Side in px of the stored squares (never enlarged past the square's own side). Defaults to 512. */
  storedSide?: number;
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
  /** The image's patient: the head fit's inner cross-validation keeps a patient's images in one fold. */
  patientId?: string;
}

/** What the model card says about the data, beyond the counts the worker takes from the items. */
export interface DatasetDescription {
  /** For people: where the images came from, e.g. 'Sample data (94 graded photographs)' or 'my_photos'. */
  source: string;
  /** Distinct patients per split, when known. */
  patients?: { train: number; validation: number; test?: number };
}

export interface TrainRequest {
  config: Partial<TrainConfig>;
  classNames: string[];
  /** True when classes are ordered grades (quadratic kappa is then reported). */
  ordinal: boolean;
  /** The label preset the classes come from: decides the screening questions (referable DR, any DR…). */
  presetId: LabelPresetId;
  /**
   * Local-average colour subtraction (Ben Graham) after the resize to the input size, for this run only.
   * Recorded in the model's manifest; predictions apply it too. Defaults to false.
   */
  colourNormalisation?: boolean;
  /**
   * The dataset's crop (its images were stored with it; a stored copy cropped otherwise is refused). Defaults to
   * true, the field of view.
   */
  fieldOfViewCrop?: boolean;
  dataset: DatasetDescription;
  items: TrainItem[];
  /**
   * Continue a run from its last epoch-end checkpoint (same request, same seed) instead of starting at epoch 1;
   * refused with CheckpointError when it does not match the request.
   */
  resumeFrom?: TrainingCheckpoint;
}

export interface TrainResult {
  /** Resolved config actually used. */
  config: TrainConfig;
  epochs: EpochSummary[];
  /** Report of the best epoch (lowest validation loss), whose weights are kept. */
  report: EvalReport;
  /** 0-based epoch whose weights are kept. */
  bestEpoch: number;
  /** The test split scored once with the kept weights (its predictions feed the gallery); absent without a test split. */
  test?: EvalReport;
  /** Intervals, operating points chosen on validation, calibration: validation and (when there is one) test. */
  summary: EvaluationSummary;
  /** The model the worker now holds (what modelInfo() would answer). */
  model: ModelInfo;
  stoppedBecause: 'completed' | 'early-stopping' | 'cancelled';
  /** headFit 'converged': the L2 strengths searched by inner cross-validation, their held-out losses, the winner, the final fit. */
  headFit?: HeadFitSummary;
}

/** Training events come from core/train/events.ts; the worker adds decoding and device events. */
export type WorkerEvent =
  | TrainerEvent
  | { type: 'decode-progress'; done: number; total: number }
  | { type: 'device-lost'; message: string }
  /** The run's state at an epoch's end (weights, optimizer, early stopping, RNG): what Resume starts from. */
  | { type: 'checkpoint'; checkpoint: TrainingCheckpoint }
  /** After a lost device the worker started its backend again (a new GPU device, or the next best backend). */
  | { type: 'backend-restarted'; backend: BackendInfo };

/** One screening question of the model (e.g. referable DR) answered for one image. */
export interface ScreeningDecision {
  /** As in the summary: 'referable-dr', 'any-dr', … */
  id: string;
  /** For people: 'Referable DR (grade 2 or worse)'. */
  title: string;
  /** Summed probability of the task's positive classes (uncalibrated, rotation-averaged: what the threshold was chosen on). */
  score: number;
  /** The operating point's threshold, chosen on validation. */
  threshold: number;
  /** Sensitivity the threshold was chosen for, on validation (e.g. 0.9). */
  targetSensitivity: number;
  /** score >= threshold: refer. */
  positive: boolean;
}

export interface ImagePrediction {
  classNames: string[];
  /** Class probabilities, averaged over the model's test-time rotations and temperature-scaled when `calibrated`. */
  probs: number[];
  predictedClass: number;
  /** True when the manifest's calibration temperature (fitted on validation) was applied to `probs`. */
  calibrated: boolean;
  /** How many rotations were averaged: 1, or 4 (0/90/180/270 degrees). */
  rotations: number;
  /** The model's screening questions answered at its operating points; absent when the model has none. */
  screening?: ScreeningDecision[];
}

export interface ModelInfo {
  classNames: string[];
  inputSize: number;
  /** Where the model came from: 'trained' in this session or 'imported' from a package. */
  origin: 'trained' | 'imported';
  /** fovea.json of the model (settings, metrics, provenance). */
  manifest: FoveaManifest;
  /** MODEL_CARD.md of the model: rendered after training, or read from an imported package (null if it has none). */
  modelCard: string | null;
}

/** Every error name a worker call can reject with; the UI keeps one plain-words hint per name. */
export const WORKER_ERROR_NAMES = [
  'NoBackendError', 'GpuRequiredError', 'DeviceLostError', 'DatasetError', 'InvalidTrainConfigError',
  'TrainingDivergedError', 'NoModelError', 'ImportError', 'BusyError', 'CancelledError', 'CheckpointError', 'InternalError',
] as const;

export type WorkerErrorName = (typeof WORKER_ERROR_NAMES)[number];

export interface FoveaWorkerApi {
  /**
   * Chooses the backend from evidence (core/backend/choice.ts: a hardware GPU, else WebAssembly, a probe where the
   * facts are unclear, the user's preference first), starts it, and fails with NoBackendError only when none starts.
   * `backend` defaults to { preference: 'auto', source: 'settings' }.
   */
  init(onEvent: (e: WorkerEvent) => void, modelUrl: string, backend?: BackendRequest): Promise<BackendInfo>;
  /**
   * Chooses and starts the backend again for a new preference; the current model's weights move to it (nothing
   * the page holds is lost). Rejects with BusyError while a run is in progress.
   */
  setBackendPreference(request: BackendRequest): Promise<BackendInfo>;
  /** Times GoogLeNet on the current backend (worker/probe.ts) and answers images/s; null while a run is in progress. */
  measureSpeed(): Promise<number | null>;
  /**
   * Reads the project's stored images from this IndexedDB database (storage/project-db.ts) from now on; null: none.
   * The page calls it once it has opened (and upgraded) the database.
   */
  openProject(databaseName: string | null): Promise<void>;
  /**
   * Decodes each file once and answers its stored copy (cropped as `options` say, at the stored side) and a
   * thumbnail, for the page to save; keeps nothing. Bad files are listed, never thrown.
   */
  addImages(files: ImageFileInput[], options: DecodeOptions): Promise<AddImagesResult>;
  /** Keeps stored copies the page could not save (storage full, no IndexedDB) for this session. */
  holdImages(images: StoredPixels[]): Promise<void>;
  /** Forgets held copies of removed images (saved ones are deleted by the page). */
  removeImages(ids: string[]): Promise<void>;
  /** Rejects with GpuRequiredError, before anything starts, when the run trains convolutions on a CPU backend. */
  train(request: TrainRequest): Promise<TrainResult>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  /** Prepares the image as the current model's manifest says (crop, colour, test-time rotations, calibration). */
  predict(file: Blob): Promise<ImagePrediction>;
  /** The current model (trained or imported) as a zip: model.json, weight shards, fovea.json, MODEL_CARD.md. */
  exportModel(): Promise<Uint8Array>;
  /** Makes a package the current model; `origin` 'trained' for a run of this project restored from storage. */
  importModel(zip: Uint8Array, origin?: ModelInfo['origin']): Promise<ModelInfo>;
  modelInfo(): Promise<ModelInfo | null>;
}

// --- export formats (issue 10) ---
// The model in formats other apps read (ONNX, PyTorch safetensors), and training handed to PyTorch (torchrun)
// and taken back. Declared as a second FoveaWorkerApi block, which TypeScript merges with the one above.

/** The current model's weights for PyTorch: the safetensors file and the model.py that loads it. */
export interface TorchWeightsFiles {
  /** weights.safetensors: PyTorch names and layouts, the head described in `__metadata__`. */
  weights: Uint8Array;
  /** model.py (UTF-8): GoogLeNet with Caffe semantics; `model.load('weights.safetensors')`. */
  modelPy: Uint8Array;
}

/** A training run to hand to PyTorch: the same request as train(), plus what the job's manifest needs. */
export interface TrainingJobRequest extends TrainRequest {
  /** Patient id of each image, by image id: images of one patient stay on one side of the split. */
  patientIds: Record<string, string>;
  /** Also pack the images as the studio prepared them (cropped, resized) into a second zip. */
  includeImages: boolean;
}

export interface TrainingJobFiles {
  /** job/{manifest.json, settings.json, start.safetensors, model.py, train.py, README.md}. */
  job: Uint8Array;
  /** images/<nnnnnn>.rgb, or null when not asked for. */
  images: Uint8Array | null;
}

/** One file of train.py's output folder (weights.safetensors, metrics.json), or the folder zipped. */
export interface TrainingResultFile {
  name: string;
  bytes: Uint8Array;
}

export interface FoveaWorkerApi {
  /** The current model as ONNX (opset 13), preprocessing and labels in its metadata. Rejects with NoModelError. */
  exportOnnx(): Promise<Uint8Array>;
  /** The current model as safetensors under PyTorch names, with model.py. Rejects with NoModelError. */
  exportTorchWeights(): Promise<TorchWeightsFiles>;
  /** The run `request` describes as a torchrun job: starting weights built as train() would, manifest, settings, Python. */
  exportTrainingJob(request: TrainingJobRequest): Promise<TrainingJobFiles>;
  /**
   * train.py's result for the run `request` describes (the same dataset, split and classes) becomes the current
   * model, answered like a finished run of train() (curves, reports, summary). Rejects with ImportError.
   */
  importTrainingResult(request: TrainRequest, files: TrainingResultFile[]): Promise<TrainResult>;
}

// --- teaching (issue 8) ---
// Seeing inside the network (Grad-CAM, conv1 filters, a PCA map of pooled features) and comparing the four
// scenarios with a from-scratch baseline on one dataset. A further FoveaWorkerApi block, merged with the above.

/** Where Grad-CAM reads the feature maps: a GoogLeNet block (its output layer); the default is inception_5b. */
export type GradCamBlock = import('../core/train/config').BlockName;

export interface GradCamRequest {
  /** A dataset image (validation or test) by id, or a newly dropped image file. */
  source: { imageId: string } | { file: Blob };
  /** The class whose score is explained; defaults to the predicted class. */
  classIndex?: number;
  /** Defaults to inception_5b (or the deepest block the model has when its head sits earlier). */
  block?: GradCamBlock;
}

export interface GradCamAnswer {
  /** Values in [0, 1], row-major, at the block's resolution (7 x 7 for inception_5b at 224 px). */
  heatmap: { width: number; height: number; values: Float32Array };
  /** The image as the network saw it (cropped, resized, before colour normalisation), RGB, row-major. */
  image: { width: number; height: number; data: Uint8Array };
  classIndex: number;
  /** Softmax probability of classIndex on this (unrotated) image. */
  probability: number;
  /** The layer whose feature maps were weighted (e.g. inception_5b_output). */
  layerName: string;
  classNames: string[];
}

/** The five runs of a comparison: the four scenarios, and the same network trained from random weights. */
export type CompareRunId = import('../core/train/config').ScenarioId | 'from-scratch';
export const COMPARE_RUN_IDS: readonly CompareRunId[] = ['linear-top', 'finetune-all', 'linear-early', 'finetune-pretrained', 'from-scratch'];

export interface CompareRequest extends TrainRequest {
  /** Input size of the from-scratch run (a smaller one keeps it short on a slow backend); defaults to config.inputSize. */
  fromScratchInputSize?: number;
}

export interface CompareRunResult {
  id: CompareRunId;
  status: 'done' | 'skipped' | 'failed' | 'cancelled';
  /** Why it was skipped or failed, in plain words. */
  reason?: string;
  inputSize: number;
  /** Wall-clock seconds of the run (loading, caching, training, validating). */
  seconds?: number;
  /** Training images per second (as the progress bar showed at the end). */
  imagesPerSecond?: number;
  trainableParams?: number;
  epochs: EpochSummary[];
  /** The validation confusion matrix of the kept epoch. */
  confusion?: number[][];
  /** Validation report of the kept (lowest validation loss) epoch, with every image's prediction (the run's gallery);
   * compare-all's metric columns read it (core/eval/metric-definitions.ts reportColumns). */
  report?: EvalReport;
  /** The test split scored once with the kept weights; absent without a test split. */
  test?: EvalReport;
  /** Bytes of weights the worker keeps for this run so it can become the current model; absent when not kept. */
  keptBytes?: number;
}

export type CompareEvent =
  | { type: 'run-start'; index: number; id: CompareRunId }
  /** fraction: of the run in progress, 0..1. */
  | { type: 'run-progress'; index: number; fraction: number; epoch: number; imagesPerSecond: number }
  | { type: 'run-end'; index: number; result: CompareRunResult };

/** conv1's filters as an RGBA grid, and a 2-D PCA map of validation pooled features, before and after fine-tuning. */
export interface InsideNetworkAnswer {
  filtersBefore: { width: number; height: number; data: Uint8ClampedArray };
  filtersAfter: { width: number; height: number; data: Uint8ClampedArray };
  /** The fine-tuned conv1 equals the pretrained one (it was frozen). */
  filtersIdentical: boolean;
  /** Per validation image, in the order asked: its class and its coordinates on the two principal components. */
  pcaBefore: { points: [number, number][]; explained: [number, number] };
  pcaAfter: { points: [number, number][]; explained: [number, number] };
  classIndex: number[];
  classNames: string[];
  /** The layer the pooled features came from (the one the head reads). */
  featureLayer: string;
}

export interface FoveaWorkerApi {
  /** Grad-CAM of the current model for one image, on the current backend. Rejects with NoModelError or DatasetError. */
  gradCam(request: GradCamRequest): Promise<GradCamAnswer>;
  /**
   * Trains the five runs of a comparison one after another with the request's split, seed, epochs and
   * augmentation; runs the backend cannot train are answered as skipped. cancel() stops the comparison.
   * The current model is left as it was. Each finished run's weights are kept in the worker's memory (off the GPU)
   * until clearComparison() or the next compareAll(), so that makeComparedRunCurrent() can use any of them.
   */
  compareAll(request: CompareRequest, onEvent: (e: CompareEvent) => void): Promise<CompareRunResult[]>;
  /**
   * One kept run of the last comparison becomes the current model (summary, manifest and model card built as
   * for train()), answered like a finished train(). Rejects with NoModelError when that run is not kept, BusyError
   * during a run.
   */
  makeComparedRunCurrent(id: CompareRunId): Promise<TrainResult>;
  /** Drops the kept runs of the last comparison (their memory is freed). */
  clearComparison(): Promise<void>;
  /** Filters and PCA map of the current model against the pretrained network, on these validation images. */
  insideNetwork(items: { id: string; classIndex: number }[]): Promise<InsideNetworkAnswer>;
}
