import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxMetadata } from '../core/export/onnx/export';
import { describePreprocessing } from '../core/export/package';
import { decodeSafetensors } from '../core/export/safetensors';
import { exportSafetensors } from '../core/export/weights-file';
import { buildClassifier, disposeNetwork } from '../core/model/classifier';
import '../core/model/lrn';
import { resolveTrainConfig } from '../core/train/config';
import { loadGoogLeNet, MODEL_DIR } from '../../scripts/lib/node-model';
import { WorkerError } from './errors';
import { onnxOf, readTrainingResult, torchWeightsOf } from './export-formats';
import type { FoveaManifest, TrainingResultFile, TrainRequest } from './protocol';
import { useWasmBackend } from '../../scripts/lib/test-backend';

const hasModel = existsSync(join(MODEL_DIR, 'model.json'));
const CLASSES = ['No DR', 'DR'];
const settings = resolveTrainConfig({ scenario: 'linear-top', inputSize: 64, epochs: 1 });
const ids = ['a/p1_L.jpg', 'a/p2_L.jpg', 'b/p3_L.jpg', 'b/p4_L.jpg'];

function request(classNames = CLASSES, known = ids): TrainRequest {
  return {
    config: settings, classNames, ordinal: false, presetId: 'referable-dr', dataset: { source: 'test' },
    items: known.map((id, i) => ({ id, classIndex: i % 2, split: i < 2 ? 'train' : 'val' })),
  };
}

/** train.py's metrics.json for the two validation images (hand-made probabilities). */
const metrics = {
  format: 'fovea-training-result', version: 1,
  epochs: [{ epoch: 0, trainLoss: 0.7, trainAccuracy: 0.5, valLoss: 0.6, valAccuracy: 1, learningRate: 0.01, seconds: 2 }],
  bestEpoch: 0, stoppedBecause: 'completed', settings, worldSize: 2,
  val: { ids: ids.slice(2), labels: [0, 1], probs: [[0.8, 0.2], [0.3, 0.7]], loss: 0.6, accuracy: 1 },
};

describe.skipIf(!hasModel)('The worker\'s export formats: the current model for ONNX Runtime and PyTorch, a training result back', () => {
  let base: tf.LayersModel;
  let model: tf.LayersModel;
  let weights: Uint8Array;
  const manifest = {
    classNames: CLASSES, inputSize: 64, preprocessing: describePreprocessing('fov-colour'), testTimeRotations: [0, 1, 2, 3],
  } as FoveaManifest;
  const files = (extra: Partial<typeof metrics> = {}): TrainingResultFile[] => [
    { name: 'weights.safetensors', bytes: weights },
    { name: 'metrics.json', bytes: strToU8(JSON.stringify({ ...metrics, ...extra })) },
  ];
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
    model = buildClassifier(base, { numClasses: 2, headOn: 'pool5', freezeUpTo: 'all', dropout: 0.5, seed: 3 }).model;
    weights = await exportSafetensors(model);
  }, 120_000);
  afterAll(() => disposeNetwork(model, base));

  it('writes ONNX with the model\'s preprocessing record, labels and test-time rotations in its metadata', async () => {
    const meta = readOnnxMetadata(await onnxOf(model, manifest));
    expect(JSON.parse(meta['fovea.preprocessing'])).toEqual(manifest.preprocessing);
    expect(JSON.parse(meta['fovea.class_names'])).toEqual(CLASSES);
    expect(JSON.parse(meta['fovea.test_time_rotations'])).toEqual([0, 1, 2, 3]);
  }, 120_000);

  it('writes safetensors naming the classes and the preprocessing, with the model.py that loads it', async () => {
    const { weights: bytes, modelPy } = await torchWeightsOf(model, manifest);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(tensors.get('fovea_classifier.weight')!.shape).toEqual([2, 1024]);
    expect(JSON.parse(metadata.class_names)).toEqual(CLASSES);
    expect(JSON.parse(metadata.preprocessing)).toMatchObject({ crop: 'field-of-view', colour: 'local-average-subtraction' });
    expect(new TextDecoder().decode(modelPy)).toMatch(/^def load\(path\):/m);
  });

  it('reads train.py\'s result, loose or zipped, into a network with its epochs and validation report', async () => {
    for (const source of [files(), [{ name: 'result.zip', bytes: zipSync({ result: Object.fromEntries(files().map((f) => [f.name, f.bytes])) }) }]]) {
      const fresh = await loadGoogLeNet();
      const result = readTrainingResult(fresh, request(), source);
      expect(result.epochs).toEqual(metrics.epochs);
      expect(result.report.accuracy).toBe(1); // both validation images on the right side of 0.5
      expect(result.report.predictions.map((p) => p.id)).toEqual(ids.slice(2));
      const { tensors } = decodeSafetensors(await exportSafetensors(result.net.model));
      expect(tensors.get('fovea_classifier.weight')!.data).toEqual(decodeSafetensors(weights).tensors.get('fovea_classifier.weight')!.data);
      disposeNetwork(result.net.model, fresh);
    }
  }, 120_000);

  it('refuses, as an ImportError in plain words, a result of other classes or other images, or without its weights', async () => {
    const refusal = async (req: TrainRequest, source: TrainingResultFile[]) => {
      try {
        readTrainingResult(await loadGoogLeNet(), req, source);
      } catch (e) {
        expect(e).toBeInstanceOf(WorkerError);
        expect((e as WorkerError).name).toBe('ImportError');
        return (e as Error).message;
      }
      throw new Error('the result was accepted');
    };
    expect(await refusal(request(['0', '1', '2']), files({ val: { ...metrics.val, labels: [0, 2] } })))
      .toMatch(/has 2 outputs but the dataset has 3 classes/);
    expect(await refusal(request(CLASSES, ids.slice(0, 3)), files())).toMatch(/1 of its 2 validation images \(e\.g\. b\/p4_L\.jpg\) are not in the dataset/);
    expect(await refusal(request(), files().slice(1))).toMatch(/needs weights\.safetensors and metrics\.json/);
  }, 180_000);
});
