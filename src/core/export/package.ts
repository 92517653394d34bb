/**
 * The exported model package: one zip holding a tfjs layers model (model.json + weight shards) and
 * fovea.json (labels, input size, preprocessing, training settings, validation metrics, provenance).
 * Any TF.js app can load model.json once the LRN layer (and, for a GeM head, the GeM pooling layer) is
 * registered (see README); importing this module registers both.
 */
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import type { EvalReport } from '../eval/report';
import type { EvaluationSummary } from '../eval/summary';
import type { TrainConfig } from '../train/config';
import type { EpochSummary } from '../train/events';
import { CAFFE_MEAN_BGR } from '../data/preprocess';
import { MODEL_CARD_FILE } from './model-card';
import { artifactsToFiles, modelArtifacts } from './layers-files';
import { describeSchemaProblem, DTYPE_BYTES, foveaManifestSchema, modelJsonSchema, parseJsonSafely, UnsafeJsonError } from './manifest-schema';
import { listZipEntries, readZipEntries, ZipLimitError, type ZipEntryInfo, type ZipLimitsConfig } from './zip-entries';
import '../model/lrn';
import '../model/pooling';

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

/** What an imported package may hold: model.json up to 2 MB, each shard up to 64 MB, 256 MB and 64 files in all. */
export const PACKAGE_LIMITS: ZipLimitsConfig = {
  maxEntries: 64, maxEntryBytes: 64 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024,
  maxBytesByName: { 'model.json': 2 * 1024 * 1024, [MANIFEST_FILE]: 2 * 1024 * 1024, [MODEL_CARD_FILE]: 1024 * 1024 },
};

/**
 * Reads a package from outside without trusting it: sizes are checked from the zip's directory before
 * anything is inflated, fovea.json and model.json are validated against schemas, every weight shard's
 * length must match what model.json's manifest needs, and every weight's shape what the architecture needs.
 * Each refusal is a PackageImportError with a plain message; nothing of the caller's is touched.
 */
export async function importPackage(zip: Uint8Array): Promise<ImportedPackage> {
  const listed = listPackage(zip);
  const small = readPackageEntries(zip, [listed.get(MANIFEST_FILE), listed.get('model.json'), listed.get(MODEL_CARD_FILE)]);
  const manifest = parseManifest(small.get(MANIFEST_FILE)!);
  const modelJson = parseModelJson(small.get('model.json')!);
  const shardPaths = modelJson.weightsManifest.flatMap((group) => group.paths);
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  const shards = checkShardSizes(listed, shardPaths, specs);
  const shardBytes = readPackageEntries(zip, shards);
  const model = await buildModel(modelJson.modelTopology, specs, shardPaths.map((p) => shardBytes.get(p)!));
  const units = (model.outputs[0].shape as number[])[1];
  if (units !== manifest.classNames.length) {
    model.dispose();
    throw new PackageImportError(
      `The model predicts ${units} classes but ${MANIFEST_FILE} names ${manifest.classNames.length}.`,
    );
  }
  const inputShape = model.inputs[0].shape;
  // A fully convolutional network (GoogLeNet here) takes any size: [null, null, null, 3].
  const [height, width] = [inputShape[1], inputShape[2]];
  if (inputShape.length === 4 && height !== null && width !== null && (height !== manifest.inputSize || width !== manifest.inputSize)) {
    model.dispose();
    throw new PackageImportError(
      `The model takes ${height}x${width} images but ${MANIFEST_FILE} says ${manifest.inputSize}x${manifest.inputSize}.`,
    );
  }
  const card = small.get(MODEL_CARD_FILE);
  return { model, manifest, modelCard: card ? new TextDecoder().decode(card) : null };
}

function listPackage(zip: Uint8Array): Map<string, ZipEntryInfo> {
  let listed: Map<string, ZipEntryInfo>;
  try {
    listed = listZipEntries(zip, PACKAGE_LIMITS);
  } catch (e) {
    if (e instanceof ZipLimitError && e.problem.kind === 'not-a-zip') {
      throw new PackageImportError(`This file is not a zip archive (${e.problem.detail}). Choose a .zip exported by Fovea.`);
    }
    throw new PackageImportError(`This package was refused: ${(e as Error).message}. Choose a .zip exported by Fovea.`);
  }
  if (!listed.has(MANIFEST_FILE)) throw new PackageImportError(`The zip has no ${MANIFEST_FILE}: it is not a Fovea model package.`);
  if (!listed.has('model.json')) throw new PackageImportError('The zip has no model.json: it is not a Fovea model package.');
  return listed;
}

