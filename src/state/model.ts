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
};

/** fovea-2025-01-31.zip (local date). */
export function exportFileName(date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `fovea-${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}.zip`;
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

  dismissErrors: () => set({ predictError: null, exportError: null, importError: null }),

  reset: () => {
    const { prediction, exported } = get();
    if (prediction) URL.revokeObjectURL(prediction.imageUrl);
    if (exported) URL.revokeObjectURL(exported.url);
    set(initialModelState);
  },
}));
