/**
 * The dataset as the UI shows it: one entry per image added (its stored copy and thumbnail live in the project's
 * storage, referred to by id; the worker reads the pixels when a run needs them), where its label came from, the
 * label preset, the split and storage settings, and the problems met while loading (rejected files, CSV
 * mismatches, empty drops, storage full). Loading more never loses what is there.
 */
import { create } from 'zustand';
import { patientIdOf, baseNameOf } from '../core/data/labels';
import { displayNameOf, notImageReason } from '../core/data/file-names';
import { labelDrop, NO_PENDING_LABELS, type DropNotice, type PendingLabels } from '../core/data/drop-labels';
import { type LabelPresetId, suggestPreset } from '../core/data/presets';
import type { AddImagesResult, ImageFileInput, RejectedFile } from '../worker/protocol';
import { foveaWorker } from '../worker/client';
import { toUserError } from './errors';
import { projectStorage, type NewStoredImage, type SavedDataset } from './project-storage';
import { thumbnails } from './thumbnails';

export interface DatasetImage {
  id: string;
  name: string;
  /** Path as dropped (folder drop) or the file name. */
  relativePath: string;
  /** The label as found: folder name or CSV value (before the preset maps it to a class). */
  sourceLabel: string;
  patientId: string;
  fromSample: boolean;
}

/** A file handed to the dataset: a dropped/selected file or a downloaded sample image. */
export interface IncomingFile {
  file: Blob;
  name: string;
  /** Path relative to what was dropped (`0_No_DR/a.jpg`), or just the name for loose files. */
  path: string;
}

export interface AddFilesOptions {
  /** What was dropped or chosen, for messages ("no images found in …"). */
  sourceName: string;
  fromSample?: boolean;
  /** Folders found empty while walking a drop (relative paths), so an empty class is reported. */
  emptyFolders?: string[];
}

export type NoticeTone = 'info' | 'warning' | 'error';

/** What to tell the user about a load, as data; the dataset screen puts it into words. */
export type DatasetNoticeKind =
  | DropNotice
  | { kind: 'duplicates-skipped'; count: number }
  | { kind: 'loading-stopped'; message: string; hint: string }
  | { kind: 'sample-download-failed'; reason: string }
  /** Saving to the browser's storage failed (quota, private mode): what is on screen is kept, a reload loses it. */
  | { kind: 'storage-failed'; reason: string }
  /**
   * The browser's storage for this site is full: adding stopped; `saved` images of the load are kept, `notAdded`
   * were not added, and about `bytesNeeded` more bytes would hold them.
   */
  | { kind: 'storage-full'; saved: number; notAdded: number; bytesNeeded: number }
  /** The user stopped a load part-way: what was added stays (listed, in the worker, saved); the rest was not. */
  | { kind: 'adding-stopped'; added: number; notAdded: number }
  | { kind: 'restored'; images: number }
  /** The page was left while adding `total` images from `source`: `added` of them made it. */
  | { kind: 'import-interrupted'; source: string; added: number; total: number };

export type DatasetNotice = DatasetNoticeKind & { id: string };

/** CSV mismatches are shown together in their own banner; the rest one banner each. */
export const CSV_PROBLEM_KINDS = ['csv-unreadable', 'csv-rows-without-images', 'images-without-csv-rows'] as const;

export interface IngestProgress {
  stage: 'downloading' | 'decoding';
  done: number;
  total: number;
  /** Files of this load sent to the worker in earlier batches: the worker counts each batch from 0. */
  batchStart: number;
  /** Whether `stopAdding` can stop this load (adding files: yes; the sample data and restoring: no). */
  stoppable: boolean;
  /** When this stage started (ms since the epoch): the screen shows its speed and the time left. */
  startedAt?: number;
}

export type SampleStatus = 'idle' | 'loading' | 'loaded' | 'missing' | 'failed';

export interface SplitSettings {
  seed: number;
  /** Fraction of patients (per class) held out for validation (early stopping, operating point, temperature). */
  valFraction: number;
  /** Fraction held out as the test set, scored once after training: the numbers to quote. 0: no test set. */
  testFraction: number;
}

