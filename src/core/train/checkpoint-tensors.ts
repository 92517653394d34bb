/**
 * Tensors to and from a checkpoint's plain arrays. Apart from checkpoint.ts so that the page, which stores and
 * adjusts checkpoints (state/saved-runs.ts), never loads tfjs: only the worker and Node need these two.
 */
import * as tf from '@tensorflow/tfjs';
import type { SavedTensor } from './checkpoint';

/** A copy of a tensor's values (never the backend's own array: a checkpoint may be transferred or stored). */
export async function saveTensor(name: string, tensor: tf.Tensor): Promise<SavedTensor> {
  return { name, shape: tensor.shape.slice(), values: new Float32Array(await tensor.data()) };
}

export function savedToTensor(saved: SavedTensor): tf.Tensor {
  return tf.tensor(saved.values, saved.shape, 'float32');
}
