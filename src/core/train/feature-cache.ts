/**
 * Frozen-prefix feature cache: the frozen layers run once per (image, rotation) and their outputs are kept,
 * so each training step runs only the trainable suffix. Kept on the GPU (one tensor, gathered per batch)
 * while it fits `gpuBudgetBytes`, else in CPU memory (uploaded per batch) while it fits `cpuBudgetBytes`;
 * beyond that there is no cache and the prefix runs every step (still without its backward pass).
 *
 * float16 on the GPU (WebGPU only) halves the bytes, but only when asked for (`precision: 'float16'`):
 * its per-value error (<= 4.9e-4 relative) compounds through training; the bench's float16-cache part
 * measured per-step losses 1e-5 apart at the first step and 2.1e-3 apart by the ninth (scenario 4, 64 px,
 * batch 4), beyond the 1e-3 that the exact options keep, so 'auto' never picks it.
 */
import * as tf from '@tensorflow/tfjs';
import { FLOAT16_MAX, float16PackingAvailable, gatherFloat16, packFloat16 } from '../kernels/float16_pack';

export type CachePrecision = 'float32' | 'float16';

export interface FeatureCacheConfig {
  /** Defaults to 512 MiB. */
  gpuBudgetBytes: number;
  /** Defaults to 2 GiB. */
  cpuBudgetBytes: number;
  /** 'auto' (default) and 'float32' keep float32; 'float16' keeps float16 on the GPU or nothing. */
  precision: 'auto' | CachePrecision;
}

export function resolveFeatureCacheConfig(partial: Partial<FeatureCacheConfig> = {}): FeatureCacheConfig {
  return {
    gpuBudgetBytes: partial.gpuBudgetBytes ?? 512 * 2 ** 20,
    cpuBudgetBytes: partial.cpuBudgetBytes ?? 2 * 2 ** 30,
    precision: partial.precision ?? 'auto',
  };
}

export type CacheLocation = 'gpu' | 'cpu';

export interface CachePlan {
  location: CacheLocation;
  precision: CachePrecision;
}

/**
 * Where and how a cache of `samples` feature maps of `featureShape` would be kept, or null when it does not
 * fit. `float16Available`: the backend can pack float16 (WebGPU; see kernels/float16_pack.ts).
 */
export function planFeatureCache(
  featureShape: number[], samples: number, config: FeatureCacheConfig, float16Available = float16PackingAvailable(),
): CachePlan | null {
  const values = featureShape.reduce((a, b) => a * b, 1) * samples;
  const float16 = float16Available && values % 2 === 0 && (values / samples) % 2 === 0;
  if (config.precision === 'float16') {
    return float16 && values * 2 <= config.gpuBudgetBytes ? { location: 'gpu', precision: 'float16' } : null;
  }
  if (values * 4 <= config.gpuBudgetBytes) return { location: 'gpu', precision: 'float32' };
  if (values * 4 <= config.cpuBudgetBytes) return { location: 'cpu', precision: 'float32' };
  return null;
}

/** A frozen feature beyond float16's range turned up while building a float16 cache. */
export class FeatureRangeError extends Error {
  override name = 'FeatureRangeError';
  constructor(readonly maxAbs: number) {
    super(`a frozen feature of magnitude ${maxAbs} does not fit float16 (max ${FLOAT16_MAX})`);
  }
}

export class FeatureCache {
  private constructor(
    readonly location: CacheLocation,
    readonly precision: CachePrecision,
    readonly featureShape: number[],
    readonly samples: number,
    /** float32: one tensor [samples, ...featureShape]. */
    private readonly gpu: tf.Tensor | null,
    /** float16: the packed batches as built (int32 [batchSize, values / 2] each, the last maybe shorter).
     * They stay apart because tfjs's concat and gather pass int32 through float32, which would corrupt
     * the packed bit patterns; gatherFloat16 reads them raw. */
    private readonly packed: tf.Tensor2D[],
    private readonly chunkSize: number,
    private readonly cpu: Float32Array | null,
  ) {}

  get bytes(): number {
    return this.featureShape.reduce((a, b) => a * b, 1) * (this.precision === 'float16' ? 2 : 4) * this.samples;
  }

