/**
 * A short GoogLeNet timing on the current tfjs backend: what the backend choice (core/backend/choice.ts) compares
 * when the facts do not settle it, and the speed the backend badge shows. Small on purpose: 64 px, batch 2, one
 * warm-up batch (kernel compilation, weight upload) and two timed ones.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeNetwork } from '../core/model/classifier';

export interface ProbeConfig {
  /** Input side in pixels. Defaults to 64 (GoogLeNet's smallest). */
  size?: number;
  /** Images per batch. Defaults to 2. */
  batchSize?: number;
  /** Batches timed after the warm-up. Defaults to 2. */
  timedBatches?: number;
}

/** GoogLeNet inference images/s on the backend tfjs runs now, with the pretrained weights at `modelUrl`. */
export async function timeGoogLeNet(modelUrl: string, config: ProbeConfig = {}): Promise<number> {
  const size = config.size ?? 64;
  const batchSize = config.batchSize ?? 2;
  const timedBatches = config.timedBatches ?? 2;
  const model = await tf.loadLayersModel(modelUrl);
  // Zeros: the timing does not depend on the pixels, and no image has to be decoded for it.
  const input = tf.zeros([batchSize, size, size, 3]);
  try {
    await inferOnce(model, input);
    const started = performance.now();
    for (let b = 0; b < timedBatches; b++) await inferOnce(model, input);
    const seconds = (performance.now() - started) / 1000;
    return (timedBatches * batchSize) / Math.max(seconds, 1e-6);
  } finally {
    input.dispose();
    disposeNetwork(model);
  }
}

async function inferOnce(model: tf.LayersModel, input: tf.Tensor): Promise<void> {
  const out = model.predict(input) as tf.Tensor;
  try {
    await out.data();
  } finally {
    out.dispose();
  }
}
