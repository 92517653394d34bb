/**
 * The layout of one project's IndexedDB database, shared by the page (state/project-storage.ts writes and lists)
 * and the training worker (worker/stored-images.ts reads pixels batch by batch). Stores:
 * - `images`: each image's metadata only (name, path, label, patient, order, how its pixels were prepared), so
 *   that a reload lists 30,000 images without reading a pixel;
 * - `pixels`: each image's stored copy, encoded (the field-of-view or centre square at the project's working
 *   side, JPEG), the only pixels training, caching, evaluation and Grad-CAM ever read;
 * - `thumbs`: a small JPEG per image, read when the image is shown;
 * - `features`: kept frozen features of scenarios 1 and 3 (worker/kept-features.ts), reused by the next run;
 * - `settings`, `runs`, `checkpoint`: dataset and Train settings, finished runs, the run in progress.
 * Version 3 moved the pixels out of `images` (version 2 kept a downscaled, uncropped JPEG there).
 */
import { openDB, type IDBPDatabase } from 'idb';
import type { PreparedPixels } from '../core/project/project-file';

export type { PreparedPixels } from '../core/project/project-file';

/** The first project keeps the database name Fovea used before there were several. */
export const DEFAULT_PROJECT_ID = 'default';

export function projectDatabaseName(projectId: string): string {
  return projectId === DEFAULT_PROJECT_ID ? 'fovea-project' : `fovea-project-${projectId}`;
}

export const PROJECT_DB_VERSION = 3;


/**
 * An encoded image as stored: bytes (what Fovea writes: plain bytes, which IndexedDB keeps without Blob handles, and
 * which count as the page's own memory so that its garbage collector frees them in time; thousands of Blobs held by
 * lazily collected wrappers kept their data in the browser process) or a Blob (images saved before version 3).
 */
export type EncodedImage = ArrayBuffer | Blob;

/** One image's stored pixels. */
export interface StoredPixels {
  id: string;
  /** The encoded image (JPEG, or PNG). */
  data: EncodedImage;
  /**
   * How it was prepared; null for images saved before version 3: a downscaled copy of the whole original
   * (longest side at most 512 px), cropped when it is read.
   */
  prepared: PreparedPixels | null;
}

/** Every kept-features record of an image (worker/kept-features.ts keys them `<image id>|<feature key>`). */
export function keptFeaturesOf(id: string): IDBKeyRange {
  return IDBKeyRange.bound(`${id}|`, `${id}|\uffff`);
}

export interface StoredThumbnail {
  id: string;
  /** A small JPEG. */
  data: EncodedImage;
}

/** The byte size of an encoded image. */
export const encodedSize = (data: EncodedImage): number => (data instanceof Blob ? data.size : data.byteLength);

/**
 * Opens (creating or upgrading) a project's database by name. Untyped: state/project-storage.ts gives it its
 * schema; the worker reads `pixels` only.
 */
export function openProjectDb(name: string): Promise<IDBPDatabase<unknown>> {
  return openDB(name, PROJECT_DB_VERSION, {
    async upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('images', { keyPath: 'id' });
        db.createObjectStore('settings');
      }
      if (oldVersion < 2) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('checkpoint');
      }
      if (oldVersion < 3) {
        db.createObjectStore('pixels', { keyPath: 'id' });
        db.createObjectStore('thumbs', { keyPath: 'id' });
        db.createObjectStore('features');
        // Version 2 kept each image's JPEG in its metadata record: move it to `pixels`, uncropped (prepared: null).
        const images = tx.objectStore('images');
        const pixels = tx.objectStore('pixels');
        for (let cursor = await images.openCursor(); cursor; cursor = await cursor.continue()) {
          const { blob, ...meta } = cursor.value as { id: string; blob?: Blob };
          if (blob) {
            await pixels.put({ id: meta.id, data: blob, prepared: null } satisfies StoredPixels);
            await cursor.update(meta);
          }
        }
      }
    },
  });
}
