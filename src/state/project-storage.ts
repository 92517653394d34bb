/**
 * One project kept in IndexedDB (through `idb`), so a reload loses nothing: each image as a downscaled JPEG
 * (the original's pixels at most STORED_SIDE px, none of its metadata) with its name, path, label and patient;
 * the dataset settings (preset, split, crop, declared classes); every finished run (its history, curves,
 * metrics and the trained model as a Fovea package); and the run in progress's last epoch-end checkpoint, from
 * which it resumes after a reload, a tab crash or a lost GPU. One database per project (projects.ts lists them).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ProjectDatasetSettings, ProjectImage } from '../core/project/project-file';
import type { TrainingCheckpoint } from '../core/train/checkpoint';
import type { TrainRequest } from '../worker/protocol';
import type { BatchPoint, FinishedRun, RunInfo, TrainForm } from './training';

/** Longest side of a stored image: twice the largest input size, so the field-of-view crop still has room. */
export const STORED_SIDE = 512;

/** A saved image: its metadata as a project file carries it (core/project), and the downscaled JPEG. */
export type StoredImage = Omit<ProjectImage, 'bytes'> & { blob: Blob };

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
  /** 'dataset': StoredDatasetSettings; 'training': the Train screen's form. */
  settings: { key: string; value: StoredDatasetSettings | TrainForm };
  runs: { key: string; value: StoredRun };
  checkpoint: { key: string; value: StoredCheckpoint };
}

/** The first project keeps the database name Fovea used before there were several. */
export const DEFAULT_PROJECT_ID = 'default';

export function projectDatabaseName(projectId: string): string {
  return projectId === DEFAULT_PROJECT_ID ? 'fovea-project' : `fovea-project-${projectId}`;
}

export const SETTINGS_KEY = 'dataset';
const TRAIN_FORM_KEY = 'training';
const CHECKPOINT_KEY = 'current';
const DB_VERSION = 2;

export interface SavedDataset {
  images: StoredImage[];
  settings: StoredDatasetSettings | null;
}

/** Where a project is saved; every method may reject (quota, private mode), and callers say so plainly. */
export interface DatasetStorage {
  load(): Promise<SavedDataset>;
  putImages(images: StoredImage[]): Promise<void>;
  relabel(id: string, label: string): Promise<void>;
  deleteImages(ids: string[]): Promise<void>;
  saveSettings(settings: StoredDatasetSettings): Promise<void>;
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

export type ProjectStorage = DatasetStorage & RunStorage;

/** Opens (creating or upgrading) one project's database. */
export function openProjectDatabase(projectId: string): Promise<IDBPDatabase<ProjectDb>> {
  return openDB<ProjectDb>(projectDatabaseName(projectId), DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('images', { keyPath: 'id' });
        db.createObjectStore('settings');
      }
      if (oldVersion < 2) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('checkpoint');
      }
    },
  });
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
    return { images, settings: ((await db.get('settings', SETTINGS_KEY)) as StoredDatasetSettings | undefined) ?? null };
  }

  async putImages(images: StoredImage[]): Promise<void> {
    const tx = (await this.open()).transaction('images', 'readwrite');
    await Promise.all([...images.map((i) => tx.store.put(i)), tx.done]);
  }

  async relabel(id: string, label: string): Promise<void> {
    const tx = (await this.open()).transaction('images', 'readwrite');
    const image = await tx.store.get(id);
    if (image) await tx.store.put({ ...image, sourceLabel: label });
    await tx.done;
  }

  async deleteImages(ids: string[]): Promise<void> {
    const tx = (await this.open()).transaction('images', 'readwrite');
    await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  }

  async saveSettings(settings: StoredDatasetSettings): Promise<void> {
    await (await this.open()).put('settings', settings, SETTINGS_KEY);
  }

  async loadTrainForm(): Promise<Partial<TrainForm> | null> {
    return ((await (await this.open()).get('settings', TRAIN_FORM_KEY)) as Partial<TrainForm> | undefined) ?? null;
  }

  async saveTrainForm(form: TrainForm): Promise<void> {
    await (await this.open()).put('settings', form, TRAIN_FORM_KEY);
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
  putImages: async () => undefined,
  relabel: async () => undefined,
  deleteImages: async () => undefined,
  saveSettings: async () => undefined,
  loadTrainForm: async () => null,
  saveTrainForm: async () => undefined,
  listRuns: async () => [],
  putRun: async () => undefined,
  deleteRun: async () => undefined,
  getCheckpoint: async () => checkpointInMemory,
  putCheckpoint: async (checkpoint) => { checkpointInMemory = checkpoint; },
  clearCheckpoint: async () => { checkpointInMemory = null; },
};

let storage: ProjectStorage | null = null;
let openProjectId = DEFAULT_PROJECT_ID;

/** Which project this page shows; set once at start-up, before the first datasetStorage() call. */
export function selectProject(projectId: string): void {
  if (storage && projectId !== openProjectId) throw new Error(`project ${openProjectId} is already open`);
  openProjectId = projectId;
}

export function currentProjectId(): string {
  return openProjectId;
}

/** The storage of this page's project, opened on first use (as foveaWorker() is for the worker). */
export function datasetStorage(): ProjectStorage {
  storage ??= typeof indexedDB === 'undefined' ? noStorage : new IndexedDbProjectStorage(openProjectId);
  return storage;
}

/** The image at most STORED_SIDE px on its longest side, as JPEG; smaller images are re-encoded, not enlarged. */
export async function downscaleForStorage(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, STORED_SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, w, h);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  } finally {
    bitmap.close();
  }
}