export interface DatasetState {
  images: DatasetImage[];
  /** Classes known without images (a manifest's classes, empty class folders): reported as empty. */
  declaredLabels: string[];
  presetId: LabelPresetId;
  split: SplitSettings;
  /**
   * Crop each photograph to the square around its circular field of view (fundus photographs) instead of the
   * centre square. Applied when images are decoded, so it can change only while no image is loaded.
   */
  fieldOfViewCrop: boolean;
  /**
   * Side in px of each image's stored copy (its square, never enlarged): what every run reads, so it bounds the
   * input size. Like the crop, it can change only while no image is loaded.
   */
  storedSide: number;
  /** Files the worker could not decode; the rest of the dataset is unaffected. */
  rejected: RejectedFile[];
  /** The last load's labels-CSV problems (unreadable, rows without images, images without rows). */
  csvProblems: DatasetNotice[];
  /** Other things to tell the user about the last loads (empty drops, duplicates, skipped files). */
  notices: DatasetNotice[];
  /** Loose images waiting for a labels CSV, and a CSV read before its images (File objects, not shown). */
  pendingLabels: PendingLabels<IncomingFile>;
  progress: IngestProgress | null;
  /** The user asked to stop the load in progress: it stops once the batch in the worker is back and saved. */
  stopRequested: boolean;
  sampleStatus: SampleStatus;
  /** Markdown attribution of the sample data (shown whenever sample images are in the dataset). */
  sampleAttribution: string | null;
}

export interface DatasetActions {
  addFiles(files: IncomingFile[], options: AddFilesOptions): Promise<void>;
  loadSample(): Promise<void>;
  removeImage(id: string): Promise<void>;
  /** Moves an image to another label (class as found, before the preset). */
  relabel(id: string, label: string): void;
  /** Forgets a declared label that has no images. */
  removeEmptyLabel(label: string): void;
  setPreset(presetId: LabelPresetId): void;
  setSplit(patch: Partial<SplitSettings>): void;
  /** Ignored while images are loaded or loading (the crop is applied at import). */
  setFieldOfViewCrop(on: boolean): void;
  /** Ignored while images are loaded or loading (the stored copies are made at import). */
  setStoredSide(side: number): void;
  /** Stops the load in progress after its batch in flight; what was added stays. Ignored when nothing stoppable runs. */
  stopAdding(): void;
  /** Loads the dataset saved in this browser (after a reload); does nothing when the dataset is not empty. */
  restoreSaved(saved: SavedDataset): Promise<void>;
  /** Called for the worker's decode-progress events. */
  onDecodeProgress(done: number, total: number): void;
  dismissRejected(id?: string): void;
  dismissCsvProblems(): void;
  dismissNotice(id: string): void;
  /** Removes every image (also from the worker) and all messages; keeps preset, split and crop settings. */
  clear(): Promise<void>;
  reset(): void;
}

/** Stored sides offered: 512 covers inputs up to 512 px (the EyePACS winners' ~540 px disc); larger keeps more. */
export const STORED_SIDES = [256, 384, 512, 768, 1024] as const;
export const DEFAULT_STORED_SIDE = 512;

export const SAMPLE_BASE_URL = `${import.meta.env.BASE_URL}samples/fundus-demo/`;
export const WORKER_BATCH_SIZE = 16;
/** The progress shown moves every this many decoded images (and at each batch's end). */
export const DECODE_PROGRESS_STEP = 4;
/** Saved images are listed this many at a time (about a second of a large import), not batch by batch. */
export const LISTED_EVERY = 64;

export const initialDatasetState: DatasetState = {
  images: [],
  declaredLabels: [],
  presetId: 'as-is',
  split: { seed: 42, valFraction: 0.15, testFraction: 0.15 },
  fieldOfViewCrop: true,
  storedSide: DEFAULT_STORED_SIDE,
  rejected: [],
  csvProblems: [],
  notices: [],
  pendingLabels: NO_PENDING_LABELS,
  progress: null,
  stopRequested: false,
  sampleStatus: 'idle',
  sampleAttribution: null,
};

