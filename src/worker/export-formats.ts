/**
 * The worker's side of issue 10, apart from its state: the current model as ONNX and as PyTorch safetensors,
 * a run packed as a torchrun training job, and train.py's result read back into a finished run. The worker
 * (fovea.worker.ts) owns the models and images and passes them in; every failure of a file the user brings
 * travels as an ImportError.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../core/data/preprocess';
import { exportOnnx } from '../core/export/onnx/export';
import {
  exportTrainingImages, exportTrainingJob, importTrainingResult, prepareStartingNetwork, type ImportedTrainingResult,
} from '../core/export/training-job';
import { exportSafetensors } from '../core/export/weights-file';
import { disposeNetwork } from '../core/model/classifier';
import { resolveTrainConfig } from '../core/train/config';
import MODEL_PY from '../core/export/torch/model.py?raw';
import { WorkerError } from './errors';
import type { FoveaManifest, TorchWeightsFiles, TrainingJobFiles, TrainingJobRequest, TrainingResultFile, TrainRequest } from './protocol';
import { manifestPreprocessing, type ImagePreparation } from './trained-model';

/** ONNX bytes of `model`, its preprocessing, labels and test-time rotations in the metadata. */
export function onnxOf(model: tf.LayersModel, manifest: FoveaManifest): Promise<Uint8Array> {
  return exportOnnx(model, {
    inputSize: manifest.inputSize, classNames: manifest.classNames, preprocessing: manifest.preprocessing,
    testTimeRotations: manifest.testTimeRotations ?? [0],
  });
}

/** weights.safetensors (class names and preprocessing in its metadata, beside the head) and model.py. */
export async function torchWeightsOf(model: tf.LayersModel, manifest: FoveaManifest): Promise<TorchWeightsFiles> {
  const weights = await exportSafetensors(model, {
    class_names: JSON.stringify(manifest.classNames), input_size: String(manifest.inputSize),
    preprocessing: JSON.stringify(manifest.preprocessing),
  });
  return { weights, modelPy: new TextEncoder().encode(MODEL_PY) };
}

/**
 * The job zip (and the images zip when asked): the starting network is built on `base` exactly as train()
 * would build it (new head, feature scale measured on the first training images). Disposes `base`.
 */
export async function trainingJobOf(
  base: tf.LayersModel, request: TrainingJobRequest, image: (id: string) => RgbImage, prep: ImagePreparation,
): Promise<TrainingJobFiles> {
  const config = resolveTrainConfig(request.config);
  const items = request.items.map((it) => ({ ...it, patientId: request.patientIds[it.id] ?? it.id }));
  let start: tf.LayersModel | null = null;
  try {
    start = (await prepareStartingNetwork(base, {
      classNames: request.classNames, image, train: items.filter((it) => it.split === 'train'),
    }, config)).model;
    const job = await exportTrainingJob({
      model: start, config, classNames: request.classNames, ordinal: request.ordinal, items,
      preprocessing: manifestPreprocessing(prep),
    });
    const images = request.includeImages ? exportTrainingImages(items, image, config.inputSize) : null;
    return { job, images };
  } finally {
    disposeNetwork(start, base);
  }
}

function importError(message: string): WorkerError {
  return new WorkerError('ImportError', message);
}

/** weights.safetensors + metrics.json by name, from loose files or zips of the result folder. */
function resultFiles(files: TrainingResultFile[]): Uint8Array | Map<string, Uint8Array> {
  if (files.length === 1 && /\.zip$/i.test(files[0].name)) return files[0].bytes;
  return new Map(files.map((f) => [f.name, f.bytes] as const));
}

/**
 * train.py's result for the run `request` describes, as a network built on `base` (which it takes over).
 * Checks that it answers the request's classes and that its validation images are the request's.
 */
export function readTrainingResult(base: tf.LayersModel, request: TrainRequest, files: TrainingResultFile[]): ImportedTrainingResult {
  let result: ImportedTrainingResult;
  try {
    result = importTrainingResult(base, resultFiles(files), { classNames: request.classNames, ordinal: request.ordinal });
  } catch (e) {
    disposeNetwork(base);
    throw e instanceof WorkerError ? e : importError(`This training result cannot be read: ${(e as Error).message}`);
  }
  const problem = mismatch(request, result, result.net.model.outputs[0].shape[1] as number);
  if (problem) {
    disposeNetwork(result.net.model, base);
    throw importError(problem);
  }
  return result;
}

/** Why the result does not belong to the studio's current dataset, or null. */
function mismatch(request: TrainRequest, result: ImportedTrainingResult, outputs: number): string | null {
  const k = request.classNames.length;
  if (outputs !== k) {
    return `This result's model has ${outputs} outputs but the dataset has ${k} classes (${request.classNames.join(', ')}): ` +
      'load the dataset and label choice the job was exported from, then import it again.';
  }
  const known = new Set(request.items.map((it) => it.id));
  const missing = result.metrics.val.ids.filter((id) => !known.has(id));
  if (missing.length > 0) {
    return `${missing.length} of its ${result.metrics.val.ids.length} validation images (e.g. ${missing[0]}) are not in the dataset: ` +
      'load the images the job was exported from, then import it again.';
  }
  return null;
}