  /**
   * Runs `prefix` over every sample. `input(start, count)` returns the network input of samples
   * [start, start + count) (the cache disposes it; it may be read asynchronously, batch after batch). `onProgress(done)` is awaited after each batch, so the
   * caller can pause or cancel (return true to stop: the partial cache is discarded and null returned).
   * Throws {@link FeatureRangeError} (having freed what it built) when a float16 plan meets a feature
   * beyond float16's range; the caller then plans again in float32.
   */
  static async build(
    prefix: tf.LayersModel,
    samples: number,
    { location, precision }: CachePlan,
    batchSize: number,
    input: (start: number, count: number) => tf.Tensor4D | Promise<tf.Tensor4D>,
    onProgress: (done: number) => Promise<boolean>,
  ): Promise<FeatureCache | null> {
    // GoogLeNet's prefix is fully convolutional (free spatial dims): the first batch tells the shape.
    let featureShape: number[] = [];
    let per = 0;
    const chunks: tf.Tensor[] = [];
    const packed: tf.Tensor2D[] = [];
    let cpu: Float32Array | null = null;
    for (let start = 0; start < samples; start += batchSize) {
      const count = Math.min(batchSize, samples - start);
      const x = await input(start, count);
      const f = prefix.predict(x) as tf.Tensor;
      x.dispose();
      if (start === 0) {
        featureShape = f.shape.slice(1);
        per = featureShape.reduce((a, b) => a * b, 1);
        if (location === 'cpu') cpu = new Float32Array(per * samples);
      }
      if (cpu) {
        cpu.set((await f.data()) as Float32Array, start * per);
        f.dispose();
      } else {
        // Reading one number back keeps the queue short and the progress honest; it is the range check too.
        const maxAbs = tf.tidy(() => tf.max(tf.abs(f)));
        const max = (await maxAbs.data())[0];
        maxAbs.dispose();
        if (precision === 'float16') {
          if (!(max <= FLOAT16_MAX)) {
            tf.dispose([f, ...packed]);
            throw new FeatureRangeError(max);
          }
          packed.push(packFloat16(f));
          f.dispose();
        } else {
          chunks.push(f);
        }
      }
      if (await onProgress(start + count)) {
        tf.dispose([...chunks, ...packed]);
        return null;
      }
    }
    let gpu: tf.Tensor | null = null;
    if (!cpu && precision === 'float32') {
      gpu = chunks.length === 1 ? chunks[0] : tf.concat(chunks, 0);
      if (chunks.length > 1) tf.dispose(chunks);
    }
    return new FeatureCache(location, precision, featureShape, samples, gpu, packed, batchSize, cpu);
  }

  /**
   * A CPU cache over features computed elsewhere (TrainerHooks.extractFeatures: the command's worker pool or
   * its cache on disk): `features` holds `samples` rows of `featureShape`, in sample order; the cache keeps it.
   */
  static fromFeatures(features: Float32Array, featureShape: number[], samples: number): FeatureCache {
    const per = featureShape.reduce((a, b) => a * b, 1);
    if (features.length !== per * samples) {
      throw new Error(`expected ${per * samples} feature values (${samples} x [${featureShape.join(', ')}]), got ${features.length}`);
    }
    return new FeatureCache('cpu', 'float32', featureShape, samples, null, [], samples, features);
  }

  /** Features of the given samples, as one float32 batch tensor (the caller owns it). */
  gather(indices: number[]): tf.Tensor {
    if (this.gpu) {
      const gpu = this.gpu;
      return tf.tidy(() => tf.gather(gpu, tf.tensor1d(indices, 'int32')));
    }
    if (this.packed.length > 0) return this.gatherPacked(indices);
    const per = this.featureShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(per * indices.length);
    indices.forEach((s, i) => out.set(this.cpu!.subarray(s * per, (s + 1) * per), i * per));
    return tf.tensor(out, [indices.length, ...this.featureShape]);
  }

  /** float16: one raw gather per packed batch the samples fall in, then the rows put in the asked order. */
  private gatherPacked(indices: number[]): tf.Tensor {
    const byChunk = new Map<number, { rows: number[]; positions: number[] }>();
    indices.forEach((sample, position) => {
      const chunk = Math.floor(sample / this.chunkSize);
      const entry = byChunk.get(chunk) ?? { rows: [], positions: [] };
      entry.rows.push(sample - chunk * this.chunkSize);
      entry.positions.push(position);
      byChunk.set(chunk, entry);
    });
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      const order: number[] = [];
      for (const [chunk, { rows, positions }] of [...byChunk].sort((a, b) => a[0] - b[0])) {
        parts.push(gatherFloat16(this.packed[chunk], tf.tensor1d(rows, 'int32'), this.featureShape));
        order.push(...positions);
      }
      const stacked = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      // Row j of `stacked` is batch position order[j]: invert the permutation.
      const inverse = new Array<number>(order.length);
      order.forEach((position, j) => { inverse[position] = j; });
      return tf.gather(stacked, tf.tensor1d(inverse, 'int32'));
    });
  }

  dispose(): void {
    this.gpu?.dispose();
    tf.dispose(this.packed);
  }
}