/** 64 random bits as hex: ids unique without a counter kept beside the store (getRandomValues works on plain http too). */
const randomTag = () => Array.from(crypto.getRandomValues(new Uint32Array(2)), (x) => x.toString(16).padStart(8, '0')).join('');
// Unique across reloads: restored images keep the ids they were saved with.
const newImageId = () => `img-${Date.now().toString(36)}-${randomTag()}`;
const notice = (kind: DatasetNoticeKind): DatasetNotice => ({ ...kind, id: `n-${randomTag()}` });
const isCsvProblem = (n: DatasetNotice) => (CSV_PROBLEM_KINDS as readonly string[]).includes(n.kind);

/** Declared-but-empty class folders: empty folders that sit beside the class folders of this drop. */
function emptyClassFolders(emptyFolders: string[], labelledPaths: string[]): string[] {
  const parentOf = (path: string) => path.split(/[\\/]/).filter(Boolean).slice(0, -1).join('/');
  const classParents = new Set(labelledPaths.map((p) => parentOf(parentOf(p))));
  return emptyFolders.filter((d) => classParents.has(parentOf(d))).map((d) => baseNameOf(d.replace(/[\\/]+$/, '')));
}

/** One load: label the files, send them to the worker in batches, list what came back. */
async function ingest(incoming: IncomingFile[], options: AddFilesOptions): Promise<void> {
  const get = useDatasetStore.getState;
  const set = useDatasetStore.setState;
  const csvFiles = incoming.filter((f) => /\.csv$/i.test(f.name));
  const csvText = csvFiles.length > 0 ? await csvFiles[csvFiles.length - 1].file.text() : null;
  const decision = labelDrop({ files: incoming, csvText, sourceName: options.sourceName }, get().pendingLabels);
  const known = new Set(get().images.map((i) => i.relativePath));
  const fresh = decision.labelled.filter((f) => !known.has(f.file.path));
  const duplicates = decision.labelled.length - fresh.length;
  const emptyLabels = emptyClassFolders(options.emptyFolders ?? [], decision.labelled.map((f) => f.file.path));
  const notices = decision.notices.map(notice);
  if (duplicates > 0) notices.push(notice({ kind: 'duplicates-skipped', count: duplicates }));
  const csvProblems = notices.filter(isCsvProblem);
  const notImages: RejectedFile[] = decision.notImages.map((f) => ({
    id: `loose-${f.path}`, name: displayNameOf(f.name), reason: notImageReason(f.name),
  }));
  set((s) => ({
    notices: [...s.notices, ...notices.filter((n) => !isCsvProblem(n))],
    rejected: [...s.rejected, ...notImages],
    csvProblems: csvProblems.length > 0 ? csvProblems : s.csvProblems,
    pendingLabels: decision.pending,
    declaredLabels: [...new Set([...s.declaredLabels, ...emptyLabels])],
  }));
  if (fresh.length === 0) return;

  // The sample set is all or nothing: stopped part-way, "Load sample data" could not add the rest.
  const stoppable = !options.fromSample;
  const startedAt = Date.now();
  const progressAt = (done: number): IngestProgress => ({ stage: 'decoding', done, total: fresh.length, batchStart: done, stoppable, startedAt });
  set({ progress: progressAt(0), stopRequested: false });
  // Kept while the load runs: a reload part-way says what was not added (adding the folder again adds the rest).
  const marker = { source: options.sourceName, total: fresh.length, imagesBefore: get().images.length, startedAt: Date.now() };
  void projectStorage().saveImportInProgress(marker).catch(() => undefined);
  // A batch is saved to IndexedDB while the worker decodes the next one; one save at a time, in order. Saved images
  // are listed LISTED_EVERY at a time (each listing re-derives classes and split), so whatever is listed is saved.
  let saving: Promise<void> = Promise.resolve();
  let savedNotListed: { added: DatasetImage[]; rejected: RejectedFile[] } = { added: [], rejected: [] };
  const listSaved = () => {
    const { added, rejected } = savedNotListed;
    savedNotListed = { added: [], rejected: [] };
    if (added.length + rejected.length > 0) set((s) => ({ images: [...s.images, ...added], rejected: [...s.rejected, ...rejected] }));
  };
  let sent = 0;
  let addedCount = 0;
  let storageFull = false;
  /** Stored bytes and images of this load that were saved: the room the rest would need is estimated from them. */
  const saved = { bytes: 0, images: 0, unsavedBytes: 0, unsavedImages: 0 };
  try {
    // A first drop whose every label reads as a DR grade (APTOS diagnosis 0-4, EyePACS level, 0_No_DR folders)
    // opens as the five ordered grades, not as classes named "0".."4" without kappa.
    if (get().images.length === 0 && get().presetId === 'as-is' && fresh.length > 0) {
      set({ presetId: suggestPreset(fresh.map((f) => f.label)) });
    }
    // At most two batches wait to be saved: decoding never runs ahead of a slow disk by more (memory stays flat).
    const saves: Promise<void>[] = [];
    for (;;) {
      if (saves.length >= 2) await saves[saves.length - 2];
      if (sent >= fresh.length || get().stopRequested) break;
      const batch = fresh.slice(sent, sent + WORKER_BATCH_SIZE).map((f) => ({ ...f, id: newImageId() }));
      const inputs: ImageFileInput[] = batch.map((f) => ({ id: f.id, name: displayNameOf(f.file.name), file: f.file.file }));
      const result = await foveaWorker().addImages(inputs, { fieldOfViewCrop: get().fieldOfViewCrop, storedSide: get().storedSide });
      const added = listedImages(batch, result.added, options.fromSample ?? false);
      for (const d of result.added) thumbnails().keep(d.id, d.thumbnail);
      sent += batch.length;
      addedCount += added.length;
      set({ progress: progressAt(sent) });
      saving = saving.then(async () => {
        const outcome = await saveAdded(added, result.added, get().images.length + savedNotListed.added.length);
        savedNotListed = { added: [...savedNotListed.added, ...added], rejected: [...savedNotListed.rejected, ...result.rejected] };
        if (savedNotListed.added.length >= LISTED_EVERY) listSaved();
        if (outcome.savedBytes > 0) {
          saved.bytes += outcome.savedBytes;
          saved.images += added.length;
        } else {
          saved.unsavedImages += added.length;
          saved.unsavedBytes += batchBytes(result.added);
        }
        // Nothing more fits: stop decoding (the notice, after the load, says how much room the rest would take).
        if (outcome.full && !storageFull) {
          storageFull = true;
          set({ stopRequested: true });
        }
      });
      saves.push(saving);
    }
    await saving;
    listSaved();
    if (storageFull) {
      const notAdded = fresh.length - sent;
      const perImage = saved.images > 0 ? saved.bytes / saved.images : saved.unsavedBytes / Math.max(1, saved.unsavedImages);
      const bytesNeeded = Math.round(saved.unsavedBytes + perImage * notAdded);
      set((s) => ({ notices: [...s.notices, notice({ kind: 'storage-full', saved: saved.images, notAdded, bytesNeeded })] }));
    } else if (sent < fresh.length) {
      const notAdded = fresh.length - sent;
      set((s) => ({ notices: [...s.notices, notice({ kind: 'adding-stopped', added: addedCount, notAdded })] }));
    }
  } catch (e) {
    const error = toUserError(e);
    set((s) => ({ notices: [...s.notices, notice({ kind: 'loading-stopped', message: error.message, hint: error.hint })] }));
  } finally {
    // The load ends when what it decoded is saved and listed: a reload right after keeps all of it.
    await saving.catch(() => undefined);
    listSaved();
    await projectStorage().saveImportInProgress(null).catch(() => undefined);
    set({ progress: null, stopRequested: false });
  }
}

