/**
 * Training handed to PyTorch and taken back: the exported training job (the zip train.py runs with torchrun,
 * and optionally the images as a second zip), and train.py's result imported as a finished run of the
 * training store. Plain data; blob URLs are strings this store revokes.
 */
import { create } from 'zustand';
import type { TrainingResultFile } from '../worker/protocol';
import { foveaWorker } from '../worker/client';
import { useDatasetStore } from './dataset';
import { toUserError, type UserError } from './errors';
import { exportFileName, fileForDownload, type ExportedPackage, type TaskStatus } from './model';
import { currentTrainRequest, runInfoOf, useTrainingStore } from './training';

export interface ExportedJob {
  job: ExportedPackage;
  /** The images zip, when it was asked for. */
  images: ExportedPackage | null;
}

export interface ExternalTrainingState {
  /** Also pack the images (as the studio prepared them) into a second zip. Defaults to true. */
  includeImages: boolean;
  jobStatus: TaskStatus;
  job: ExportedJob | null;
  jobError: UserError | null;
  resultStatus: TaskStatus;
  /** Names of the files of the last result imported successfully. */
  importedResult: string[] | null;
  /** createdAt of the model that result became: while it is the current model, it was trained by PyTorch. */
  importedModelCreatedAt: string | null;
  resultError: UserError | null;
}

export interface ExternalTrainingActions {
  setIncludeImages(include: boolean): void;
  /** Packs the current dataset, split and training settings as a job; returns it for the caller to save. */
  exportJob(): Promise<ExportedJob | null>;
  /** Reads train.py's result (its folder zipped, or weights.safetensors + metrics.json) as a finished run. */
  importResult(files: File[]): Promise<void>;
  dismissErrors(): void;
  reset(): void;
}

export const initialExternalTrainingState: ExternalTrainingState = {
  includeImages: true,
  jobStatus: 'idle',
  job: null,
  jobError: null,
  resultStatus: 'idle',
  importedResult: null,
  importedModelCreatedAt: null,
  resultError: null,
};

/** fovea-job-2025-01-31.zip, fovea-job-2025-01-31-images.zip (local date). */
export function jobFileNames(date = new Date()): { job: string; images: string } {
  const stem = exportFileName(date, '').replace(/^fovea-/, 'fovea-job-');
  return { job: `${stem}.zip`, images: `${stem}-images.zip` };
}

function revoke(job: ExportedJob | null): void {
  if (!job) return;
  URL.revokeObjectURL(job.job.url);
  if (job.images) URL.revokeObjectURL(job.images.url);
}

export const useExternalTrainingStore = create<ExternalTrainingState & ExternalTrainingActions>()((set, get) => ({
  ...initialExternalTrainingState,

  setIncludeImages: (includeImages) => set({ includeImages }),

  exportJob: async () => {
    if (get().jobStatus === 'busy') return null;
    set({ jobStatus: 'busy', jobError: null });
    try {
      const request = currentTrainRequest(useTrainingStore.getState().form);
      const patientIds = Object.fromEntries(useDatasetStore.getState().images.map((im) => [im.id, im.patientId] as const));
      const files = await foveaWorker().exportTrainingJob({ ...request, patientIds, includeImages: get().includeImages });
      const names = jobFileNames();
      const job: ExportedJob = {
        job: fileForDownload(files.job, names.job, 'application/zip'),
        images: files.images ? fileForDownload(files.images, names.images, 'application/zip') : null,
      };
      revoke(get().job);
      set({ job, jobStatus: 'idle' });
      return job;
    } catch (e) {
      set({ jobStatus: 'idle', jobError: toUserError(e) });
      return null;
    }
  },

  importResult: async (files) => {
    if (get().resultStatus === 'busy' || files.length === 0) return;
    set({ resultStatus: 'busy', resultError: null });
    try {
      const request = currentTrainRequest(useTrainingStore.getState().form);
      const read: TrainingResultFile[] = await Promise.all(
        files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
      );
      const result = await foveaWorker().importTrainingResult(request, read);
      // Started as long ago as its epochs took, so that the Train screen's duration is PyTorch's.
      const seconds = result.epochs.reduce((sum, e) => sum + e.seconds, 0);
      useTrainingStore.getState().finishRun(runInfoOf(request, Date.now() - 1000 * seconds), result);
      set({ resultStatus: 'idle', importedResult: files.map((f) => f.name), importedModelCreatedAt: result.model.manifest.createdAt });
    } catch (e) {
      set({ resultStatus: 'idle', resultError: toUserError(e) });
    }
  },

  dismissErrors: () => set({ jobError: null, resultError: null }),

  reset: () => {
    revoke(get().job);
    set(initialExternalTrainingState);
  },
}));
