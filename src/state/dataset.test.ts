import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageFileInput } from '../worker/protocol';

const worker = vi.hoisted(() => ({ addImages: vi.fn(), removeImages: vi.fn(), holdImages: vi.fn() }));
const storage = vi.hoisted(() => ({ putImages: vi.fn(), saveImportInProgress: vi.fn(async (_marker: { source: string; total: number; imagesBefore: number } | null) => undefined) }));
vi.mock('../worker/client', () => ({ foveaWorker: () => worker }));
vi.mock('./project-storage', () => ({ projectStorage: () => storage }));

const { useDatasetStore, WORKER_BATCH_SIZE } = await import('./dataset');

/** `count` JPEG files in a class folder, as a folder drop hands them over. */
const folderOf = (count: number) => Array.from({ length: count }, (_, i) => ({
  file: new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' }), name: `eye${i}.jpg`, path: `0_No_DR/eye${i}.jpg`,
}));

const decodeAll = async (files: ImageFileInput[]) => ({
  added: files.map((f) => ({
    id: f.id, stored: new ArrayBuffer(1000), prepared: { crop: 'field-of-view', side: 224 }, thumbnail: new ArrayBuffer(5), width: 224, height: 224,
  })), rejected: [],
});

/** What putImages was handed, flattened over its calls. */
const savedImages = () => storage.putImages.mock.calls.flatMap(([saved]) => saved as { meta: { id: string; order: number }; pixels: { id: string; data: ArrayBuffer } }[]);

describe('stopping a load', () => {
  beforeEach(() => {
    useDatasetStore.getState().reset();
    worker.addImages.mockReset().mockImplementation(decodeAll);
    worker.holdImages.mockReset().mockResolvedValue(undefined);
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
    expect(savedImages().map((s) => s.meta.id)).toEqual(state.images.map((i) => i.id));
    expect(state.notices.map(({ id: _id, ...n }) => n)).toEqual([{ kind: 'adding-stopped', added: WORKER_BATCH_SIZE, notAdded: total - WORKER_BATCH_SIZE }]);
    expect(state.progress).toBeNull();
    expect(state.stopRequested).toBe(false);
  });

  it('adds every batch, each saved before it is listed, when nobody stops it', async () => {
    const total = 2 * WORKER_BATCH_SIZE + 8;
    // An image listed is an image saved: a removal from the list can never race its save.
    storage.putImages.mockImplementation(async (saved: { meta: { id: string } }[]) => {
      const listed = new Set(useDatasetStore.getState().images.map((i) => i.id));
      expect(saved.filter((s) => listed.has(s.meta.id))).toEqual([]);
    });
    await useDatasetStore.getState().addFiles(folderOf(total), { sourceName: 'eyes' });
    expect(worker.addImages).toHaveBeenCalledTimes(3);
    expect(useDatasetStore.getState().images).toHaveLength(total);
    // Saved in order, with the order the list shows (0..total-1).
    expect(savedImages().map((s) => s.meta.order)).toEqual(Array.from({ length: total }, (_, i) => i));
    // Each image's stored copy is saved beside its metadata, under its id: the worker reads it from there.
    expect(savedImages().every((s) => s.pixels.id === s.meta.id && s.pixels.data.byteLength === 1000)).toBe(true);
    expect(worker.holdImages).not.toHaveBeenCalled();
    expect(useDatasetStore.getState().notices).toEqual([]);
  });

  it('storage full mid-import: what was saved stays, adding stops, the worker holds the unsaved batch, and the room needed is said', async () => {
    const total = 4 * WORKER_BATCH_SIZE;
    const quota = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    storage.putImages.mockResolvedValueOnce(undefined).mockRejectedValue(quota);
    await useDatasetStore.getState().addFiles(folderOf(total), { sourceName: 'eyes' });
    const state = useDatasetStore.getState();
    // The first batch was saved; the second failed to save, and the third (decoded while the second was being
    // saved) too: both are held by the worker for this session, still listed; the fourth was never decoded.
    expect(worker.addImages).toHaveBeenCalledTimes(3);
    expect(worker.holdImages.mock.calls.map(([held]) => held.length)).toEqual([WORKER_BATCH_SIZE, WORKER_BATCH_SIZE]);
    expect(state.images).toHaveLength(3 * WORKER_BATCH_SIZE);
    const full = state.notices.find((n) => n.kind === 'storage-full');
    expect(full).toMatchObject({ kind: 'storage-full', saved: WORKER_BATCH_SIZE });
    // Room for the two unsaved batches and the batch never sent (1000 + 5 bytes an image, as saved).
    expect(full).toMatchObject({ notAdded: WORKER_BATCH_SIZE, bytesNeeded: 3 * WORKER_BATCH_SIZE * 1005 });
    expect(state.notices.some((n) => n.kind === 'adding-stopped')).toBe(false);
  });

  it('restores a saved dataset from its metadata alone: the worker decodes nothing', async () => {
    const images = Array.from({ length: 3000 }, (_, i) => ({
      id: `img-${i}`, name: `e${i}.jpg`, relativePath: `0/e${i}.jpg`, sourceLabel: '0', patientId: `p${i}`, fromSample: false, order: i,
    }));
    await useDatasetStore.getState().restoreSaved({
      images, settings: { presetId: 'dr-5-grades', split: { seed: 7, valFraction: 0.2, testFraction: 0.1 }, fieldOfViewCrop: false, storedSide: 768, declaredLabels: [], sampleAttribution: null },
    });
    const state = useDatasetStore.getState();
    expect(state.images.map((i) => i.id)).toEqual(images.map((i) => i.id));
    expect(state.storedSide).toBe(768);
    expect(state.fieldOfViewCrop).toBe(false);
    expect(worker.addImages).not.toHaveBeenCalled();
  });

  it('an import left by a reload part-way is marked while it runs, and the restored dataset says what was not added', async () => {
    storage.saveImportInProgress.mockClear();
    await useDatasetStore.getState().addFiles(folderOf(20), { sourceName: 'eyes' });
    // Marked at the start (source, total, images before), cleared at the end.
    expect(storage.saveImportInProgress.mock.calls.map(([m]) => m && { source: m.source, total: m.total, imagesBefore: m.imagesBefore }))
      .toEqual([{ source: 'eyes', total: 20, imagesBefore: 0 }, null]);

    useDatasetStore.getState().reset();
    const images = Array.from({ length: 130 }, (_, i) => ({
      id: `img-${i}`, name: `e${i}.jpg`, relativePath: `0/e${i}.jpg`, sourceLabel: '0', patientId: `p${i}`, fromSample: false, order: i,
    }));
    await useDatasetStore.getState().restoreSaved({
      images, settings: null, interruptedImport: { source: 'fundus-dev', total: 2889, imagesBefore: 100, startedAt: 1 },
    });
    expect(useDatasetStore.getState().notices.map(({ id: _id, ...n }) => n)).toContainEqual(
      { kind: 'import-interrupted', source: 'fundus-dev', added: 30, total: 2889 });
    expect(useDatasetStore.getState().images).toHaveLength(130);
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