/** The dataset entries of a batch's decoded images (rejected ones are not listed). */
function listedImages(
  batch: { id: string; file: IncomingFile; label: string }[], decoded: AddImagesResult['added'], fromSample: boolean,
): DatasetImage[] {
  const byId = new Map(batch.map((f) => [f.id, f] as const));
  return decoded.map((d) => {
    const f = byId.get(d.id)!;
    return {
      id: d.id,
      name: displayNameOf(f.file.name),
      relativePath: f.file.path,
      sourceLabel: f.label,
      patientId: patientIdOf(f.file.name),
      fromSample,
    };
  });
}

/** Bytes a batch's decoded images take in storage (stored copies and thumbnails). */
const batchBytes = (decoded: AddImagesResult['added']) => decoded.reduce((sum, d) => sum + d.stored.byteLength + d.thumbnail.byteLength, 0);

const isQuotaError = (e: unknown) => e instanceof Error && (e.name === 'QuotaExceededError' || /quota/i.test(e.message));

/**
 * Saves newly added images (metadata, stored copy, thumbnail) so a reload keeps them. When that fails the worker
 * holds their stored copies for this session (training still works) and the failure is told once; `full` says
 * the browser's storage is full.
 */
async function saveAdded(
  added: DatasetImage[], decoded: AddImagesResult['added'], orderBase: number,
): Promise<{ full: boolean; savedBytes: number }> {
  if (added.length === 0) return { full: false, savedBytes: 0 };
  const byId = new Map(decoded.map((d) => [d.id, d] as const));
  const stored: NewStoredImage[] = added.map((image, i) => {
    const d = byId.get(image.id)!;
    return { meta: { ...image, order: orderBase + i }, pixels: { id: image.id, data: d.stored, prepared: d.prepared }, thumbnail: d.thumbnail };
  });
  try {
    await projectStorage().putImages(stored);
    thumbnails().saved(added.map((i) => i.id));
    return { full: false, savedBytes: batchBytes(decoded) };
  } catch (e) {
    try {
      await foveaWorker().holdImages(stored.map((s) => s.pixels));
    } catch {
      // The worker cannot hold them either: the images stay listed, and a run that reads them says they are gone.
    }
    const reason = e instanceof Error ? e.message : String(e);
    useDatasetStore.setState((s) => (s.notices.some((n) => n.kind === 'storage-failed')
      ? {} : { notices: [...s.notices, notice({ kind: 'storage-failed', reason })] }));
    return { full: isQuotaError(e), savedBytes: 0 };
  }
}

