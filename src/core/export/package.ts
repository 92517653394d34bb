/**
 * The exported model package: one zip holding a tfjs layers model (model.json + weight shards) and
 * fovea.json (labels, input size, preprocessing, training settings, validation metrics, provenance).
 * Any TF.js app can load model.json once the LRN layer is registered (see README).
 */
import * as tf from '@tensorflow/tfjs';
import { unzipSync, zipSync } from 'fflate';
import type { EvalReport } from '../eval/report';
import type { EvaluationSummary } from '../eval/summary';
import type { TrainConfig } from '../train/config';
import type { EpochSummary } from '../train/events';
import { CAFFE_MEAN_BGR } from '../data/preprocess';
import { MODEL_CARD_FILE } from './model-card';
import { artifactsToFiles, filesToArtifacts, modelArtifacts, type ModelFiles } from './layers-files';
import '../model/lrn';

/** fovea.json: everything needed to use an exported model correctly, beside the tfjs layers files. */
export interface FoveaManifest {
  format: 'fovea-model';
  version: 1;
  createdAt: string;
  classNames: string[];
  ordinal: boolean;
  inputSize: number;
  preprocessing: {
    /** 'centre-square': the centre square of the photo; 'field-of-view': the square around the circular fundus
     * disc (black borders dropped), padded with black where the disc is cut off. */
    crop: 'centre-square' | 'field-of-view';
    /** After the crop and resize: local-average colour subtraction (Ben Graham: 4 x (image - Gaussian blur) + 128). */
    colour?: 'local-average-subtraction';
    channelOrder: 'BGR';
    meanBgr: [number, number, number];
    scale: 1;
    layout: 'NHWC';
  };
  scenario: string;
  training: TrainConfig;
  epochs: EpochSummary[];
  validation: Omit<EvalReport, 'predictions'>;
  weightsProvenance: Record<string, unknown>;
  customLayers: string[];
  /**
   * Quarter turns (0-3, clockwise) whose softmax outputs are averaged for one prediction (test-time
   * augmentation); [0] or absent: one pass. Consumers should do the same to get the reported figures.
   */
  testTimeRotations?: number[];
  /** Screening figures: intervals, operating points (thresholds on summed class probabilities), calibration. */
  screening?: EvaluationSummary;
}

export const MANIFEST_FILE = 'fovea.json';

export class PackageImportError extends Error {
  override name = 'ImportError';
}

/** How images were prepared: 'centre' (centre square), 'fov' (field-of-view square), 'fov-colour' (that plus
 * local-average colour subtraction). */
export function describePreprocessing(kind: 'centre' | 'fov' | 'fov-colour' = 'centre'): FoveaManifest['preprocessing'] {
  return {
    crop: kind === 'centre' ? 'centre-square' : 'field-of-view',
    ...(kind === 'fov-colour' ? { colour: 'local-average-subtraction' as const } : {}),
    channelOrder: 'BGR', meanBgr: [...CAFFE_MEAN_BGR], scale: 1, layout: 'NHWC',
  };
}

/** The zip: model.json, weight shards, fovea.json and any `extraFiles` (e.g. MODEL_CARD.md) by name. */
export async function exportPackage(
  model: tf.LayersModel, manifest: FoveaManifest, extraFiles: Record<string, string> = {},
): Promise<Uint8Array> {
  const files = artifactsToFiles(await modelArtifacts(model), 'Fovea (fine-tuned BVLC GoogLeNet)');
  const entries: Record<string, Uint8Array> = {};
  for (const [name, bytes] of files) entries[name] = bytes;
  for (const [name, text] of Object.entries(extraFiles)) entries[name] = new TextEncoder().encode(text);
  entries[MANIFEST_FILE] = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
  // Weights barely compress; level 1 keeps the export fast.
  return zipSync(entries, { level: 1 });
}

export interface ImportedPackage {
  model: tf.LayersModel;
  manifest: FoveaManifest;
  /** MODEL_CARD.md of the package; null when the zip has none (packages exported before model cards). */
  modelCard: string | null;
}

export async function importPackage(zip: Uint8Array): Promise<ImportedPackage> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (e) {
    throw new PackageImportError(`This file is not a zip archive (${(e as Error).message}). Choose a .zip exported by Fovea.`);
  }
  // Accept packages whose files sit in one top folder (re-zipped by hand).
  const files: ModelFiles = new Map();
  for (const [path, bytes] of Object.entries(entries)) {
    if (!path.endsWith('/')) files.set(path.slice(path.lastIndexOf('/') + 1), bytes);
  }
  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes) throw new PackageImportError(`The zip has no ${MANIFEST_FILE}: it is not a Fovea model package.`);
  let manifest: FoveaManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as FoveaManifest;
  } catch {
    throw new PackageImportError(`${MANIFEST_FILE} in the zip is not valid JSON.`);
  }
  if (manifest.format !== 'fovea-model' || !Array.isArray(manifest.classNames) || !(manifest.inputSize > 0)) {
    throw new PackageImportError(`${MANIFEST_FILE} does not describe a Fovea model (format, classNames, inputSize).`);
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(filesToArtifacts(files)));
  } catch (e) {
    throw new PackageImportError(`The model files in the zip could not be loaded: ${(e as Error).message}`);
  }
  const units = (model.outputs[0].shape as number[])[1];
  if (units !== manifest.classNames.length) {
    model.dispose();
    throw new PackageImportError(
      `The model predicts ${units} classes but ${MANIFEST_FILE} names ${manifest.classNames.length}.`,
    );
  }
  const card = files.get(MODEL_CARD_FILE);
  return { model, manifest, modelCard: card ? new TextDecoder().decode(card) : null };
}