function readPackageEntries(zip: Uint8Array, wanted: (ZipEntryInfo | undefined)[]): Map<string, Uint8Array> {
  try {
    return readZipEntries(zip, wanted.filter((e): e is ZipEntryInfo => e !== undefined));
  } catch (e) {
    throw new PackageImportError(`This package was refused: ${(e as Error).message}. The zip may be damaged; export it again.`);
  }
}

function parseJsonFile(bytes: Uint8Array, file: string): unknown {
  try {
    return parseJsonSafely(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    if (e instanceof UnsafeJsonError) throw new PackageImportError(`${file} in the zip was refused: ${e.message}.`);
    throw new PackageImportError(`${file} in the zip is not valid JSON.`);
  }
}

function parseManifest(bytes: Uint8Array): FoveaManifest {
  const parsed = foveaManifestSchema.safeParse(parseJsonFile(bytes, MANIFEST_FILE));
  if (!parsed.success) {
    throw new PackageImportError(`${MANIFEST_FILE} does not describe a Fovea model (${describeSchemaProblem(parsed.error)}).`);
  }
  // training and weightsProvenance are checked as plain JSON records: the studio only shows them.
  return parsed.data as unknown as FoveaManifest;
}

function parseModelJson(bytes: Uint8Array) {
  const parsed = modelJsonSchema.safeParse(parseJsonFile(bytes, 'model.json'));
  if (!parsed.success) {
    throw new PackageImportError(`model.json is not a TensorFlow.js layers model (${describeSchemaProblem(parsed.error)}).`);
  }
  return parsed.data;
}

/** The shards model.json names, each present, and their declared sizes adding up to exactly what the weights need. */
function checkShardSizes(listed: Map<string, ZipEntryInfo>, paths: string[], specs: tf.io.WeightsManifestEntry[]): ZipEntryInfo[] {
  const needed = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[s.dtype as keyof typeof DTYPE_BYTES], 0);
  const shards = paths.map((path) => {
    const entry = listed.get(path);
    if (!entry) throw new PackageImportError(`The weight file ${path} named in model.json is missing from the zip.`);
    return entry;
  });
  if (new Set(paths).size !== paths.length) throw new PackageImportError('model.json names the same weight file twice.');
  const declared = shards.reduce((n, e) => n + e.declaredBytes, 0);
  if (declared !== needed) {
    const what = declared < needed ? 'too short' : 'too long';
    throw new PackageImportError(
      `The weight files are ${what}: they hold ${declared} bytes but model.json's weights need exactly ${needed}. ` +
      'The package is damaged or was altered; export it again.',
    );
  }
  return shards;
}

/** The architecture from model.json, its weights checked shape by shape against the manifest before loading. */
async function buildModel(topology: object, specs: tf.io.WeightsManifestEntry[], shards: Uint8Array[]): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology }));
  } catch (e) {
    throw new PackageImportError(`The architecture in model.json could not be built: ${(e as Error).message}`);
  }
  try {
    const byName = new Map(specs.map((s) => [s.name, s]));
    for (const weight of model.weights) {
      const spec = byName.get(weight.originalName);
      if (!spec) throw new PackageImportError(`The weights file has no values for ${weight.originalName}, which the architecture needs.`);
      if (spec.shape.length !== weight.shape.length || spec.shape.some((d, i) => d !== weight.shape[i])) {
        throw new PackageImportError(
          `The weight ${spec.name} has shape [${spec.shape.join(', ')}] but the architecture needs ` +
          `[${weight.shape.join(', ')}]. The package does not match its model.json.`,
        );
      }
      byName.delete(weight.originalName);
    }
    if (byName.size > 0) {
      throw new PackageImportError(`model.json lists weights the architecture does not have: ${[...byName.keys()].slice(0, 3).join(', ')}.`);
    }
    const data = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
    let offset = 0;
    for (const s of shards) {
      data.set(s, offset);
      offset += s.byteLength;
    }
    const tensors = tf.io.decodeWeights(data.buffer, specs);
    try {
      model.loadWeights(tensors, true);
    } finally {
      tf.dispose(Object.values(tensors));
    }
    return model;
  } catch (e) {
    model.dispose();
    if (e instanceof PackageImportError) throw e;
    throw new PackageImportError(`The weights in the zip could not be loaded: ${(e as Error).message}`);
  }
}
