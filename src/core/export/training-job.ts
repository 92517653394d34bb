/**
 * Handing an experiment that outgrows the browser to PyTorch, and taking the result back.
 *  - exportTrainingJob: one zip `job/` with the dataset manifest (files, labels, split, patient groups), the
 *    experiment's settings (TrainConfig), the starting weights as safetensors and a small Python package
 *    (model.py, train.py, README.md) run with `torchrun --nproc_per_node=N train.py`;
 *  - exportTrainingImages: the images as the studio prepared them (cropped, resized: raw RGB bytes), a
 *    second zip `images/`, so that PyTorch sees exactly the studio's pixels;
 *  - importTrainingResult: train.py's weights.safetensors + metrics.json back into a network, with the
 *    epochs' curves and the validation report, like one of the studio's own runs.
 */
import type { ImageSource } from '../data/image-source';
import type * as tf from '@tensorflow/tfjs';
import { unzipSync, zipSync } from 'fflate';
import { refuseHeadFeatures } from './head-features';
import type { SplitSide } from '../data/split';
import { evaluate } from '../eval/metrics';
import type { EvalReport } from '../eval/report';
import { buildClassifier, type FoveaNet, measureFeatureScale } from '../model/classifier';
import { classifierConfigOf, resolveTrainConfig, type TrainConfig } from '../train/config';
import type { EpochSummary } from '../train/events';
import { inputBatch, type TrainingData, type TrainOutcome } from '../train/trainer';
import { describePreprocessing, type FoveaManifest } from './package';
import { buildFromSafetensors, exportSafetensors } from './weights-file';
import MODEL_PY from './torch/model.py?raw';
import TRAIN_PY from './torch/train.py?raw';
import README_MD from './torch/README.md?raw';

export const JOB_FORMAT = 'fovea-training-job';
export const RESULT_FORMAT = 'fovea-training-result';

export class TrainingJobError extends Error {
  override name = 'TrainingJobError';
}

export interface TrainingJobItem {
  /** Image id as in the studio (its path in the dropped folder). */
  id: string;
  classIndex: number;
  split: SplitSide;
  /** Images with the same patient id are on the same side of the split. */
  patientId: string;
}

/** manifest.json of a job. */
export interface TrainingJobManifest {
  format: typeof JOB_FORMAT;
  version: 1;
  createdAt: string;
  classNames: string[];
  ordinal: boolean;
  /** Side of the square images in the images zip. */
  inputSize: number;
  preprocessing: FoveaManifest['preprocessing'];
  /** `pixels`: the image's file in the images zip (raw RGB, inputSize x inputSize x 3 bytes, row-major). */
  items: (TrainingJobItem & { className: string; pixels: string })[];
}

export interface TrainingJobInput {
  /** The starting network (prepareStartingNetwork): its weights go in start.safetensors. */
  model: tf.LayersModel;
  config: TrainConfig;
  classNames: string[];
  ordinal: boolean;
  items: TrainingJobItem[];
  /** Defaults to describePreprocessing('centre'). */
  preprocessing?: FoveaManifest['preprocessing'];
}

const pixelsFile = (index: number) => `${String(index).padStart(6, '0')}.rgb`;
const text = (s: string) => new TextEncoder().encode(s);

/**
 * The starting network of a run, as the studio's trainer builds it: the new head on `base` with the feature
 * scale measured on (up to) the first 16 training images. The caller owns `base` and the result.
 */
export async function prepareStartingNetwork(
  base: tf.LayersModel, data: Pick<TrainingData, 'train' | 'images' | 'classNames'>, partial: Partial<TrainConfig>,
): Promise<FoveaNet> {
  const config = resolveTrainConfig(partial);
  const probe = await inputBatch(data, data.train.slice(0, 16).map((it) => ({ id: it.id, rotation: 0 })), config.inputSize);
  let featureScale: number;
  try {
    featureScale = await measureFeatureScale(base, config.headOn, probe, config.headPooling, config.headFeatures);
  } finally {
    probe.dispose();
  }
  return buildClassifier(base, classifierConfigOf(config, data.classNames.length, featureScale));
}

/** The job zip: job/{manifest.json, settings.json, start.safetensors, model.py, train.py, README.md}. */
export async function exportTrainingJob(input: TrainingJobInput): Promise<Uint8Array> {
  const config = resolveTrainConfig(input.config);
  refuseHeadFeatures(config.headFeatures, 'PyTorch training job');
  const ids = new Set<string>();
  for (const it of input.items) {
    if (ids.has(it.id)) throw new TrainingJobError(`image ${it.id} is listed twice`);
    ids.add(it.id);
    if (!(it.classIndex >= 0 && it.classIndex < input.classNames.length)) {
      throw new TrainingJobError(`image ${it.id} has class index ${it.classIndex}, outside 0..${input.classNames.length - 1}`);
    }
  }
  for (const side of ['train', 'val'] as const) {
    if (!input.items.some((it) => it.split === side)) throw new TrainingJobError(`the ${side} split has no images`);
  }
  const manifest: TrainingJobManifest = {
    format: JOB_FORMAT, version: 1, createdAt: new Date().toISOString(),
    classNames: input.classNames, ordinal: input.ordinal, inputSize: config.inputSize,
    preprocessing: input.preprocessing ?? describePreprocessing('centre'),
    items: input.items.map((it, i) => ({ ...it, className: input.classNames[it.classIndex], pixels: pixelsFile(i) })),
  };
  const weights = await exportSafetensors(input.model, { class_names: JSON.stringify(input.classNames) });
  return zipSync({
    job: {
      'manifest.json': text(JSON.stringify(manifest, null, 1)),
      'settings.json': text(JSON.stringify(config, null, 2)),
      'start.safetensors': weights,
      'model.py': text(MODEL_PY),
      'train.py': text(TRAIN_PY),
      'README.md': text(README_MD),
    },
  }, { level: 6 });
}

