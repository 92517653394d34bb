/**
 * The dataset kept in IndexedDB (through `idb`), so a reload keeps it: each image as a downscaled JPEG (the
 * original's pixels at most STORED_SIDE px, none of its metadata) with its name, path, label and patient, and
 * the dataset settings (preset, split, crop, declared classes). One project for now, in one database.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LabelPresetId } from '../core/data/presets';

/** Longest side of a stored image: twice the largest input size, so the field-of-view crop still has room. */
export const STORED_SIDE = 512;

export interface StoredImage {
  id: string;
  name: string;
  relativePath: string;
  sourceLabel: string;
  patientId: string;
  fromSample: boolean;
  /** Order of addition, so a restored dataset lists its images as before. */
  order: number;
  blob: Blob;
}

export interface StoredDatasetSettings {
  presetId: LabelPresetId;
  split: { seed: number; valFraction: number; testFraction: number };
  fieldOfViewCrop: boolean;
  declaredLabels: string[];
  sampleAttribution: string | null;
}

interface ProjectDb extends DBSchema {
  images: { key: string; value: StoredImage };
  settings: { key: string; value: StoredDatasetSettings };
}

const DB_NAME = 'fovea-project';
const SETTINGS_KEY = 'dataset';

export interface SavedDataset {
  images: StoredImage[];
  settings: StoredDatasetSettings | null;
}

/** Where the dataset is saved; every method may reject (quota, private mode), and callers say so plainly. */
export interface DatasetStorage {
  load(): Promise<SavedDataset>;
  putImages(images: StoredImage[]): Promise<void>;
  relabel(id: string, label: string): Promise<void>;
  deleteImages(ids: string[]): Promise<void>;
  saveSettings(settings: StoredDatasetSettings): Promise<void>;
}

class IndexedDbDatasetStorage implements DatasetStorage {
  private db: Promise<IDBPDatabase<ProjectDb>> | null = null;

  private open(): Promise<IDBPDatabase<ProjectDb>> {
    this.db ??= openDB<ProjectDb>(DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore('images', { keyPath: 'id' });
        db.createObjectStore('settings');
      },
    });
    return this.db;
  }

  async load(): Promise<SavedDataset> {
    const db = await this.open();
    const images = (await db.getAll('images')).sort((a, b) => a.order - b.order);
    return { images, settings: (await db.get('settings', SETTINGS_KEY)) ?? null };
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
}

/** Without IndexedDB (Node tests, some private modes) nothing is saved and nothing is restored. */
const noStorage: DatasetStorage = {
  load: async () => ({ images: [], settings: null }),
  putImages: async () => undefined,
  relabel: async () => undefined,
  deleteImages: async () => undefined,
  saveSettings: async () => undefined,
};

let storage: DatasetStorage | null = null;

/** The one storage of this page, opened on first use (as foveaWorker() is for the worker). */
export function datasetStorage(): DatasetStorage {
  storage ??= typeof indexedDB === 'undefined' ? noStorage : new IndexedDbDatasetStorage();
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
