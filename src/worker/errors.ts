/**
 * The worker's one error mapping: whatever a call threw becomes an Error whose `name` is a WorkerErrorName
 * (protocol.ts) and whose message says, in plain words, what happened. Core's error classes are matched with
 * instanceof here and nowhere else; they keep their own names.
 */
import { InvalidFundusConfigError } from '../core/data/fundus';
import { InvalidInputSizeError } from '../core/model/input-size';
import { PackageImportError } from '../core/export/package';
import { CheckpointMismatchError } from '../core/train/checkpoint';
import { EmptyClassError } from '../core/train/class-weights';
import { InvalidTrainConfigError } from '../core/train/config';
import { CancelledError } from '../core/train/run-control';
import { TrainingDataError, TrainingDivergedError } from '../core/train/trainer';
import { NoBackendError } from './backend';
import type { WorkerErrorName } from './protocol';

/** An error already in the protocol's terms: toWorkerError passes it through unchanged. */
export class WorkerError extends Error {
  constructor(override readonly name: WorkerErrorName, message: string) {
    super(message);
  }
}

/**
 * Messages of a GPU device that is gone (WebGPU and WebGL word it differently). A pending mapAsync whose
 * buffer vanished is how Chromium's WebGPU reports a destroyed device to a read in flight, often before
 * the device's `lost` promise settles.
 */
const DEVICE_LOST = /device (was |is )?lost|Instance reference no longer exists|GPUDevice.*destroyed|unmapped before mapping was resolved/i;

export function isDeviceLostMessage(message: string): boolean {
  return DEVICE_LOST.test(message);
}

export function deviceLostError(reason: string): WorkerError {
  return new WorkerError('DeviceLostError',
    `The GPU stopped responding (${reason}). Training stopped; Fovea starts the GPU again by itself and your ` +
      'dataset is kept, so you can resume the run from its last completed epoch without reloading (if the GPU ran ' +
      'out of memory, try a smaller batch size or input size). Finished runs are saved in this browser.');
}

/** Which protocol name a core error travels under; null for errors the user did not cause. */
function nameOf(err: Error): WorkerErrorName | null {
  if (err instanceof WorkerError) return err.name;
  if (err instanceof NoBackendError) return 'NoBackendError';
  if (err instanceof TrainingDataError || err instanceof EmptyClassError) return 'DatasetError';
  if (err instanceof InvalidTrainConfigError || err instanceof InvalidInputSizeError || err instanceof InvalidFundusConfigError) {
    return 'InvalidTrainConfigError';
  }
  // Its message counts epochs from 1 and says what to change (a lower learning rate, balanced sampling).
  if (err instanceof TrainingDivergedError) return 'TrainingDivergedError';
  if (err instanceof CancelledError) return 'CancelledError';
  if (err instanceof CheckpointMismatchError) return 'CheckpointError';
  if (err instanceof PackageImportError) return 'ImportError';
  return null;
}

/**
 * Translates any failure into a WorkerError the UI can show. `deviceLost` is the reason the GPU device was
 * lost, if it was: every failure after that is reported as the lost device.
 */
export function toWorkerError(e: unknown, deviceLost: string | null): WorkerError {
  if (deviceLost) return deviceLostError(deviceLost);
  if (e instanceof WorkerError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (isDeviceLostMessage(err.message)) return deviceLostError(err.message);
  const name = nameOf(err);
  if (name) return new WorkerError(name, err.message);
  return new WorkerError('InternalError', `Something went wrong inside the training worker: ${err.message}`);
}
