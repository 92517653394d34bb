/**
 * One project kept in IndexedDB (through `idb`), so a reload loses nothing: each image's metadata (name, path,
 * label, patient), its stored copy (the square at the project's stored side, JPEG: what every run reads, through
 * the worker) and a thumbnail, in three stores so that a reload lists 30,000 images without reading a pixel; the
 * dataset settings (preset, split, crop, stored side, declared classes); every finished run (its history, curves,
 * metrics and the trained model as a Fovea package); and the run in progress's last epoch-end checkpoint, from
 * which it resumes after a reload, a tab crash or a lost GPU. One database per project (projects.ts lists them);
 * its layout is storage/project-db.ts.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import type { ProjectDatasetSettings, ProjectImage } from '../core/project/project-file';
import { isBackendPreference, type BackendPreference } from '../core/backend/choice';
import type { TrainingCheckpoint } from '../core/train/checkpoint';
import {
  DEFAULT_PROJECT_ID, keptFeaturesOf, openProjectDb, projectDatabaseName, type EncodedImage, type StoredPixels, type StoredThumbnail,
} from '../storage/project-db';
import type { TrainRequest } from '../worker/protocol';
import type { BatchPoint, FinishedRun, RunInfo, TrainForm } from './run-types';

export { DEFAULT_PROJECT_ID, projectDatabaseName } from '../storage/project-db';
export type { EncodedImage, StoredPixels } from '../storage/project-db';

/** A saved image's metadata, as a project file carries it (core/project), without its pixels. */
export type StoredImage = Omit<ProjectImage, 'bytes' | 'prepared'>;

/** An image as an import saves it: metadata, stored copy, thumbnail. */
export interface NewStoredImage {
  meta: StoredImage;
  pixels: StoredPixels;
  thumbnail: EncodedImage;
}

/** The dataset settings (preset, split, crop, declared classes), as a project file carries them. */
export type StoredDatasetSettings = ProjectDatasetSettings;

/** A finished run as the Train and Evaluate screens show it, with the model it trained as a Fovea package. */
export interface StoredRun {
  /** `run-<startedAt>`: unique within the project. */
  id: string;
  run: FinishedRun;
  /**
   * The exported package (model.json, shards, fovea.json, MODEL_CARD.md) that the worker imports to use the run
   * again. A Blob, so that listing the runs does not read every model into memory (browsers keep it on disk).
   */
  modelZip: Blob;
}

/** The run in progress at its last completed epoch: enough to resume it with the same curves. */
export interface StoredCheckpoint {
  request: TrainRequest;
  info: RunInfo;
  /** The batch curve up to the checkpoint's epoch end (later batches are trained again on resume). */
  batches: BatchPoint[];
  checkpoint: TrainingCheckpoint;
  savedAt: number;
}

interface ProjectDb extends DBSchema {
  images: { key: string; value: StoredImage };
  pixels: { key: string; value: StoredPixels };
  thumbs: { key: string; value: StoredThumbnail };
  /** Kept frozen features (worker/kept-features.ts), keyed `<image id>|<feature key>`. */
  features: { key: string; value: unknown };
  /** 'dataset': StoredDatasetSettings; 'training': the Train screen's form; 'backend': StoredBackendSetting. */
  settings: { key: string; value: StoredDatasetSettings | TrainForm | ImportInProgress | StoredBackendSetting };
  runs: { key: string; value: StoredRun };
  checkpoint: { key: string; value: StoredCheckpoint };
}

export const SETTINGS_KEY = 'dataset';
const TRAIN_FORM_KEY = 'training';
const IMPORT_KEY = 'import-in-progress';
const BACKEND_KEY = 'backend';

/** The compute backend the user chose for this project ('auto': Fovea decides from the evidence). */
export interface StoredBackendSetting {
  preference: BackendPreference;
}
const CHECKPOINT_KEY = 'current';

/** An import in progress: kept while it runs, so that a reload part-way says what was not added yet. */
export interface ImportInProgress {
  /** What was dropped or chosen ("fundus-dev", "sample data"). */
  source: string;
  /** Images the load was adding, and how many the dataset had before it. */
  total: number;
  imagesBefore: number;
  startedAt: number;
}

export interface SavedDataset {
  /** Metadata only: nothing is decoded, no pixel is read. */
  images: StoredImage[];
  settings: StoredDatasetSettings | null;
  /** Set when the page was left while an import was running. */
  interruptedImport?: ImportInProgress | null;
}

