import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrainingCheckpoint } from '../core/train/checkpoint';
import { resolveTrainConfig } from '../core/train/config';
import type { TrainRequest } from '../worker/protocol';

// The training worker cannot run in Node: a resume that gets as far as the worker is recorded here.
const worker = vi.hoisted(() => ({ train: vi.fn() }));
vi.mock('../worker/client', () => ({ foveaWorker: () => worker }));

const { useDatasetStore } = await import('./dataset');
const { useTrainingStore } = await import('./training');
const { discardInterrupted, resumeInterrupted, saveFinishedRun } = await import('./saved-runs');
type Storage = import('./project-storage').ProjectStorage;
type Saved = import('./project-storage').StoredCheckpoint;

const config = resolveTrainConfig({ epochs: 3, batchSize: 4 });
const request: TrainRequest = {
  config, classNames: ['No DR', 'DR'], ordinal: false, presetId: 'any-dr', dataset: { source: 'test' },
  items: [{ id: 'a', classIndex: 0, split: 'train' }, { id: 'b', classIndex: 1, split: 'train' }, { id: 'c', classIndex: 0, split: 'val' }],
};
const checkpoint: TrainingCheckpoint = {
  format: 'fovea-training-checkpoint', version: 1, config, classCount: 2, epoch: 0,
  epochs: [{ epoch: 0, trainLoss: 0.7, trainAccuracy: 0.5, valLoss: 0.69, valAccuracy: 0.5, learningRate: 0.01, seconds: 1 }],
  earlyStopping: { bestLoss: 0.69, bestEpoch: 0, wait: 0 }, featureScale: 1, weights: [], optimizers: { head: [], pretrained: [] },
  best: null, dropoutDraws: 1, pace: { imagesDone: 2, trainSeconds: 1 },
};
const saved: Saved = {
  request, info: { classNames: request.classNames, ordinal: false, trainCount: 2, valCount: 1, testCount: 0, startedAt: 1 },
  batches: [{ x: 1, loss: 0.7, accuracy: 0.5 }], checkpoint, savedAt: 2,
};

/** A project storage holding one interrupted run's checkpoint, in memory. */
function storageWith(value: Saved | null): Storage & { held: () => Saved | null } {
  let held = value;
  return {
    held: () => held,
    load: async () => ({ images: [], settings: null }), putImages: async () => {}, relabel: async () => {},
    getThumbnail: async () => null, putThumbnail: async () => {}, getPixels: async () => null, saveImportInProgress: async () => {},
    deleteImages: async () => {}, saveSettings: async () => {}, loadTrainForm: async () => null, saveTrainForm: async () => {},
    listRuns: async () => [], putRun: async () => {}, deleteRun: async () => {},
    loadBackendPreference: async () => null, saveBackendPreference: async () => {},
    getCheckpoint: async () => held, putCheckpoint: async (c) => { held = c; }, clearCheckpoint: async () => { held = null; },
  };
}

const showImages = (ids: string[]) => useDatasetStore.setState({
  images: ids.map((id) => ({ id, name: `${id}.jpg`, relativePath: `${id}.jpg`, sourceLabel: '0', patientId: id, fromSample: false })),
});

describe('resuming an interrupted run', () => {
  beforeEach(() => {
    useDatasetStore.getState().reset();
    useTrainingStore.getState().reset();
    worker.train.mockReset().mockReturnValue(new Promise(() => {}));
    useTrainingStore.getState().setInterrupted({ info: saved.info, epochsDone: 1, epochs: 3, batchSize: 4, savedAt: 2, reason: 'reload' });
  });

  it('refuses in plain words when images of the run were removed since, and starts nothing', async () => {
    showImages(['a', 'c']);
    await resumeInterrupted(storageWith(saved));
    expect(useTrainingStore.getState().storageProblem).toBe(
      "1 of the run's 3 images is no longer in the dataset, so it cannot continue where it stopped. Discard it and start a new run.");
    expect(worker.train).not.toHaveBeenCalled();
  });

  it('sends the saved request with its checkpoint, shows the curves so far, and at half the batch size when asked', async () => {
    showImages(['a', 'b', 'c']);
    void resumeInterrupted(storageWith(saved));
    await vi.waitFor(() => expect(worker.train).toHaveBeenCalledTimes(1));
    const sent = worker.train.mock.calls[0][0] as TrainRequest;
    expect(sent.resumeFrom).toBe(checkpoint);
    expect(sent.items).toEqual(request.items);
    expect(useTrainingStore.getState().epochs).toEqual(checkpoint.epochs);
    expect(useTrainingStore.getState().batches).toEqual(saved.batches);

    useTrainingStore.getState().reset();
    worker.train.mockClear();
    void resumeInterrupted(storageWith(saved), 2);
    await vi.waitFor(() => expect(worker.train).toHaveBeenCalledTimes(1));
    const halved = worker.train.mock.calls[0][0] as TrainRequest;
    expect(halved.config.batchSize).toBe(2);
    expect(halved.resumeFrom?.config.batchSize).toBe(2);
    expect(useTrainingStore.getState().form.batchSize).toBe(2);
  });

  it('discarding drops the saved checkpoint and the banner', async () => {
    const storage = storageWith(saved);
    await discardInterrupted(storage);
    expect(storage.held()).toBeNull();
    expect(useTrainingStore.getState().interrupted).toBeNull();
  });

  it('a finished run that cannot be saved (storage full) still drops its checkpoint: a reload offers no resume of a finished run', async () => {
    for (const putFails of [false, true]) {
      const storage = storageWith(saved);
      const putRun = vi.fn(async () => { if (putFails) throw Object.assign(new Error('quota exceeded'), { name: 'QuotaExceededError' }); });
      const run = { id: 'run-1', finishedAt: 5 } as unknown as import('./training').FinishedRun;
      await saveFinishedRun(run, { ...storage, putRun }, async () => new Uint8Array([0x50, 0x4b, 3, 4]));
      expect(putRun).toHaveBeenCalledTimes(1);
      expect(storage.held()).toBeNull();
    }
  });
});