/** Puts a saved dataset back from its metadata: nothing is decoded (the worker reads pixels when a run needs them). */
async function restore({ images, settings, interruptedImport }: SavedDataset): Promise<void> {
  const get = useDatasetStore.getState;
  const set = useDatasetStore.setState;
  if (get().images.length > 0) return;
  if (settings) {
    set({
      presetId: settings.presetId, split: settings.split, fieldOfViewCrop: settings.fieldOfViewCrop,
      storedSide: settings.storedSide ?? DEFAULT_STORED_SIDE,
      declaredLabels: settings.declaredLabels, sampleAttribution: settings.sampleAttribution,
    });
  }
  if (interruptedImport) {
    const added = Math.max(0, Math.min(interruptedImport.total, images.length - interruptedImport.imagesBefore));
    set((s) => ({ notices: [...s.notices, notice({ kind: 'import-interrupted', source: interruptedImport.source, added, total: interruptedImport.total })] }));
    void projectStorage().saveImportInProgress(null).catch(() => undefined);
  }
  if (images.length === 0) return;
  const restored: DatasetImage[] = images.map(({ id, name, relativePath, sourceLabel, patientId, fromSample }) => ({
    id, name, relativePath, sourceLabel, patientId, fromSample,
  }));
  set((s) => ({ images: restored, notices: [...s.notices, notice({ kind: 'restored', images: restored.length })] }));
}