/** Where a project is saved; every method may reject (quota, private mode), and callers say so plainly. */
export interface DatasetStorage {
  load(): Promise<SavedDataset>;
  /** Saves images (metadata, pixels, thumbnail) in one transaction: all of them or none. */
  putImages(images: NewStoredImage[]): Promise<void>;
  /** An image's thumbnail, or null when it has none (images saved before thumbnails were). */
  getThumbnail(id: string): Promise<EncodedImage | null>;
  putThumbnail(id: string, data: EncodedImage): Promise<void>;
  /** An image's stored pixels, or null. */
  getPixels(id: string): Promise<StoredPixels | null>;
  relabel(id: string, label: string): Promise<void>;
  deleteImages(ids: string[]): Promise<void>;
  saveSettings(settings: StoredDatasetSettings): Promise<void>;
  /** Records the import in progress (null: none any more). */
  saveImportInProgress(value: ImportInProgress | null): Promise<void>;
}

export interface RunStorage {
  /** The Train screen's settings as last left (null: never saved). */
  loadTrainForm(): Promise<Partial<TrainForm> | null>;
  saveTrainForm(form: TrainForm): Promise<void>;
  /** Finished runs, oldest first. */
  listRuns(): Promise<StoredRun[]>;
  putRun(run: StoredRun): Promise<void>;
  deleteRun(id: string): Promise<void>;
  getCheckpoint(): Promise<StoredCheckpoint | null>;
  putCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  clearCheckpoint(): Promise<void>;
}

/** The project's choice of compute backend. */
export interface BackendSettingStorage {
  /** null: never chosen (or unreadable), i.e. 'auto'. */
  loadBackendPreference(): Promise<BackendPreference | null>;
  saveBackendPreference(preference: BackendPreference): Promise<void>;
}

export type ProjectStorage = DatasetStorage & RunStorage & BackendSettingStorage;

/** Opens (creating or upgrading) one project's database. */
export function openProjectDatabase(projectId: string): Promise<IDBPDatabase<ProjectDb>> {
  return openProjectDb(projectDatabaseName(projectId)) as unknown as Promise<IDBPDatabase<ProjectDb>>;
}

export type ProjectDatabase = IDBPDatabase<ProjectDb>;

class IndexedDbProjectStorage implements ProjectStorage {
  private db: Promise<IDBPDatabase<ProjectDb>> | null = null;

  constructor(private readonly projectId: string) {}

  private open(): Promise<IDBPDatabase<ProjectDb>> {
    this.db ??= openProjectDatabase(this.projectId);
    return this.db;
  }

  async load(): Promise<SavedDataset> {
    const db = await this.open();
    const images = (await db.getAll('images')).sort((a, b) => a.order - b.order);
    return {
      images, settings: ((await db.get('settings', SETTINGS_KEY)) as StoredDatasetSettings | undefined) ?? null,
      interruptedImport: ((await db.get('settings', IMPORT_KEY)) as ImportInProgress | undefined) ?? null,
    };
  }

  async putImages(images: NewStoredImage[]): Promise<void> {
    const tx = (await this.open()).transaction(['images', 'pixels', 'thumbs'], 'readwrite');
    await Promise.all([
      ...images.flatMap((i) => [
        tx.objectStore('images').put(i.meta), tx.objectStore('pixels').put(i.pixels),
        tx.objectStore('thumbs').put({ id: i.meta.id, data: i.thumbnail }),
      ]),
      tx.done,
    ]);
  }

  async getThumbnail(id: string): Promise<EncodedImage | null> {
    return (await (await this.open()).get('thumbs', id))?.data ?? null;
  }

  async putThumbnail(id: string, data: EncodedImage): Promise<void> {
    await (await this.open()).put('thumbs', { id, data });
  }

  async getPixels(id: string): Promise<StoredPixels | null> {
    return (await (await this.open()).get('pixels', id)) ?? null;
  }

  async relabel(id: string, label: string): Promise<void> {
    const tx = (await this.open()).transaction('images', 'readwrite');
    const image = await tx.store.get(id);
    if (image) await tx.store.put({ ...image, sourceLabel: label });
    await tx.done;
  }

