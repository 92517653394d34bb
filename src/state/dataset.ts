/**
 * The dataset as the UI shows it: one entry per image the worker decoded (its pixels live in the worker,
 * referred to by id), where its label came from, the label preset, the split settings, and the problems
 * met while loading (rejected files, CSV mismatches, empty drops). Loading more never loses what is there.
 */
import { create } from 'zustand';
import {
  labelsFromFolders, matchCsvToFiles, describeCsvMatch, parseLabelsCsv, patientIdOf, baseNameOf,
  type LabelsCsvRow,
} from '../core/data/labels';
import { type LabelPresetId, suggestPreset } from '../core/data/presets';
import type { ImageFileInput, RejectedFile } from '../worker/protocol';
import { foveaWorker } from '../worker/client';
import { toUserError } from './errors';

export interface DatasetImage {
  id: string;
  name: string;
  /** Path as dropped (folder drop) or the file name. */
  relativePath: string;
  /** The label as found: folder name or CSV value (before the preset maps it to a class). */
  sourceLabel: string;
  patientId: string;
  /** Object URL of the worker's thumbnail; revoked when the image is removed. */
  thumbUrl: string;
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

export interface DatasetNotice {
  id: string;
  tone: NoticeTone;
  text: string;
}

export interface IngestProgress {
  stage: 'downloading' | 'decoding';
  done: number;
  total: number;
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
  /** Files the worker could not decode; the rest of the dataset is unaffected. */
  rejected: RejectedFile[];
  /** Plain sentences about the labels CSV (rows without files, files without rows, unreadable CSV). */
  csvProblems: string[];
  /** Other things to tell the user about the last loads (empty drops, duplicates, unlabelled files). */
  notices: DatasetNotice[];
  /** Names of loose images waiting for a labels CSV. */
  waitingForLabels: string[];
  /** A labels CSV read without images to match yet: its name and row count. */
  heldCsv: { name: string; rows: number } | null;
  progress: IngestProgress | null;
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
  /** Called for the worker's decode-progress events. */
  onDecodeProgress(done: number, total: number): void;
  dismissRejected(id?: string): void;
  dismissCsvProblems(): void;
  dismissNotice(id: string): void;
  /** Removes every image (also from the worker) and all messages; keeps preset, split and crop settings. */
  clear(): Promise<void>;
  reset(): void;
}

export const SAMPLE_BASE_URL = `${import.meta.env.BASE_URL}samples/fundus-demo/`;
export const WORKER_BATCH_SIZE = 16;

export const initialDatasetState: DatasetState = {
  images: [],
  declaredLabels: [],
  presetId: 'as-is',
  split: { seed: 42, valFraction: 0.15, testFraction: 0.15 },
  fieldOfViewCrop: true,
  rejected: [],
  csvProblems: [],
  notices: [],
  waitingForLabels: [],
  heldCsv: null,
  progress: null,
  sampleStatus: 'idle',
  sampleAttribution: null,
};

// Not state: File objects and CSV rows held until their counterpart arrives (never rendered directly).
const waitingFiles = new Map<string, IncomingFile>();
let heldCsvRows: LabelsCsvRow[] | null = null;
// Files already sent in earlier batches of the current load, so decode-progress can show the whole load.
let progressBase = 0;
// Loads run one after another (a second drop while the first decodes waits its turn).
let ingestQueue: Promise<void> = Promise.resolve();
let nextId = 1;
let nextNoticeId = 1;

const newImageId = () => `img-${nextId++}`;
const notice = (tone: NoticeTone, text: string): DatasetNotice => ({ id: `n${nextNoticeId++}`, tone, text });
const isCsv = (name: string) => /\.csv$/i.test(name);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The labelled files of one load, and what to tell the user about the rest. */
interface Labelled {
  files: { incoming: IncomingFile; label: string }[];
  notices: DatasetNotice[];
  csvProblems: string[];
  /** Loose files that cannot be images (by name), reported at once instead of waiting for a CSV. */
  rejected: RejectedFile[];
}

const IMAGE_NAME = /\.(jpe?g|png|gif|webp|bmp|tiff?)$/i;

/** Decides each file's label: from a labels CSV when one is in (or held for) this load, else from folders. */
async function labelFiles(incoming: IncomingFile[], sourceName: string): Promise<Labelled> {
  const out: Labelled = { files: [], notices: [], csvProblems: [], rejected: [] };
  const csvFiles = incoming.filter((f) => isCsv(f.name));
  const others = incoming.filter((f) => !isCsv(f.name));

  let csvInThisDrop = false;
  if (csvFiles.length > 0) {
    const csvFile = csvFiles[csvFiles.length - 1];
    if (csvFiles.length > 1) {
      out.notices.push(notice('warning', `${plural(csvFiles.length, 'CSV file')} were dropped; only "${csvFile.name}" was used for labels.`));
    }
    try {
      heldCsvRows = parseLabelsCsv(await csvFile.file.text()).rows;
      csvInThisDrop = true;
      useDatasetStore.setState({ heldCsv: { name: csvFile.name, rows: heldCsvRows.length } });
    } catch (e) {
      out.csvProblems.push(`${csvFile.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const folder = labelsFromFolders(others.map((f) => f.path));
  const byPath = new Map(others.map((f) => [f.path, f] as const));
  const loose = folder.errors.map((p) => byPath.get(p.path)!).filter(Boolean);

  if (heldCsvRows && (csvInThisDrop || folder.files.length === 0)) {
    // A CSV labels every image of the drop (the folders are then just where the images are kept),
    // plus loose images that were waiting for it.
    const labelledByFolder = folder.files.map((f) => byPath.get(f.path)!);
    const candidates = [...labelledByFolder, ...loose, ...waitingFiles.values()];
    const match = matchCsvToFiles(heldCsvRows, candidates.map((c) => c.path));
    const candidateByPath = new Map(candidates.map((c) => [c.path, c] as const));
    for (const m of match.matched) out.files.push({ incoming: candidateByPath.get(m.fileName)!, label: m.label });
    waitingFiles.clear();
    out.csvProblems.push(...describeCsvMatch(match));
    return out;
  }

  for (const f of folder.files) out.files.push({ incoming: byPath.get(f.path)!, label: f.label });
  // Loose images wait for a labels CSV (the dataset screen says so while any are waiting).
  for (const f of loose) {
    if (IMAGE_NAME.test(f.name)) waitingFiles.set(f.path, f);
    else out.rejected.push({ id: `loose-${f.path}`, name: f.name, reason: 'not an image file (expected JPEG, PNG, WebP, GIF or BMP)' });
  }
  if (others.length === 0 && csvFiles.length === 0) {
    out.notices.push(notice('warning', `No images found in "${sourceName}".`));
  } else if (others.length > 0 && folder.files.length === 0 && loose.length === 0) {
    out.notices.push(notice('warning', `No images found in "${sourceName}" (only system files such as .DS_Store).`));
  } else if (csvInThisDrop && others.length === 0 && waitingFiles.size === 0) {
    out.notices.push(notice('info', `Labels CSV read (${plural(heldCsvRows!.length, 'row')}). Now drop the images it names.`));
  }
  return out;
}

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
  const labelled = await labelFiles(incoming, options.sourceName);
  const known = new Set(get().images.map((i) => i.relativePath));
  const fresh = labelled.files.filter((f) => !known.has(f.incoming.path));
  const duplicates = labelled.files.length - fresh.length;
  const emptyLabels = emptyClassFolders(options.emptyFolders ?? [], labelled.files.map((f) => f.incoming.path));
  if (duplicates > 0) {
    labelled.notices.push(notice('info', `${plural(duplicates, 'image was', 'images were')} already in the dataset and ${duplicates === 1 ? 'was' : 'were'} skipped.`));
  }
  set((s) => ({
    notices: [...s.notices, ...labelled.notices],
    rejected: [...s.rejected, ...labelled.rejected],
    csvProblems: labelled.csvProblems.length > 0 ? labelled.csvProblems : s.csvProblems,
    waitingForLabels: [...waitingFiles.values()].map((f) => f.name),
    declaredLabels: [...new Set([...s.declaredLabels, ...emptyLabels])],
  }));
  if (fresh.length === 0) return;

  set({ progress: { stage: 'decoding', done: 0, total: fresh.length } });
  progressBase = 0;
  try {
    // A first drop whose every label reads as a DR grade (APTOS diagnosis 0-4, EyePACS level, 0_No_DR folders)
    // opens as the five ordered grades, not as classes named "0".."4" without kappa.
    if (get().images.length === 0 && get().presetId === 'as-is' && fresh.length > 0) {
      set({ presetId: suggestPreset(fresh.map((f) => f.label)) });
    }
    for (let start = 0; start < fresh.length; start += WORKER_BATCH_SIZE) {
      const batch = fresh.slice(start, start + WORKER_BATCH_SIZE).map((f) => ({ ...f, id: newImageId() }));
      const inputs: ImageFileInput[] = batch.map((f) => ({ id: f.id, name: f.incoming.name, file: f.incoming.file }));
      const result = await foveaWorker().addImages(inputs, { fieldOfViewCrop: get().fieldOfViewCrop });
      const byId = new Map(batch.map((f) => [f.id, f] as const));
      const added: DatasetImage[] = result.added.map((d) => {
        const f = byId.get(d.id)!;
        return {
          id: d.id,
          name: f.incoming.name,
          relativePath: f.incoming.path,
          sourceLabel: f.label,
          patientId: patientIdOf(f.incoming.name),
          thumbUrl: URL.createObjectURL(d.thumbnail),
          fromSample: options.fromSample ?? false,
        };
      });
      progressBase = start + batch.length;
      set((s) => ({
        images: [...s.images, ...added],
        rejected: [...s.rejected, ...result.rejected],
        progress: { stage: 'decoding', done: progressBase, total: fresh.length },
      }));
    }
  } catch (e) {
    const error = toUserError(e);
    set((s) => ({ notices: [...s.notices, notice('error', `Loading stopped: ${error.message} ${error.hint}`)] }));
  } finally {
    set({ progress: null });
  }
}

export const useDatasetStore = create<DatasetState & DatasetActions>()((set, get) => ({
  ...initialDatasetState,

  addFiles: (incoming, options) => {
    const next = ingestQueue.then(() => ingest(incoming, options));
    ingestQueue = next.catch(() => undefined);
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
        notices: [...s.notices, notice('error', `The sample data could not be downloaded (${e instanceof Error ? e.message : String(e)}). Check your connection and try again.`)],
      }));
      return;
    }

    set({ sampleAttribution: manifest.attribution, progress: { stage: 'downloading', done: 0, total: manifest.files.length } });
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
        set({ progress: { stage: 'downloading', done, total: manifest.files.length } });
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

  removeImage: async (id) => {
    const image = get().images.find((i) => i.id === id);
    if (!image) return;
    URL.revokeObjectURL(image.thumbUrl);
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

  onDecodeProgress: (done, total) =>
    set((s) => (s.progress?.stage === 'decoding' && total > 0
      ? { progress: { ...s.progress, done: Math.min(s.progress.total, progressBase + done) } }
      : {})),

  dismissRejected: (id) => set((s) => ({ rejected: id ? s.rejected.filter((r) => r.id !== id) : [] })),
  dismissCsvProblems: () => set({ csvProblems: [] }),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),

  clear: async () => {
    const ids = get().images.map((i) => i.id);
    for (const image of get().images) URL.revokeObjectURL(image.thumbUrl);
    waitingFiles.clear();
    heldCsvRows = null;
    set((s) => ({ ...initialDatasetState, presetId: s.presetId, split: s.split, fieldOfViewCrop: s.fieldOfViewCrop }));
    if (ids.length > 0) {
      try {
        await foveaWorker().removeImages(ids);
      } catch {
        // As in removeImage: unused images in the worker do no harm.
      }
    }
  },

  reset: () => {
    for (const image of get().images) URL.revokeObjectURL(image.thumbUrl);
    waitingFiles.clear();
    heldCsvRows = null;
    set(initialDatasetState);
  },
}));
