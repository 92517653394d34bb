/**
 * Thumbnails of the dataset's images, read when an image is shown: a reload lists every image from its metadata
 * and reads no thumbnail until one is on screen. Object URLs are kept for the last MAX_URLS images shown (older
 * ones are revoked; an <img> already showing one keeps its picture). Images just added keep their thumbnail in
 * memory until it is known to be saved; images saved before thumbnails were get one made from their stored pixels.
 */
import { projectStorage, type DatasetStorage, type EncodedImage } from './project-storage';

const MAX_URLS = 1000;
const THUMB_SIDE = 96;

export class Thumbnails {
  private readonly urls = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string | null>>();
  /** Thumbnails not (yet) in storage: just added, or storage failed. */
  private readonly unsaved = new Map<string, EncodedImage>();

  constructor(private readonly storage: () => DatasetStorage) {}

  /** A thumbnail that is not in storage (yet); `saved()` drops it from memory once it is. */
  keep(id: string, data: EncodedImage): void {
    this.unsaved.set(id, data);
  }

  saved(ids: string[]): void {
    for (const id of ids) this.unsaved.delete(id);
  }

  /** The image's thumbnail as an object URL, or null when there is none to be had. */
  url(id: string): Promise<string | null> {
    const known = this.urls.get(id);
    if (known) {
      // Most recently used last.
      this.urls.delete(id);
      this.urls.set(id, known);
      return Promise.resolve(known);
    }
    let pending = this.pending.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.pending.delete(id));
      this.pending.set(id, pending);
    }
    return pending;
  }

  private async load(id: string): Promise<string | null> {
    let data: EncodedImage | null = this.unsaved.get(id) ?? null;
    try {
      data ??= await this.storage().getThumbnail(id);
      data ??= await this.fromPixels(id);
    } catch {
      return null;
    }
    if (!data) return null;
    const url = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type: 'image/jpeg' }));
    this.urls.set(id, url);
    while (this.urls.size > MAX_URLS) {
      const [oldest, oldUrl] = this.urls.entries().next().value as [string, string];
      URL.revokeObjectURL(oldUrl);
      this.urls.delete(oldest);
    }
    return url;
  }

  /** Made once from the stored copy (images saved before version 3 have no thumbnail), then saved. */
  private async fromPixels(id: string): Promise<Blob | null> {
    const pixels = await this.storage().getPixels(id);
    if (!pixels) return null;
    const bitmap = await createImageBitmap(pixels.data instanceof Blob ? pixels.data : new Blob([pixels.data]));
    try {
      const side = Math.min(bitmap.width, bitmap.height);
      const canvas = new OffscreenCanvas(THUMB_SIDE, THUMB_SIDE);
      const ctx = canvas.getContext('2d');
      if (!ctx) return null;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, THUMB_SIDE, THUMB_SIDE);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
      await this.storage().putThumbnail(id, blob).catch(() => undefined);
      return blob;
    } finally {
      bitmap.close();
    }
  }

  /** Forgets removed images. */
  forget(ids: string[]): void {
    for (const id of ids) {
      const url = this.urls.get(id);
      if (url) URL.revokeObjectURL(url);
      this.urls.delete(id);
      this.unsaved.delete(id);
    }
  }

  /** Forgets everything (the dataset was cleared or reset). */
  clear(): void {
    this.forget([...this.urls.keys(), ...this.unsaved.keys()]);
  }
}

let shared: Thumbnails | null = null;

/** The page's thumbnails, over this page's project storage (created on first use, as projectStorage() is). */
export function thumbnails(): Thumbnails {
  shared ??= new Thumbnails(projectStorage);
  return shared;
}