  async deleteImages(ids: string[]): Promise<void> {
    const tx = (await this.open()).transaction(['images', 'pixels', 'thumbs', 'features'], 'readwrite');
    const stores = [tx.objectStore('images'), tx.objectStore('pixels'), tx.objectStore('thumbs')];
    const features = tx.objectStore('features');
    await Promise.all([
      ...ids.flatMap((id) => [...stores.map((store) => store.delete(id)), features.delete(keptFeaturesOf(id))]), tx.done,
    ]);
  }

  async saveSettings(settings: StoredDatasetSettings): Promise<void> {
    await (await this.open()).put('settings', settings, SETTINGS_KEY);
  }

  async saveImportInProgress(value: ImportInProgress | null): Promise<void> {
    const db = await this.open();
    await (value ? db.put('settings', value, IMPORT_KEY) : db.delete('settings', IMPORT_KEY));
  }

  async loadTrainForm(): Promise<Partial<TrainForm> | null> {
    return ((await (await this.open()).get('settings', TRAIN_FORM_KEY)) as Partial<TrainForm> | undefined) ?? null;
  }

  async saveTrainForm(form: TrainForm): Promise<void> {
    await (await this.open()).put('settings', form, TRAIN_FORM_KEY);
  }

  async loadBackendPreference(): Promise<BackendPreference | null> {
    const stored = (await (await this.open()).get('settings', BACKEND_KEY)) as StoredBackendSetting | undefined;
    return isBackendPreference(stored?.preference) ? stored.preference : null;
  }

  async saveBackendPreference(preference: BackendPreference): Promise<void> {
    await (await this.open()).put('settings', { preference } satisfies StoredBackendSetting, BACKEND_KEY);
  }

  async listRuns(): Promise<StoredRun[]> {
    const runs = await (await this.open()).getAll('runs');
    return runs.sort((a, b) => a.run.finishedAt - b.run.finishedAt);
  }

  async putRun(run: StoredRun): Promise<void> {
    await (await this.open()).put('runs', run);
  }

  async deleteRun(id: string): Promise<void> {
    await (await this.open()).delete('runs', id);
  }

  async getCheckpoint(): Promise<StoredCheckpoint | null> {
    return (await (await this.open()).get('checkpoint', CHECKPOINT_KEY)) ?? null;
  }

  async putCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    await (await this.open()).put('checkpoint', checkpoint, CHECKPOINT_KEY);
  }

  async clearCheckpoint(): Promise<void> {
    await (await this.open()).delete('checkpoint', CHECKPOINT_KEY);
  }
}

/**
 * Without IndexedDB (Node tests, some private modes) nothing outlives the page; the run in progress's
 * checkpoint is still kept in memory, so a lost GPU can resume without a reload.
 */
let checkpointInMemory: StoredCheckpoint | null = null;
const noStorage: ProjectStorage = {
  load: async () => ({ images: [], settings: null }),
  // Nothing can be saved: the page keeps the images' thumbnails and the worker their stored copies, for this session.
  putImages: async () => { throw new Error('this browser offers no storage (IndexedDB) to this page'); },
  getThumbnail: async () => null,
  putThumbnail: async () => undefined,
  getPixels: async () => null,
  relabel: async () => undefined,
  deleteImages: async () => undefined,
  saveSettings: async () => undefined,
  saveImportInProgress: async () => undefined,
  loadTrainForm: async () => null,
  saveTrainForm: async () => undefined,
  loadBackendPreference: async () => null,
  saveBackendPreference: async () => undefined,
  listRuns: async () => [],
  putRun: async () => undefined,
  deleteRun: async () => undefined,
  getCheckpoint: async () => checkpointInMemory,
  putCheckpoint: async (checkpoint) => { checkpointInMemory = checkpoint; },
  clearCheckpoint: async () => { checkpointInMemory = null; },
};

let storage: ProjectStorage | null = null;
let openProjectId = DEFAULT_PROJECT_ID;

/** Which project this page shows; set once at start-up, before the first projectStorage() call. */
export function selectProject(projectId: string): void {
  if (storage && projectId !== openProjectId) throw new Error(`project ${openProjectId} is already open`);
  openProjectId = projectId;
}

export function currentProjectId(): string {
  return openProjectId;
}

/** The storage of this page's project, opened on first use (as foveaWorker() is for the worker). */
export function projectStorage(): ProjectStorage {
  storage ??= typeof indexedDB === 'undefined' ? noStorage : new IndexedDbProjectStorage(openProjectId);
  return storage;
}
