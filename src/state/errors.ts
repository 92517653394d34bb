/**
 * Errors the user can cause or meet, as plain data for the UI: the worker's error name, its plain-words
 * message, and what to do next. The worker rejects with an Error whose `name` is a WorkerErrorName.
 */
import { WORKER_ERROR_NAMES, type WorkerErrorName } from '../worker/protocol';

export interface UserError {
  name: WorkerErrorName;
  message: string;
  /** What to do next, in plain words. */
  hint: string;
}

const HINTS: Record<WorkerErrorName, string> = {
  NoBackendError:
    'Open Fovea in a recent Chrome or Edge with hardware acceleration turned on (Settings → System), then reload the page.',
  GpuRequiredError:
    'Choose scenario 1 or 3 on the Train screen (only the new classifier trains), or open Fovea in a browser with WebGPU.',
  DeviceLostError:
    'The graphics card ran out of memory or was reset, and training stopped. Fovea restarts the GPU by itself and your dataset is kept: resume the run from its last completed epoch, or start again (a smaller batch size or input size helps if memory ran out). Finished runs are saved in this browser.',
  DatasetError: 'Fix the dataset on the Dataset screen, then start training again.',
  InvalidTrainConfigError: 'Change the highlighted setting on the Train screen and try again.',
  TrainingDivergedError:
    'Lower the learning rate on the Train screen (ten times lower is a good first try) and train again. Your dataset and your last finished model are kept.',
  NoModelError: 'Train a model on the Train screen, or import a model package on the Export screen, first.',
  ImportError: 'Choose a .zip file that was exported from Fovea (it contains model.json, weight files and fovea.json).',
  BusyError: 'Wait for the current task to finish (or cancel training), then try again.',
  CancelledError: 'Training was cancelled. Start it again when you are ready.',
  CheckpointError: 'Discard the interrupted run on the Train screen and start training again; your dataset and finished runs are kept.',
  InternalError: 'This is a problem in Fovea, not in your data. Reload the page and try again; your files stay on your computer.',
};

export function isWorkerErrorName(name: string): name is WorkerErrorName {
  return (WORKER_ERROR_NAMES as readonly string[]).includes(name);
}

/** Turns anything a worker call rejected with into a UserError. */
export function toUserError(e: unknown): UserError {
  const rawName = e instanceof Error ? e.name : typeof e === 'object' && e && 'name' in e ? String((e as { name: unknown }).name) : '';
  const name: WorkerErrorName = isWorkerErrorName(rawName) ? rawName : 'InternalError';
  const rawMessage = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const message = rawMessage.trim() || 'Something went wrong in the training worker.';
  return { name, message, hint: HINTS[name] };
}
