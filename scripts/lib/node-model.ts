/** Loading the converted GoogLeNet from public/models in Node (tfjs has no file:// loader without tfjs-node). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '../../src/core/model/lrn';
import { filesToArtifacts, type ModelFiles } from '../../src/core/export/layers-files';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODEL_DIR = join(PROJECT_ROOT, 'public', 'models', 'googlenet');
export const SHARED_DIR = resolve(PROJECT_ROOT, '..', 'shared');

export function readModelArtifacts(dir = MODEL_DIR): tf.io.ModelArtifacts {
  const files: ModelFiles = new Map();
  for (const name of readdirSync(dir)) {
    if (name === 'model.json' || name.endsWith('.bin')) files.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  return filesToArtifacts(files);
}

export function loadGoogLeNet(dir = MODEL_DIR): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(readModelArtifacts(dir)));
}

export function imagenetClasses(dir = MODEL_DIR): string[] {
  return JSON.parse(readFileSync(join(dir, 'imagenet-classes.json'), 'utf8'));
}
