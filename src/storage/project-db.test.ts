import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { keptFeaturesOf, openProjectDb, PROJECT_DB_VERSION, type StoredPixels } from './project-db';

describe('the project database layout', () => {
  it('moves a version 2 project\'s JPEGs out of its image records into `pixels`, uncropped, keeping every field', async () => {
    const name = `fovea-project-migrate-${Math.random()}`;
    const v2 = await openDB(name, 2, {
      upgrade(db) {
        db.createObjectStore('images', { keyPath: 'id' });
        db.createObjectStore('settings');
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('checkpoint');
      },
    });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
    await v2.put('images', { id: 'a', name: 'a.jpg', relativePath: '0/a.jpg', sourceLabel: '0', patientId: 'p1', fromSample: false, order: 0, blob: jpeg });
    await v2.put('images', { id: 'b', name: 'b.jpg', relativePath: '1/b.jpg', sourceLabel: '1', patientId: 'p2', fromSample: true, order: 1, blob: jpeg });
    v2.close();

    const db = await openProjectDb(name);
    expect(db.version).toBe(PROJECT_DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['checkpoint', 'features', 'images', 'pixels', 'runs', 'settings', 'thumbs']);
    const images = await db.getAll('images');
    expect(images).toEqual([
      { id: 'a', name: 'a.jpg', relativePath: '0/a.jpg', sourceLabel: '0', patientId: 'p1', fromSample: false, order: 0 },
      { id: 'b', name: 'b.jpg', relativePath: '1/b.jpg', sourceLabel: '1', patientId: 'p2', fromSample: true, order: 1 },
    ]);
    const pixels = (await db.getAll('pixels')) as StoredPixels[];
    expect(pixels.map((p) => [p.id, p.prepared, Array.from(p.data as unknown as Uint8Array)])).toEqual([
      ['a', null, Array.from(jpeg)], ['b', null, Array.from(jpeg)],
    ]);
    db.close();
  });

  it('finds every kept-features record of an image and no other image\'s (ids that share a prefix included)', async () => {
    const db = await openProjectDb(`fovea-project-range-${Math.random()}`);
    for (const key of ['img-1|k1', 'img-1|k2', 'img-10|k1', 'img-2|k1']) await db.put('features', { key }, key);
    await db.delete('features', keptFeaturesOf('img-1'));
    expect(await db.getAllKeys('features')).toEqual(['img-10|k1', 'img-2|k1']);
    db.close();
  });
});
