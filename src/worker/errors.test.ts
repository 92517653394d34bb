import { describe, expect, it } from 'vitest';
import { PackageImportError } from '../core/export/package';
import { EmptyClassError } from '../core/train/class-weights';
import { resolveTrainConfig } from '../core/train/config';
import { CancelledError } from '../core/train/run-control';
import { TrainingDataError, TrainingDivergedError } from '../core/train/trainer';
import { toWorkerError, WorkerError } from './errors';

describe('the worker error mapping', () => {
  it('says a diverged run diverged, at which epoch (counted from 1), and what to lower', () => {
    const e = toWorkerError(new TrainingDivergedError(2, 5, NaN, resolveTrainConfig({ learningRate: 0.01 })), null);
    expect(e.name).toBe('TrainingDivergedError');
    expect(e.message).toMatch(/^Training diverged at epoch 3 batch 5 .*lower the learning rate \(e\.g\. 10x, to 0\.001\)/);
  });

  it('maps core data, import and cancel errors by class, keeping their messages', () => {
    expect(toWorkerError(new TrainingDataError('The validation split has no images.'), null))
      .toMatchObject({ name: 'DatasetError', message: 'The validation split has no images.' });
    expect(toWorkerError(new EmptyClassError(1), null).name).toBe('DatasetError');
    expect(toWorkerError(new PackageImportError('not a zip'), null).name).toBe('ImportError');
    expect(toWorkerError(new CancelledError(), null).name).toBe('CancelledError');
  });

  it('passes its own errors through and wraps anything else as an internal error', () => {
    const own = new WorkerError('BusyError', 'busy');
    expect(toWorkerError(own, null)).toBe(own);
    const other = toWorkerError(new TypeError('x is undefined'), null);
    expect(other.name).toBe('InternalError');
    expect(other.message).toMatch(/x is undefined/);
  });

  it('reports every failure after a lost GPU device as the lost device', () => {
    expect(toWorkerError(new TrainingDataError('anything'), 'out of memory').name).toBe('DeviceLostError');
    expect(toWorkerError(new Error('GPU device was lost'), null).name).toBe('DeviceLostError');
  });

  it('reads a read in flight on a destroyed WebGPU device as a lost device, and says the dataset is kept', () => {
    // Chromium's words when GPUDevice.destroy() ends a pending read (seen in e2e/device-loss.spec.mjs).
    const e = toWorkerError(new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved."), null);
    expect(e.name).toBe('DeviceLostError');
    expect(e.message).toMatch(/dataset is kept/);
    expect(e.message).toMatch(/resume the run from its last completed epoch without reloading/);
  });
});
