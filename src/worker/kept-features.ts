/**
 * The studio's kept feature cache: the frozen features of a fully frozen pretrained backbone (scenarios 1 and 3:
 * pooled vectors, ~2 KB an image and rotation as float16) stored in the project's IndexedDB `features` store,
 * one record per (key, image) with the rotations computed so far. The next run with the same key
 * (core/train/feature-key.ts) reads them instead of running GoogLeNet again: retraining a head on 30,000
 * photographs takes seconds, not another extraction. Every run uses the float16 values (fresh features are
 * rounded the same way before use), so a run on kept features equals a run that computed them.
 * Used as TrainerHooks.extractFeatures.
 */
import * as tf from '@tensorflow/tfjs';
import type { IDBPDatabase } from 'idb';
import { decodeFloat16, encodeFloat16, fitsFloat16 } from '../core/data/float16';
import type { ImageSource } from '../core/data/image-source';
import { InputBatches, type FeatureRequest, type Sample } from '../core/train/trainer';

/** One image's kept features under one key: `values` holds 4 rotations x the feature size; `have` bit r: rotation r is there. */
export interface KeptFeatures {
  values: Uint16Array;
  have: number;
}

/** Image first, so that removing an image removes its features under every key (a key range). */
const recordKey = (key: string, id: string) => `${id}|${key}`;
/** Records read in one transaction. */
const READ_CHUNK = 512;

export interface KeptFeatureStats {
  reused: number;
  computed: number;
}

/**
 * The features `request` asks for: kept ones read, the others computed with the request's prefix over `images`
 * (read ahead batch by batch) and kept. Resolves null when cancelled through onProgress.
 */
export async function keptFeatures(
  db: IDBPDatabase<unknown>, key: string, request: FeatureRequest, images: ImageSource, stats: KeptFeatureStats = { reused: 0, computed: 0 },
): Promise<Float32Array | null> {
  const { samples, featureShape, prefix, config } = request;
  const per = featureShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(per * samples.length);
  const ids = [...new Set(samples.map((s) => s.id))];
  const kept = new Map<string, KeptFeatures>();
  for (let first = 0; first < ids.length; first += READ_CHUNK) {
    const chunk = ids.slice(first, first + READ_CHUNK);
    const tx = db.transaction('features');
    const records = await Promise.all(chunk.map((id) => tx.objectStore('features').get(recordKey(key, id)) as Promise<KeptFeatures | undefined>));
    records.forEach((r, i) => { if (r && r.values.length === 4 * per) kept.set(chunk[i], r); });
  }
  const missing: number[] = [];
  samples.forEach((s, i) => {
    const r = kept.get(s.id);
    if (r && r.have & (1 << s.rotation)) out.set(decodeFloat16(r.values.subarray(s.rotation * per, (s.rotation + 1) * per)), i * per);
    else missing.push(i);
  });
  stats.reused += samples.length - missing.length;
  let done = samples.length - missing.length;
  if (await request.onProgress(done)) return null;

  const batches: number[][] = [];
  for (let first = 0; first < missing.length; first += config.batchSize) batches.push(missing.slice(first, first + config.batchSize));
  const inputs = new InputBatches(images, batches.map((b) => b.map((i) => samples[i])), config.inputSize);
  try {
    for (let b = 0; b < batches.length; b++) {
      const x = await inputs.batch(b);
      const f = prefix.predict(x) as tf.Tensor;
      x.dispose();
      const values = (await f.data()) as Float32Array;
      f.dispose();
      // Beyond float16's range nothing is kept (and the run uses the exact values): never seen for pooled features.
      const keepable = fitsFloat16(values);
      const halves = keepable ? encodeFloat16(values) : null;
      const rounded = halves ? decodeFloat16(halves) : values;
      const touched = new Map<string, KeptFeatures>();
      batches[b].forEach((sampleIndex, j) => {
        out.set(rounded.subarray(j * per, (j + 1) * per), sampleIndex * per);
        if (!halves) return;
        const s: Sample = samples[sampleIndex];
        const r = kept.get(s.id) ?? { values: new Uint16Array(4 * per), have: 0 };
        r.values.set(halves.subarray(j * per, (j + 1) * per), s.rotation * per);
        r.have |= 1 << s.rotation;
        kept.set(s.id, r);
        touched.set(s.id, r);
      });
      if (touched.size > 0) {
        try {
          const tx = db.transaction('features', 'readwrite');
          await Promise.all([...[...touched].map(([id, r]) => tx.objectStore('features').put(r, recordKey(key, id))), tx.done]);
        } catch {
          // Storage full: the run goes on with what it computed; the next run computes the rest again.
        }
      }
      stats.computed += batches[b].length;
      done += batches[b].length;
      if (await request.onProgress(done)) return null;
    }
  } finally {
    inputs.close();
  }
  return out;
}

/** Forgets every kept feature of a project (its images changed crop, or the user asks). */
export async function clearKeptFeatures(db: IDBPDatabase<unknown>): Promise<void> {
  await db.clear('features');
}
