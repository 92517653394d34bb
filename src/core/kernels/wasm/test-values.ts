/** Helpers of the wasm kernels' tests (imported by tests only). */
import * as tf from '@tensorflow/tfjs';

/** Normal values drawn with a fixed seed (not 0: tfjs takes seed 0 for none), on the current backend. */
export const seeded = (shape: number[], seed: number): Float32Array =>
  tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);

/** The largest difference from the reference, as a fraction of the reference's largest entry. */
export function relativeError(reference: Float32Array, ours: Float32Array): number {
  if (ours.length !== reference.length) throw new Error(`${ours.length} values against ${reference.length}`);
  const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return reference.reduce((m, v, k) => Math.max(m, Math.abs(v - ours[k])), 0) / scale;
}
