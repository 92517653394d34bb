/** Loading the converted GoogLeNet from public/models in Node (tfjs has no file:// loader without tfjs-node). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '../../src/core/model/lrn';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODEL_DIR = join(PROJECT_ROOT, 'public', 'models', 'googlenet');
export const SHARED_DIR = resolve(PROJECT_ROOT, '..', 'shared');

export function readModelArtifacts(dir = MODEL_DIR): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(readFileSync(join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    format: json.format,
  };
}

export function loadGoogLeNet(dir = MODEL_DIR): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(readModelArtifacts(dir)));
}

export function imagenetClasses(dir = MODEL_DIR): string[] {
  return JSON.parse(readFileSync(join(dir, 'imagenet-classes.json'), 'utf8'));
}
