/**
 * What a frozen prefix computes, as one SHA-256: its layers (class and config: where the cut is, how the head's
 * input is pooled) and its output shape, and every weight it holds. Two prefixes with the same fingerprint give
 * the same features; the worker pool checks its threads' prefixes against the trainer's with it, and the
 * feature cache on disk keys its entries by it (so new weights, another cut or another pooling never reuse them).
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';

export async function prefixFingerprint(prefix: tf.LayersModel): Promise<string> {
  const hash = createHash('sha256');
  // Layer configs, not the model's JSON: that also numbers the graph's nodes, which differ between a model built
  // once and one built on a GoogLeNet that served an earlier model.
  const layers = prefix.layers.map((l) => [l.getClassName(), l.getConfig()]);
  hash.update(JSON.stringify({ layers, output: prefix.outputs.map((o) => o.shape) }));
  for (const w of prefix.weights) {
    hash.update(w.originalName);
    const values = await w.read().data();
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}
