/**
 * The worker's side of issue 10, apart from its state: the current model as ONNX and as PyTorch safetensors,
 * a run packed as a torchrun training job, and train.py's result read back into a finished run. The worker
 * (fovea.worker.ts) owns the models and images and passes them in; every failure of a file the user brings
 * travels as an ImportError.
 */
import type { ImageSource } from '../core/data/image-source';
import type * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { exportOnnx } from '../core/export/onnx/export';
import {
  exportTrainingImages, exportTrainingJob, importTrainingResult, prepareStartingNetwork, TrainingJobError, type ImportedTrainingResult,
} from '../core/export/training-job';
import { exportSafetensors, readHeadDescription } from '../core/export/weights-file';
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
  base: tf.LayersModel, request: TrainingJobRequest, images: ImageSource, prep: ImagePreparation,
): Promise<TrainingJobFiles> {
  const config = resolveTrainConfig(request.config);
  const items = request.items.map((it) => ({ ...it, patientId: request.patientIds[it.id] ?? it.id }));
  let start: tf.LayersModel | null = null;
  try {
    start = (await prepareStartingNetwork(base, {
      classNames: request.classNames, images, train: items.filter((it) => it.split === 'train'),
    }, config)).model;
    const job = await exportTrainingJob({
      model: start, config, classNames: request.classNames, ordinal: request.ordinal, items,
      preprocessing: manifestPreprocessing(prep),
    });
    const pixels = request.includeImages ? await exportTrainingImages(items, images, config.inputSize) : null;
    return { job, images: pixels };
  } catch (e) {
    // Empty splits, a class index out of range: the dataset's to fix, as for a run in the browser.
    throw e instanceof TrainingJobError ? new WorkerError('DatasetError', `The training job cannot be made: ${e.message}.`) : e;
  } finally {
    disposeNetwork(start, base);
  }
}

function importError(message: string): WorkerError {
  return new WorkerError('ImportError', message);
}

/** The result's files by base name (weights.safetensors, metrics.json), from loose files or zips of the result folder. */
function resultFiles(files: TrainingResultFile[]): Map<string, Uint8Array> {
  const byName = new Map<string, Uint8Array>();
  const add = (path: string, bytes: Uint8Array) => {
    if (!path.endsWith('/')) byName.set(path.slice(path.lastIndexOf('/') + 1), bytes);
  };
  for (const f of files) {
    if (!/\.zip$/i.test(f.name)) add(f.name, f.bytes);
    else {
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(f.bytes);
      } catch (e) {
        throw importError(`${f.name} is not a zip archive (${(e as Error).message}): zip the folder train.py wrote.`);
      }
      for (const [path, bytes] of Object.entries(entries)) add(path, bytes);
    }
  }
  return byName;
}

/**
 * train.py's result for the run `request` describes, as a network built on `base` (which it takes over).
 * Checks that it answers the request's classes and that its validation images are the request's.
 */
export function readTrainingResult(base: tf.LayersModel, request: TrainRequest, files: TrainingResultFile[]): ImportedTrainingResult {
  let result: ImportedTrainingResult;
  try {
    const byName = resultFiles(files);
    const weights = byName.get('weights.safetensors');
    const outputs = weights ? readHeadDescription(weights).numClasses : null;
    if (outputs !== null && outputs !== request.classNames.length) throw importError(classMismatch(request, outputs));
    result = importTrainingResult(base, byName, { classNames: request.classNames, ordinal: request.ordinal });
  } catch (e) {
    disposeNetwork(base);
    throw e instanceof WorkerError ? e : importError(`This training result cannot be read: ${(e as Error).message}`);
  }
  const problem = imagesMismatch(request, result);
  if (problem) {
    disposeNetwork(result.net.model, base);
    throw importError(problem);
  }
  return result;
}

function classMismatch(request: TrainRequest, outputs: number): string {
  const k = request.classNames.length;
  return `This result's model has ${outputs} outputs but the dataset has ${k} classes (${request.classNames.join(', ')}): ` +
    'load the dataset and label choice the job was exported from, then import it again.';
}

/** Why the result's validation images are not the studio's current dataset's, or null. */
function imagesMismatch(request: TrainRequest, result: ImportedTrainingResult): string | null {
  const known = new Set(request.items.map((it) => it.id));
  const missing = result.metrics.val.ids.filter((id) => !known.has(id));
  if (missing.length === 0) return null;
  return `${missing.length} of its ${result.metrics.val.ids.length} validation images (e.g. ${missing[0]}) are not in the dataset: ` +
    'load the images the job was exported from, then import it again.';
}
