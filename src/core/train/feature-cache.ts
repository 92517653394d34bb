/**
 * Frozen-prefix feature cache: the frozen layers run once per (image, rotation) and their outputs are kept,
 * so each training step runs only the trainable suffix. Kept on the GPU (one tensor, gathered per batch)
 * while it fits `gpuBudgetBytes`, else in CPU memory (uploaded per batch) while it fits `cpuBudgetBytes`;
 * beyond that there is no cache and the prefix runs every step (still without its backward pass).
 */
import * as tf from '@tensorflow/tfjs';

export interface FeatureCacheConfig {
  /** Defaults to 512 MiB. */
  gpuBudgetBytes: number;
  /** Defaults to 2 GiB. */
  cpuBudgetBytes: number;
}

export function resolveFeatureCacheConfig(partial: Partial<FeatureCacheConfig> = {}): FeatureCacheConfig {
  return { gpuBudgetBytes: partial.gpuBudgetBytes ?? 512 * 2 ** 20, cpuBudgetBytes: partial.cpuBudgetBytes ?? 2 * 2 ** 30 };
}

export type CacheLocation = 'gpu' | 'cpu';

/** Where a cache of `samples` feature maps of `featureShape` would live, or null when it does not fit. */
export function planFeatureCache(featureShape: number[], samples: number, config: FeatureCacheConfig): CacheLocation | null {
  const bytes = featureShape.reduce((a, b) => a * b, 1) * 4 * samples;
  if (bytes <= config.gpuBudgetBytes) return 'gpu';
  if (bytes <= config.cpuBudgetBytes) return 'cpu';
  return null;
}

export class FeatureCache {
  private constructor(
    readonly location: CacheLocation,
    readonly featureShape: number[],
    readonly samples: number,
    private readonly gpu: tf.Tensor | null,
    private readonly cpu: Float32Array | null,
  ) {}

  get bytes(): number {
    return this.featureShape.reduce((a, b) => a * b, 1) * 4 * this.samples;
  }

  /**
   * Runs `prefix` over every sample. `input(start, count)` returns the network input of samples
   * [start, start + count) (the cache disposes it). `onProgress(done)` is awaited after each batch, so the
   * caller can pause or cancel (return true to stop: the partial cache is discarded and null returned).
   */
  static async build(
    prefix: tf.LayersModel,
    samples: number,
    location: CacheLocation,
    batchSize: number,
    input: (start: number, count: number) => tf.Tensor4D,
    onProgress: (done: number) => Promise<boolean>,
  ): Promise<FeatureCache | null> {
    const featureShape = (prefix.outputs[0].shape as number[]).slice(1);
    const per = featureShape.reduce((a, b) => a * b, 1);
    const chunks: tf.Tensor[] = [];
    const cpu = location === 'cpu' ? new Float32Array(per * samples) : null;
    for (let start = 0; start < samples; start += batchSize) {
      const count = Math.min(batchSize, samples - start);
      const x = input(start, count);
      const f = prefix.predict(x) as tf.Tensor;
      x.dispose();
      if (cpu) {
        cpu.set((await f.data()) as Float32Array, start * per);
        f.dispose();
      } else {
        chunks.push(f);
        await f.data(); // keeps the queue short and the progress honest
      }
      if (await onProgress(start + count)) {
        tf.dispose(chunks);
        return null;
      }
    }
    let gpu: tf.Tensor | null = null;
    if (!cpu) {
      gpu = chunks.length === 1 ? chunks[0] : tf.concat(chunks, 0);
      if (chunks.length > 1) tf.dispose(chunks);
    }
    return new FeatureCache(location, featureShape, samples, gpu, cpu);
  }

  /** Features of the given samples, as one batch tensor (the caller owns it). */
  gather(indices: number[]): tf.Tensor {
    if (this.gpu) {
      return tf.tidy(() => tf.gather(this.gpu!, tf.tensor1d(indices, 'int32')));
    }
    const per = this.featureShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(per * indices.length);
    indices.forEach((s, i) => out.set(this.cpu!.subarray(s * per, (s + 1) * per), i * per));
    return tf.tensor(out, [indices.length, ...this.featureShape]);
  }

  dispose(): void {
    this.gpu?.dispose();
  }
}
