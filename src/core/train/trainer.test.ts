import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoImages, hasDemo, imageLookup } from '../../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../../scripts/lib/node-model';
import { buildClassifier, disposeNetwork } from '../model/classifier';
import { exportPackage, importPackage, describePreprocessing, type FoveaManifest } from '../export/package';
import { inputBatch, trainClassifier, type TrainingData } from './trainer';
import type { TrainerEvent } from './events';
import { CancelledError, RunControl } from './run-control';

// Real weights and real demo photographs, on the CPU backend at 64 px so that Node runs it in seconds.
const SIZE = 64;

describe.skipIf(!hasDemo())('training on real fundus images (Node, CPU backend, 64 px)', () => {
  let data: TrainingData;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const all = demoImages();
    const pick = (grade: number) => all.filter((d) => d.grade === grade).slice(0, 6);
    const chosen = [...pick(0), ...pick(2)];
    const image = imageLookup(chosen, SIZE);
    const items = chosen.map((d) => ({ id: d.id, classIndex: d.grade === 0 ? 0 : 1 }));
    data = {
      classNames: ['No DR', 'Moderate'], ordinal: true, image,
      train: items.filter((_, i) => i % 3 !== 0), val: items.filter((_, i) => i % 3 === 0),
    };
  });

  it('keeps tf.memory().numTensors the same after epoch 1 and epoch 3', async () => {
    const base = await loadGoogLeNet();
    const counts: number[] = [];
    const losses: number[] = [];
    const outcome = await trainClassifier(
      base, data,
      { scenario: 'custom', freezeUpTo: 'inception_5a', headOn: 'pool5', inputSize: SIZE, epochs: 3, batchSize: 4,
        earlyStopping: { enabled: false, patience: 1, minDelta: 0 } },
      {
        onEvent: (e: TrainerEvent) => {
          if (e.type === 'epoch') counts.push(tf.memory().numTensors);
          if (e.type === 'batch') losses.push(e.loss);
        },
      },
    );
    expect(counts).toHaveLength(3);
    expect(counts[2]).toBe(counts[0]);
    // Pooled features are rescaled before the head, so SGD at the default rate does not blow the logits up:
    // a 2-class loss starts near ln 2 = 0.69; raw features gave batch losses of 30 and more.
    expect(Math.max(...losses)).toBeLessThan(3);
    expect(outcome.cache).toBe('gpu'); // "gpu" = one backend tensor; on the CPU backend it lives in memory
    expect(outcome.epochs.every((e) => Number.isFinite(e.trainLoss) && Number.isFinite(e.valLoss))).toBe(true);
    expect(outcome.report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(data.val.length);
    disposeNetwork(outcome.net.model, base);
  });

  it('gives the same logits through prefix + suffix (feature cache path) as through the whole network', async () => {
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, { numClasses: 2, headOn: 'pool5', freezeUpTo: 'conv2', dropout: 0.4, seed: 1 });
    const x = inputBatch(data, data.val.map((v) => ({ id: v.id, rotation: 1 })), SIZE);
    const whole = net.model.predict(x) as tf.Tensor;
    const viaCut = tf.softmax(net.suffix.predict(net.prefix!.predict(x) as tf.Tensor) as tf.Tensor2D);
    const diff = tf.max(tf.abs(tf.sub(whole, viaCut))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, whole, viaCut]);
    disposeNetwork(net.model, base);
  });

  it('round-trips an exported package: the imported model predicts exactly what the trained one did', async () => {
    const base = await loadGoogLeNet();
    const outcome = await trainClassifier(base, data, { scenario: 'linear-top', inputSize: SIZE, epochs: 1, batchSize: 8, rotations: false });
    const { predictions: _p, ...validation } = outcome.report;
    void _p;
    const manifest: FoveaManifest = {
      format: 'fovea-model', version: 1, createdAt: new Date(0).toISOString(), classNames: data.classNames,
      ordinal: true, inputSize: SIZE, preprocessing: describePreprocessing(), scenario: 'linear-top',
      training: outcome.config, epochs: outcome.epochs, validation, weightsProvenance: {}, customLayers: ['LRN'],
    };
    const zip = await exportPackage(outcome.net.model, manifest);
    const imported = await importPackage(zip);
    const x = inputBatch(data, data.val.map((v) => ({ id: v.id, rotation: 0 })), SIZE);
    const before = (outcome.net.model.predict(x) as tf.Tensor).dataSync();
    const after = (imported.model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(imported.manifest.classNames).toEqual(data.classNames);
    await expect(importPackage(new Uint8Array([1, 2, 3]))).rejects.toThrow(/not a zip archive/);
    x.dispose();
    disposeNetwork(outcome.net.model, imported.model, base);
  });

  it('stops when cancelled before the first epoch ends, freeing what it built', async () => {
    const base = await loadGoogLeNet();
    const control = new RunControl();
    control.cancel();
    const before = tf.memory().numTensors;
    await expect(trainClassifier(base, data, { scenario: 'linear-top', inputSize: SIZE, epochs: 1, rotations: false }, { control }))
      .rejects.toBeInstanceOf(CancelledError);
    disposeNetwork(base);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });
});