/**
 * Each image of a job as the studio prepared it, in the order of `items` (the same as exportTrainingJob's), handed to
 * `write` as its file name in the images folder and its raw RGB bytes, a batch at a time: a caller that writes them to
 * disk holds one batch, not the dataset.
 */
export async function forEachTrainingImage(
  items: Pick<TrainingJobItem, 'id'>[], images: ImageSource, inputSize: number, write: (name: string, rgb: Uint8Array) => void,
): Promise<void> {
  const READ_BATCH = 32;
  for (let first = 0; first < items.length; first += READ_BATCH) {
    const chunk = items.slice(first, first + READ_BATCH);
    const loaded = await images.load(chunk.map((it) => it.id));
    chunk.forEach((it, j) => {
      const img = loaded[j];
      if (img.width !== inputSize || img.height !== inputSize) {
        throw new TrainingJobError(`image ${it.id} is ${img.width}x${img.height}, the job needs ${inputSize}x${inputSize}`);
      }
      write(pixelsFile(first + j), img.data);
    });
  }
}

/** The images zip: images/<nnnnnn>.rgb in the order of `items` (the same as exportTrainingJob's). */
export async function exportTrainingImages(items: Pick<TrainingJobItem, 'id'>[], images: ImageSource, inputSize: number): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  await forEachTrainingImage(items, images, inputSize, (name, rgb) => { files[name] = rgb; });
  return zipSync({ images: files }, { level: 6 });
}

/** A split's predictions as train.py writes them (the best epoch's, probabilities averaged over rotations). */
export interface ExternalPredictions {
  ids: string[];
  labels: number[];
  probs: number[][];
  loss: number;
  accuracy: number;
}

/** metrics.json written by train.py. */
export interface TrainingResultMetrics {
  format: typeof RESULT_FORMAT;
  version: 1;
  epochs: EpochSummary[];
  bestEpoch: number;
  stoppedBecause: 'completed' | 'early-stopping';
  val: ExternalPredictions;
  test?: ExternalPredictions;
  settings: TrainConfig;
  worldSize: number;
}

export type ImportedTrainingResult = Pick<TrainOutcome, 'net' | 'config' | 'epochs' | 'report' | 'bestEpoch' | 'test' | 'stoppedBecause'> & {
  metrics: TrainingResultMetrics;
};

/**
 * Reads train.py's output (the result folder zipped, or its files by name) into a network built on `base`
 * (a freshly loaded pretrained GoogLeNet, which it takes over), with the epochs and the validation report.
 */
export function importTrainingResult(
  base: tf.LayersModel, source: Uint8Array | Map<string, Uint8Array>, job: { classNames: string[]; ordinal: boolean },
): ImportedTrainingResult {
  const files = new Map<string, Uint8Array>();
  if (source instanceof Map) source.forEach((v, k) => files.set(k.slice(k.lastIndexOf('/') + 1), v));
  else {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(source);
    } catch (e) {
      throw new TrainingJobError(`This file is not a zip archive (${(e as Error).message}): zip the folder train.py wrote (weights.safetensors, metrics.json).`);
    }
    for (const [path, bytes] of Object.entries(entries)) if (!path.endsWith('/')) files.set(path.slice(path.lastIndexOf('/') + 1), bytes);
  }
  const weights = files.get('weights.safetensors');
  const metricsBytes = files.get('metrics.json');
  if (!weights || !metricsBytes) throw new TrainingJobError('The result needs weights.safetensors and metrics.json, as train.py writes them.');
  let metrics: TrainingResultMetrics;
  try {
    metrics = JSON.parse(new TextDecoder().decode(metricsBytes));
  } catch {
    throw new TrainingJobError('metrics.json is not valid JSON.');
  }
  if (metrics.format !== RESULT_FORMAT) throw new TrainingJobError(`metrics.json says format '${metrics.format}', not '${RESULT_FORMAT}'.`);
  const config = resolveTrainConfig(metrics.settings);
  const report = (p: ExternalPredictions): EvalReport =>
    evaluate({ classNames: job.classNames, ordinal: job.ordinal, labels: p.labels, probs: p.probs, ids: p.ids });
  const net = buildFromSafetensors(base, weights, { freezeUpTo: config.freezeUpTo, seed: config.seed });
  return {
    net, config, epochs: metrics.epochs, bestEpoch: metrics.bestEpoch, stoppedBecause: metrics.stoppedBecause,
    report: report(metrics.val), ...(metrics.test ? { test: report(metrics.test) } : {}), metrics,
  };
}
