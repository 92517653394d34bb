import { describe, expect, it, vi } from 'vitest';
import { Thumbnails } from './thumbnails';
import type { DatasetStorage } from './project-storage';

/** A storage holding thumbnails for some ids, counting reads. */
function storageWith(thumbs: Record<string, Blob>) {
  const getThumbnail = vi.fn(async (id: string) => thumbs[id] ?? null);
  const getPixels = vi.fn(async () => null);
  return { storage: { getThumbnail, getPixels, putThumbnail: vi.fn(async () => undefined) } as unknown as DatasetStorage, getThumbnail };
}

describe('thumbnails, read when shown', () => {
  it('serves a just-added thumbnail from memory, then from storage once it is saved and forgotten', async () => {
    const { storage, getThumbnail } = storageWith({ a: new Blob(['stored']) });
    const thumbs = new Thumbnails(() => storage);
    thumbs.keep('a', new TextEncoder().encode('fresh').buffer);
    const url = await thumbs.url('a');
    expect(url).toMatch(/^blob:/);
    expect(getThumbnail).not.toHaveBeenCalled();
    // The same URL while it is cached.
    expect(await thumbs.url('a')).toBe(url);
    thumbs.saved(['a']);
    thumbs.forget(['a']);
    expect(await thumbs.url('a')).toMatch(/^blob:/);
    expect(getThumbnail).toHaveBeenCalledTimes(1);
  });

  it('answers null for an image with neither a thumbnail nor stored pixels, and asks storage once for concurrent requests', async () => {
    const { storage, getThumbnail } = storageWith({});
    const thumbs = new Thumbnails(() => storage);
    const [first, second] = await Promise.all([thumbs.url('x'), thumbs.url('x')]);
    expect([first, second]).toEqual([null, null]);
    expect(getThumbnail).toHaveBeenCalledTimes(1);
  });

  it('keeps at most 1,000 object URLs, revoking the least recently shown', async () => {
    const thumbs = new Thumbnails(() => storageWith({}).storage);
    const revoke = vi.spyOn(URL, 'revokeObjectURL');
    for (let i = 0; i < 1001; i++) thumbs.keep(`i${i}`, new Blob([String(i)]));
    const first = await thumbs.url('i0');
    for (let i = 1; i < 1001; i++) await thumbs.url(`i${i}`);
    expect(revoke).toHaveBeenCalledWith(first);
    expect(revoke).toHaveBeenCalledTimes(1);
    revoke.mockRestore();
  });
});
