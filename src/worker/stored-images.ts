/**
 * The worker's view of the project's images: it holds no decoded dataset. Pixels are read from the project's
 * IndexedDB `pixels` store (storage/project-db.ts) batch by batch and decoded into the run's input size on
 * demand (createImageBitmap + OffscreenCanvas), so memory is O(batch x read-ahead) whatever the dataset's size.
 * Images whose pixels the page could not save (storage full, no IndexedDB) are held here as their encoded
 * blobs for this session only.
 */
import type { IDBPDatabase } from 'idb';
import type { ImageSource } from '../core/data/image-source';
import type { RgbImage } from '../core/data/preprocess';
import { openProjectDb, type StoredPixels } from '../storage/project-db';
import { drawBox, drawSquare, prepareInput, type RunPreprocessing } from './decode';
import { WorkerError } from './errors';

export class StoredImages {
  private db: Promise<IDBPDatabase<unknown>> | null = null;
  private readonly held = new Map<string, StoredPixels>();

  /** Reads from this project database from now on (null: none, only held images). */
  openProject(databaseName: string | null): void {
    const previous = this.db;
    this.db = databaseName ? openProjectDb(databaseName) : null;
    previous?.then((db) => db.close(), () => undefined);
  }

  /** The project database, when there is one (the kept feature cache lives there too). */
  database(): Promise<IDBPDatabase<unknown>> | null {
    return this.db;
  }

  /** Keeps images whose pixels could not be saved, for this session. */
  hold(images: StoredPixels[]): void {
    for (const image of images) this.held.set(image.id, image);
  }

  forget(ids: string[]): void {
    for (const id of ids) this.held.delete(id);
  }

  /** Ids of up to `limit` stored images (held ones first), for the decode benchmark. */
  async storedIds(limit: number): Promise<string[]> {
    const ids = [...this.held.keys()].slice(0, limit);
    if (ids.length < limit && this.db) ids.push(...((await (await this.db).getAllKeys('pixels', undefined, limit - ids.length)) as string[]));
    return ids;
  }

  /** The stored pixels of these images, in order; DatasetError naming the first that is missing. */
  async pixels(ids: readonly string[]): Promise<StoredPixels[]> {
    const found = new Map<string, StoredPixels>();
    const wanted = ids.filter((id) => {
      const held = this.held.get(id);
      if (held) found.set(id, held);
      return !held;
    });
    if (wanted.length > 0 && this.db) {
      const db = await this.db;
      const tx = db.transaction('pixels');
      const records = await Promise.all(wanted.map((id) => tx.store.get(id) as Promise<StoredPixels | undefined>));
      records.forEach((r) => { if (r) found.set(r.id, r); });
    }
    return ids.map((id) => {
      const r = found.get(id);
      if (!r) throw new WorkerError('DatasetError', `Image ${id} is not stored any more (removed, or its project was cleared); add it again.`);
      return r;
    });
  }

  /**
   * The images as a run prepares them: decoded from their stored copies, resized to `prep.size`, colour-normalised
   * when asked. `fieldOfViewCrop` is the run's crop: a stored copy cropped otherwise is refused (DatasetError), and
   * copies saved before crops were stored (version 2) are cropped that way as they are read. null: any stored crop
   * is taken as it is (showing a dataset image), old copies cropped to the field of view.
   */
  source(prep: RunPreprocessing, fieldOfViewCrop: boolean | null): ImageSource {
    const crop = fieldOfViewCrop === false ? 'centre-square' : 'field-of-view';
    return {
      load: async (ids) => {
        const records = await this.pixels(ids);
        return Promise.all(records.map(async (r): Promise<RgbImage> => {
          if (fieldOfViewCrop !== null && r.prepared && r.prepared.crop !== crop) {
            throw new WorkerError('DatasetError',
              'Some images were cropped to the field of view and others to the centre square when they were added. ' +
                'Remove all images, choose one crop on the Dataset screen, and add them again.');
          }
          return prepareInput(await decodeStored(r, prep.size, crop), prep.colourNormalisation);
        }));
      },
    };
  }
}

/** A stored copy at `size` x `size`: the whole square, or (an old uncropped copy) its crop. */
async function decodeStored(r: StoredPixels, size: number, crop: 'field-of-view' | 'centre-square'): Promise<RgbImage> {
  const unreadable = () => new WorkerError('DatasetError', `The stored copy of image ${r.id} cannot be decoded any more; remove it and add it again.`);
  // Stored bytes of a cropped square decode through WebCodecs' ImageDecoder where there is one: no Blob is made
  // (each would hold its bytes in the browser process until its wrapper is collected).
  if (r.prepared && !(r.data instanceof Blob) && typeof ImageDecoder !== 'undefined') {
    let decoder: ImageDecoder | null = null;
    let frame: VideoFrame | null = null;
    try {
      decoder = new ImageDecoder({ data: r.data, type: sniffImageType(new Uint8Array(r.data, 0, Math.min(8, r.data.byteLength))) });
      frame = (await decoder.decode()).image;
    } catch {
      decoder?.close();
      throw unreadable();
    }
    try {
      const side = Math.min(frame.displayWidth, frame.displayHeight);
      return drawBox(frame, { x: 0, y: 0, size: side }, size);
    } finally {
      frame.close();
      decoder.close();
    }
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(r.data instanceof Blob ? r.data : new Blob([r.data]));
  } catch {
    throw unreadable();
  }
  try {
    return drawSquare(bitmap, size, r.prepared ? null : crop);
  } finally {
    bitmap.close();
  }
}

/** The MIME type of encoded image bytes by their signature: PNG, else JPEG (what Fovea stores). */
function sniffImageType(head: Uint8Array): string {
  return head[0] === 0x89 && head[1] === 0x50 ? 'image/png' : 'image/jpeg';
}
