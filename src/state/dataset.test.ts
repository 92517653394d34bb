import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageFileInput } from '../worker/protocol';

const worker = vi.hoisted(() => ({ addImages: vi.fn(), removeImages: vi.fn() }));
const storage = vi.hoisted(() => ({ putImages: vi.fn() }));
vi.mock('../worker/client', () => ({ foveaWorker: () => worker }));
vi.mock('./project-storage', () => ({ datasetStorage: () => storage, downscaleForStorage: async (file: Blob) => file }));

const { useDatasetStore, WORKER_BATCH_SIZE } = await import('./dataset');

/** `count` JPEG files in a class folder, as a folder drop hands them over. */
const folderOf = (count: number) => Array.from({ length: count }, (_, i) => ({
  file: new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' }), name: `eye${i}.jpg`, path: `0_No_DR/eye${i}.jpg`,
}));

const decodeAll = async (files: ImageFileInput[]) => ({
  added: files.map((f) => ({ id: f.id, thumbnail: new Blob(['thumb']), width: 224, height: 224 })), rejected: [],
});

describe('stopping a load', () => {
  beforeEach(() => {
    useDatasetStore.getState().reset();
    worker.addImages.mockReset().mockImplementation(decodeAll);
    storage.putImages.mockReset().mockResolvedValue(undefined);
  });

  it('stops after the batch in flight: that batch is listed and saved, the rest is not sent, a notice counts both', async () => {
    const total = 2 * WORKER_BATCH_SIZE + 8;
    worker.addImages.mockImplementationOnce(async (files: ImageFileInput[]) => {
      useDatasetStore.getState().stopAdding(); // the user clicks while the first batch decodes
      expect(useDatasetStore.getState().stopRequested).toBe(true);
      return decodeAll(files);
    });
    await useDatasetStore.getState().addFiles(folderOf(total), { sourceName: 'eyes' });

    const state = useDatasetStore.getState();
    expect(worker.addImages).toHaveBeenCalledTimes(1);
    expect(state.images).toHaveLength(WORKER_BATCH_SIZE);
    expect(storage.putImages.mock.calls.flatMap(([saved]) => saved.map((s: { id: string }) => s.id)))
      .toEqual(state.images.map((i) => i.id));
    expect(state.notices.map(({ id: _id, ...n }) => n)).toEqual([{ kind: 'adding-stopped', added: WORKER_BATCH_SIZE, notAdded: total - WORKER_BATCH_SIZE }]);
    expect(state.progress).toBeNull();
    expect(state.stopRequested).toBe(false);
  });

  it('adds every batch, each saved before it is listed, when nobody stops it', async () => {
    const total = 2 * WORKER_BATCH_SIZE + 8;
    // An image listed is an image saved: a removal from the list can never race its save.
    storage.putImages.mockImplementation(async (saved: { id: string }[]) => {
      const listed = new Set(useDatasetStore.getState().images.map((i) => i.id));
      expect(saved.filter((s) => listed.has(s.id))).toEqual([]);
    });
    await useDatasetStore.getState().addFiles(folderOf(total), { sourceName: 'eyes' });
    expect(worker.addImages).toHaveBeenCalledTimes(3);
    expect(useDatasetStore.getState().images).toHaveLength(total);
    // Saved in order, with the order the list shows (0..total-1).
    expect(storage.putImages.mock.calls.flatMap(([saved]) => saved.map((s: { order: number }) => s.order)))
      .toEqual(Array.from({ length: total }, (_, i) => i));
    expect(useDatasetStore.getState().notices).toEqual([]);
  });

  it('ignores a stop with nothing to stop, and reset clears a pending one', () => {
    useDatasetStore.getState().stopAdding();
    expect(useDatasetStore.getState().stopRequested).toBe(false);
    useDatasetStore.setState({ progress: { stage: 'decoding', done: 0, total: 5, batchStart: 0, stoppable: true } });
    useDatasetStore.getState().stopAdding();
    expect(useDatasetStore.getState().stopRequested).toBe(true);
    useDatasetStore.getState().reset();
    expect(useDatasetStore.getState().stopRequested).toBe(false);
  });
});
