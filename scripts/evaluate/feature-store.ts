/**
 * `--cache [dir]`: frozen-prefix features kept on disk between runs, one file per (image, rotation), float16.
 * An entry's key is everything its features depend on: the prefix (its layers, cut, pooling, output shape and
 * every weight: prefix-fingerprint.ts), the preprocessing (crop, colour, and PREPARATION_VERSION of the code that
 * decodes and resizes), the input size, the rotation, and the image file (absolute path, size, modification
 * time). The file is named by the key's hash and holds the key itself, checked on reading: an entry whose key
 * differs in any part is never used (it is recomputed and overwritten).
 *
 * With the cache on, every run uses the features as float16 holds them (fresh ones are rounded the same way
 * before use), so a run that computes them and a run that reads them give identical results. Rounding error:
 * at most 4.9e-4 of a feature's magnitude (float16.ts); an entry with a feature beyond float16's range is stored
 * in float32.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FeatureRequest } from '../../src/core/train/trainer';
import { decodeFloat16, encodeFloat16, fitsFloat16 } from '../../src/core/data/float16';
import type { FundusPreprocessing } from './options';
import { prefixFingerprint } from './prefix-fingerprint';

/** The default folder of `--cache` given without one (git-ignored). */
export const DEFAULT_FEATURE_CACHE_DIR = 'results/.feature-cache';

/** Bump when decoding, cropping or resizing (dataset.ts prepareImage and what it calls) changes its pixels. */
export const PREPARATION_VERSION = 1;

export interface FeatureKey {
  prefix: string;
  preprocessing: FundusPreprocessing;
  preparationVersion: number;
  inputSize: number;
  rotation: number;
  /** The image file: absolute path, size in bytes, modification time (ms). */
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** The key as one canonical string (fixed field order). */
export function featureKeyText(key: FeatureKey): string {
  const { prefix, preprocessing, preparationVersion, inputSize, rotation, path, bytes, mtimeMs } = key;
  return JSON.stringify({ prefix, preprocessing, preparationVersion, inputSize, rotation, path, bytes, mtimeMs });
}

export function featureKeyHash(key: FeatureKey): string {
  return createHash('sha256').update(featureKeyText(key)).digest('hex');
}

/** Computes features the store does not have (the worker pool, or the trainer's prefix on this thread). */
export type FeatureExtractor = (request: FeatureRequest) => Promise<Float32Array | null>;

const MAGIC = 'fovea-features 1';

/** Entries found and computed by this store so far (a run's log and tests read them). */
export interface FeatureStoreStats {
  read: number;
  computed: number;
}

export class FeatureStore {
  readonly stats: FeatureStoreStats = { read: 0, computed: 0 };
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  /**
   * The request's features: entries on disk are read, the others computed by `extract` (asked once, for the
   * missing samples only, with progress counted over the whole request) and written.
   */
  async extract(
    request: FeatureRequest, pathOf: (id: string) => string, preprocessing: FundusPreprocessing, extract: FeatureExtractor,
  ): Promise<Float32Array | null> {
    const { samples, featureShape } = request;
    const per = featureShape.reduce((a, b) => a * b, 1);
    const prefix = await prefixFingerprint(request.prefix);
    const files = new Map<string, { bytes: number; mtimeMs: number }>();
    const keys = samples.map((s): FeatureKey => {
      const path = resolve(pathOf(s.id));
      let file = files.get(path);
      if (!file) {
        const st = statSync(path);
        files.set(path, (file = { bytes: st.size, mtimeMs: st.mtimeMs }));
      }
      return {
        prefix, preprocessing, preparationVersion: PREPARATION_VERSION, inputSize: request.config.inputSize,
        rotation: s.rotation, path, ...file,
      };
    });
    const out = new Float32Array(per * samples.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const values = this.read(key, per);
      if (values) out.set(values, i * per);
      else missing.push(i);
    });
    const found = samples.length - missing.length;
    this.stats.read += found;
    if (missing.length === 0) {
      return (await request.onProgress(samples.length)) ? null : out;
    }
    const computed = await extract({
      ...request, samples: missing.map((i) => samples[i]),
      onProgress: (done) => request.onProgress(found + done),
    });
    if (!computed) return null;
    missing.forEach((sampleIndex, j) => {
      const stored = this.write(keys[sampleIndex], computed.subarray(j * per, (j + 1) * per));
      out.set(stored, sampleIndex * per);
    });
    this.stats.computed += missing.length;
    return out;
  }

  private fileOf(key: FeatureKey): string {
    return join(this.dir, `${featureKeyHash(key)}.bin`);
  }

  /** An entry's values, or null when there is none with exactly this key (or it is unreadable). */
  private read(key: FeatureKey, per: number): Float32Array | null {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.fileOf(key));
    } catch {
      return null;
    }
    const end = bytes.indexOf(10);
    if (end < 0) return null;
    let header: { magic?: string; key?: string; dtype?: string; length?: number };
    try {
      header = JSON.parse(bytes.subarray(0, end).toString('utf8'));
    } catch {
      return null;
    }
    if (header.magic !== MAGIC || header.key !== featureKeyText(key) || header.length !== per) return null;
    const body = bytes.subarray(end + 1);
    if (header.dtype === 'float16' && body.length === per * 2) {
      const halves = new Uint16Array(per);
      new Uint8Array(halves.buffer).set(body);
      return decodeFloat16(halves);
    }
    if (header.dtype === 'float32' && body.length === per * 4) {
      const values = new Float32Array(per);
      new Uint8Array(values.buffer).set(body);
      return values;
    }
    return null;
  }

  /** Writes an entry (atomically: a run killed mid-write leaves no half entry) and returns the values as stored. */
  private write(key: FeatureKey, values: Float32Array): Float32Array {
    const half = fitsFloat16(values);
    const stored = half ? decodeFloat16(encodeFloat16(values)) : Float32Array.from(values);
    const body = half ? encodeFloat16(values) : stored;
    const header = JSON.stringify({ magic: MAGIC, key: featureKeyText(key), dtype: half ? 'float16' : 'float32', length: values.length });
    const file = this.fileOf(key);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${header}\n`), new Uint8Array(body.buffer, body.byteOffset, body.byteLength)]));
    renameSync(temporary, file);
    return stored;
  }
}
