/**
 * The current model (trained in this session or imported from a package), the last single-image
 * prediction, and the state of export and import. Plain data; blob URLs are strings this store revokes.
 */
import { create } from 'zustand';
import type { ImagePrediction, ModelInfo } from '../worker/protocol';
import { foveaWorker } from '../worker/client';
import { toUserError, type UserError } from './errors';

export type TaskStatus = 'idle' | 'busy';

export interface PredictionShown {
  fileName: string;
  /** Object URL of the dropped image, for the preview. */
  imageUrl: string;
  result: ImagePrediction;
}

export interface ExportedPackage {
  fileName: string;
  /** Object URL of the zip, for the download link. */
  url: string;
  bytes: number;
}

/** The model in formats other apps read: ONNX (ONNX Runtime, anywhere) and PyTorch (safetensors + model.py). */
export type ModelFormat = 'onnx' | 'pytorch';

export interface ModelState {
  info: ModelInfo | null;
  prediction: PredictionShown | null;
  predictStatus: TaskStatus;
  predictError: UserError | null;
  exportStatus: TaskStatus;
  exported: ExportedPackage | null;
  exportError: UserError | null;
  importStatus: TaskStatus;
  /** Name of the last package imported successfully. */
  importedFileName: string | null;
  importError: UserError | null;
  /** MODEL_CARD.md of the current model, as it goes into the exported zip (trained, or read from an imported
   * package); null until there is one, or when an imported package has none. */
  modelCard: string | null;
  /** The format being written now, if any. */
  formatBusy: ModelFormat | null;
  /** Files of the last export in each format (pytorch: the .safetensors, then model.py). */
  formatFiles: Partial<Record<ModelFormat, ExportedPackage[]>>;
  formatError: UserError | null;
}

export interface ModelActions {
  /** Asks the worker which model it holds now (after training or import). */
  refreshInfo(): Promise<void>;
  /** Shows a model the worker now holds (a finished run's); a prediction of the previous model is cleared. */
  showModel(info: ModelInfo): void;
  predict(file: File): Promise<void>;
  clearPrediction(): void;
  /** Builds the zip in the worker; returns the package for the caller to save. */
  exportModel(): Promise<ExportedPackage | null>;
  importModel(file: File): Promise<void>;
  /** Writes the current model in `format` in the worker; returns its files for the caller to save. */
  exportFormat(format: ModelFormat): Promise<ExportedPackage[] | null>;
  dismissErrors(): void;
  reset(): void;
}

export const initialModelState: ModelState = {
  info: null,
  prediction: null,
  predictStatus: 'idle',
  predictError: null,
  exportStatus: 'idle',
  exported: null,
  exportError: null,
  importStatus: 'idle',
  importedFileName: null,
  importError: null,
  modelCard: null,
  formatBusy: null,
  formatFiles: {},
  formatError: null,
};

/** fovea-2025-01-31.zip (local date), or with another extension. */
export function exportFileName(date = new Date(), extension = '.zip'): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `fovea-${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}${extension}`;
}

/** A file for a download link: the caller revokes its URL when it is replaced. */
export function fileForDownload(bytes: Uint8Array, fileName: string, type: string): ExportedPackage {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
  return { fileName, url: URL.createObjectURL(blob), bytes: blob.size };
}

/** The current model's files in `format`, from the worker. */
async function modelFiles(format: ModelFormat): Promise<ExportedPackage[]> {
  const worker = foveaWorker();
  switch (format) {
    case 'onnx':
      return [fileForDownload(await worker.exportOnnx(), exportFileName(new Date(), '.onnx'), 'application/octet-stream')];
    case 'pytorch': {
      const { weights, modelPy } = await worker.exportTorchWeights();
      return [
        fileForDownload(weights, exportFileName(new Date(), '.safetensors'), 'application/octet-stream'),
        fileForDownload(modelPy, 'model.py', 'text/x-python'),
      ];
    }
    default: {
      const unknown: never = format;
      throw new Error(`unknown model format ${String(unknown)}`);
    }
  }
}

export const useModelStore = create<ModelState & ModelActions>()((set, get) => ({
  ...initialModelState,

  refreshInfo: async () => {
    try {
      const info = await foveaWorker().modelInfo();
      set({ info, modelCard: info?.modelCard ?? null });
    } catch {
      // Leave what is shown; the next action that needs the model reports a plain error.
    }
  },

  showModel: (info) => {
    get().clearPrediction();
    set({ info, modelCard: info.modelCard });
  },

  predict: async (file) => {
    if (get().predictStatus === 'busy') return;
    set({ predictStatus: 'busy', predictError: null });
    try {
      const result = await foveaWorker().predict(file);
      const old = get().prediction;
      if (old) URL.revokeObjectURL(old.imageUrl);
      set({ prediction: { fileName: file.name, imageUrl: URL.createObjectURL(file), result }, predictStatus: 'idle' });
    } catch (e) {
      set({ predictStatus: 'idle', predictError: toUserError(e) });
    }
  },

  clearPrediction: () => {
    const old = get().prediction;
    if (old) URL.revokeObjectURL(old.imageUrl);
    set({ prediction: null, predictError: null });
  },

  exportModel: async () => {
    if (get().exportStatus === 'busy') return null;
    set({ exportStatus: 'busy', exportError: null });
    try {
      const bytes = await foveaWorker().exportModel();
      const old = get().exported;
      if (old) URL.revokeObjectURL(old.url);
      const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' });
      const exported: ExportedPackage = { fileName: exportFileName(), url: URL.createObjectURL(blob), bytes: blob.size };
      set({ exported, exportStatus: 'idle' });
      return exported;
    } catch (e) {
      set({ exportStatus: 'idle', exportError: toUserError(e) });
      return null;
    }
  },

  importModel: async (file) => {
    if (get().importStatus === 'busy') return;
    set({ importStatus: 'busy', importError: null });
    try {
      const zip = new Uint8Array(await file.arrayBuffer());
      const info = await foveaWorker().importModel(zip);
      get().clearPrediction();
      set({ info, modelCard: info.modelCard, importStatus: 'idle', importedFileName: file.name });
    } catch (e) {
      set({ importStatus: 'idle', importError: toUserError(e) });
    }
  },

  exportFormat: async (format) => {
    if (get().formatBusy) return null;
    set({ formatBusy: format, formatError: null });
    try {
      const files = await modelFiles(format);
      for (const old of get().formatFiles[format] ?? []) URL.revokeObjectURL(old.url);
      set((s) => ({ formatBusy: null, formatFiles: { ...s.formatFiles, [format]: files } }));
      return files;
    } catch (e) {
      set({ formatBusy: null, formatError: toUserError(e) });
      return null;
    }
  },

  dismissErrors: () => set({ predictError: null, exportError: null, importError: null, formatError: null }),

  reset: () => {
    const { prediction, exported, formatFiles } = get();
    if (prediction) URL.revokeObjectURL(prediction.imageUrl);
    if (exported) URL.revokeObjectURL(exported.url);
    for (const files of Object.values(formatFiles)) for (const f of files ?? []) URL.revokeObjectURL(f.url);
    set(initialModelState);
  },
}));