export const useDatasetStore = create<DatasetState & DatasetActions>()((set, get) => {
  // Loads run one after another (a second drop while the first decodes waits its turn); reset starts afresh.
  let loads: Promise<void> = Promise.resolve();
  return {
  ...initialDatasetState,

  addFiles: (incoming, options) => {
    const next = loads.then(() => ingest(incoming, options));
    loads = next.catch(() => undefined);
    return next;
  },

  loadSample: async () => {
    if (get().sampleStatus === 'loading') return;
    set({ sampleStatus: 'loading' });
    let manifest: { classes: string[]; files: { path: string; label: string }[]; attribution: string };
    try {
      const res = await fetch(`${SAMPLE_BASE_URL}manifest.json`);
      if (res.status === 404) {
        set({ sampleStatus: 'missing' });
        return;
      }
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      // A static host without the file may answer with the app's index.html instead of a 404.
      const text = await res.text();
      try {
        manifest = JSON.parse(text);
      } catch {
        set({ sampleStatus: 'missing' });
        return;
      }
    } catch (e) {
      set((s) => ({
        sampleStatus: 'failed',
        notices: [...s.notices, notice({ kind: 'sample-download-failed', reason: e instanceof Error ? e.message : String(e) })],
      }));
      return;
    }

    set({ sampleAttribution: manifest.attribution, progress: { stage: 'downloading', done: 0, total: manifest.files.length, batchStart: 0, stoppable: false } });
    const downloaded: IncomingFile[] = [];
    const failed: RejectedFile[] = [];
    let done = 0;
    const queue = [...manifest.files];
    const fetchOne = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const name = baseNameOf(entry.path);
        try {
          const res = await fetch(SAMPLE_BASE_URL + entry.path.split('/').map(encodeURIComponent).join('/'));
          if (!res.ok) throw new Error(String(res.status));
          downloaded.push({ file: await res.blob(), name, path: entry.path });
        } catch {
          failed.push({ id: `sample:${entry.path}`, name, reason: 'could not be downloaded' });
        }
        done += 1;
        set({ progress: { stage: 'downloading', done, total: manifest.files.length, batchStart: 0, stoppable: false } });
      }
    };
    await Promise.all(Array.from({ length: 6 }, fetchOne));
    // Keep the manifest's order (downloads finish in any order) so ids and thumbnails are stable.
    const order = new Map(manifest.files.map((f, i) => [f.path, i] as const));
    downloaded.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
    set((s) => ({
      rejected: [...s.rejected, ...failed],
      declaredLabels: [...new Set([...s.declaredLabels, ...manifest.classes])],
      presetId: s.images.length === 0 && s.presetId === 'as-is' ? 'dr-5-grades' : s.presetId,
    }));
    await get().addFiles(downloaded, { sourceName: 'sample data', fromSample: true });
    set({ sampleStatus: 'loaded' });
  },

  stopAdding: () => set((s) => (s.progress?.stoppable ? { stopRequested: true } : {})),

  restoreSaved: (saved) => {
    // Queued like a load, so a folder dropped while the saved dataset comes back waits its turn.
    const next = loads.then(() => restore(saved));
    loads = next.catch(() => undefined);
    return next;
  },

  removeImage: async (id) => {
    const image = get().images.find((i) => i.id === id);
    if (!image) return;
    thumbnails().forget([id]);
    set((s) => ({ images: s.images.filter((i) => i.id !== id) }));
    try {
      await foveaWorker().removeImages([id]);
    } catch {
      // The worker keeps an unused image; training only ever asks for the ids the dataset lists.
    }
  },

  relabel: (id, label) =>
    set((s) => ({ images: s.images.map((i) => (i.id === id ? { ...i, sourceLabel: label } : i)) })),

  removeEmptyLabel: (label) =>
    set((s) => ({ declaredLabels: s.declaredLabels.filter((l) => l !== label || s.images.some((i) => i.sourceLabel === l)) })),

  setPreset: (presetId) => set({ presetId }),

  setSplit: (patch) => set((s) => ({ split: { ...s.split, ...patch } })),

  setFieldOfViewCrop: (on) => set((s) => (s.images.length === 0 && s.progress === null ? { fieldOfViewCrop: on } : {})),

  setStoredSide: (side) => set((s) => (s.images.length === 0 && s.progress === null && Number.isInteger(side) && side >= 64 ? { storedSide: side } : {})),

  // The worker reports every image: redrawing for each would repaint the page ~50 times a second in a large import.
  onDecodeProgress: (done, total) =>
    set((s) => (s.progress?.stage === 'decoding' && total > 0 && (done % DECODE_PROGRESS_STEP === 0 || done === total)
      ? { progress: { ...s.progress, done: Math.min(s.progress.total, s.progress.batchStart + done) } }
      : s)),

  dismissRejected: (id) => set((s) => ({ rejected: id ? s.rejected.filter((r) => r.id !== id) : [] })),
  dismissCsvProblems: () => set({ csvProblems: [] }),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),

  clear: async () => {
    const ids = get().images.map((i) => i.id);
    thumbnails().clear();
    set((s) => ({ ...initialDatasetState, presetId: s.presetId, split: s.split, fieldOfViewCrop: s.fieldOfViewCrop, storedSide: s.storedSide }));
    if (ids.length > 0) {
      try {
        await foveaWorker().removeImages(ids);
      } catch {
        // As in removeImage: unused images in the worker do no harm.
      }
    }
  },

  reset: () => {
    thumbnails().clear();
    loads = Promise.resolve();
    set(initialDatasetState);
  },
  };
});
