import { imagesFrom } from '../data/image-source';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasDemo, twoGradeTrainingData } from '../../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../../scripts/lib/node-model';
import { useWasmBackend } from '../../../scripts/lib/test-backend';
import { buildClassifier, disposeNetwork } from '../model/classifier';
import { exportPackage, importPackage, describePreprocessing, type FoveaManifest } from '../export/package';
import type { RgbImage } from '../data/preprocess';
import { mulberry32 } from '../data/random';
import type { EvalReport } from '../eval/report';
import { inputBatch, trainClassifier, type TrainingData, TrainingDivergedError } from './trainer';
import type { TrainerEvent } from './events';
import { CancelledError, RunControl } from './run-control';

// Real weights and real demo photographs, on the wasm backend at 64 px so that Node runs it in seconds.
const SIZE = 64;

describe.skipIf(!hasDemo())('training on real fundus images (Node, wasm backend, 64 px)', () => {
  let data: TrainingData;
  beforeAll(async () => {
    await useWasmBackend();
    data = twoGradeTrainingData(SIZE);
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
  }, 300_000); // three epochs, each validated over 4 rotations, on tfjs's plain CPU backend

  it('gives the same logits through prefix + suffix (feature cache path) as through the whole network', async () => {
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, { numClasses: 2, headOn: 'pool5', freezeUpTo: 'conv2', dropout: 0.4, seed: 1 });
    const x = await inputBatch(data, data.val.map((v) => ({ id: v.id, rotation: 1 })), SIZE);
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
    const x = await inputBatch(data, data.val.map((v) => ({ id: v.id, rotation: 0 })), SIZE);
    const before = (outcome.net.model.predict(x) as tf.Tensor).dataSync();
    const after = (imported.model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(imported.manifest.classNames).toEqual(data.classNames);
    await expect(importPackage(new Uint8Array([1, 2, 3]))).rejects.toThrow(/not a zip archive/);
    x.dispose();
    disposeNetwork(outcome.net.model, imported.model, base);
  });

  it('frees the layers it added when cancelled before the first epoch ends (before or during its batches)', async () => {
    const base = await loadGoogLeNet();
    const config = { scenario: 'linear-top', inputSize: SIZE, epochs: 1, batchSize: 2, rotations: false, headFit: 'sgd' } as const;
    // Counted after loading the base (the caller owns it) and before the call: the head's kernel and bias
    // (2 tensors) used to stay behind.
    const before = tf.memory().numTensors;
    const cancelled = new RunControl();
    cancelled.cancel();
    await expect(trainClassifier(base, data, config, { control: cancelled })).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    const midEpoch = new RunControl();
    const onEvent = (e: TrainerEvent) => {
      if (e.type === 'batch') midEpoch.cancel();
    };
    await expect(trainClassifier(base, data, config, { control: midEpoch, onEvent })).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(base);
  });

  it('throws TrainingDivergedError, in plain words, when the loss stops being a number (absurd learning rate)', async () => {
    const base = await loadGoogLeNet();
    const before = tf.memory().numTensors;
    const run = trainClassifier(base, data, {
      scenario: 'custom', freezeUpTo: 'inception_5a', headOn: 'pool5', inputSize: SIZE, epochs: 6, batchSize: 2,
      learningRate: 9.9, pretrainedLrMultiplier: 10, weightDecay: 0, rotations: false, testTimeRotations: false,
      earlyStopping: { enabled: false, patience: 1, minDelta: 0 },
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/^Training diverged at epoch \d+ batch \d+ .*lower the learning rate \(e\.g\. 10x, to 0\.99\)/);
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(base);
  });

  it("says in plain words that a class without training images cannot be balanced, unless class weighting is 'none'", async () => {
    const base = await loadGoogLeNet();
    const onlyClass0 = { ...data, train: data.train.filter((it) => it.classIndex === 0) };
    await expect(trainClassifier(base, onlyClass0, { scenario: 'linear-top', inputSize: SIZE }))
      .rejects.toThrow("Class 'Moderate' has no training image, so it cannot be balanced; add images of it, or set class weighting to 'none'.");
    disposeNetwork(base);
  });

  it('draws a new dropout mask at every training pass, and repeats a run exactly from its seed', async () => {
    const config = { scenario: 'linear-top', inputSize: SIZE, epochs: 2, batchSize: 4, seed: 7, headFit: 'sgd' } as const;
    const runLosses = async () => {
      const base = await loadGoogLeNet();
      const losses: number[] = [];
      const outcome = await trainClassifier(base, data, config, { onEvent: (e) => { if (e.type === 'batch') losses.push(e.loss); } });
      return { losses, outcome, base };
    };
    const a = await runLosses();
    const b = await runLosses();
    expect(b.losses).toEqual(a.losses);
    const net = a.outcome.net;
    const x = await inputBatch(data, data.val.map((v) => ({ id: v.id, rotation: 0 })), SIZE);
    const f = net.prefix!.predict(x) as tf.Tensor;
    const [t1, t2] = [net.suffix.apply(f, { training: true }), net.suffix.apply(f, { training: true })] as tf.Tensor[];
    expect(Array.from(t1.dataSync())).not.toEqual(Array.from(t2.dataSync()));
    const [p1, p2] = [net.suffix.predict(f), net.suffix.predict(f)] as tf.Tensor[];
    expect(Array.from(p1.dataSync())).toEqual(Array.from(p2.dataSync()));
    tf.dispose([x, f, t1, t2, p1, p2]);
    disposeNetwork(a.outcome.net.model, a.base);
    disposeNetwork(b.outcome.net.model, b.base);
  });

  it('keeps the best epoch: bestEpoch, its report, its weights; test-time rotations; the test split evaluated once', async () => {
    const base = await loadGoogLeNet();
    const test = data.val.slice(0, 2);
    const reports: EvalReport[] = [];
    const outcome = await trainClassifier(
      base, { ...data, test },
      { scenario: 'linear-top', inputSize: SIZE, epochs: 4, batchSize: 4, lrSchedule: 'constant', learningRate: 0.05,
        earlyStopping: { enabled: false, patience: 1, minDelta: 0 } },
      { onEvent: (e) => { if (e.type === 'epoch') reports.push(e.report); } },
    );
    const valLosses = outcome.epochs.map((e) => e.valLoss);
    expect(outcome.bestEpoch).toBe(valLosses.indexOf(Math.min(...valLosses)));
    expect(outcome.report).toBe(reports[outcome.bestEpoch]);
    // The net holds the best epoch's weights: its mean softmax over the 4 rotations reproduces that epoch's probabilities.
    const tta = async (ids: string[]) => {
      const rows = ids.map(() => [0, 0]);
      for (let r = 0; r < 4; r++) {
        const x = await inputBatch(data, ids.map((id) => ({ id, rotation: r })), SIZE);
        const p = outcome.net.model.predict(x) as tf.Tensor;
        (p.arraySync() as number[][]).forEach((row, i) => row.forEach((v, c) => { rows[i][c] += v / 4; }));
        tf.dispose([x, p]);
      }
      return rows;
    };
    const expected = await tta(data.val.map((v) => v.id));
    outcome.report.predictions.forEach((p, i) => p.probs.forEach((v, c) => expect(v).toBeCloseTo(expected[i][c], 5)));
    expect(outcome.test).toBeDefined();
    expect(outcome.test!.predictions.map((p) => p.id)).toEqual(test.map((t) => t.id));
    outcome.test!.predictions.forEach((p, i) => expect(p.probs).toEqual(outcome.report.predictions[i].probs));
    disposeNetwork(outcome.net.model, base);
  });

  it('learns an easy task to accuracy 1 from an imbalanced training split, with class-balanced sampling', async () => {
    // Synthetic photographs: class 0 reddish, class 1 greenish, with seeded pixel noise; 9:3 in training.
    const random = mulberry32(3);
    const images = new Map<string, RgbImage>();
    const make = (id: string, c: number) => {
      const px = new Uint8Array(SIZE * SIZE * 3);
      for (let i = 0; i < SIZE * SIZE; i++) {
        const n = Math.floor(random() * 60);
        px[i * 3] = c === 0 ? 160 + n : 60 + n;
        px[i * 3 + 1] = c === 0 ? 60 + n : 160 + n;
        px[i * 3 + 2] = 40 + n;
      }
      images.set(id, { width: SIZE, height: SIZE, data: px });
      return { id, classIndex: c };
    };
    const train = [...Array.from({ length: 9 }, (_, i) => make(`r${i}`, 0)), ...Array.from({ length: 3 }, (_, i) => make(`g${i}`, 1))];
    const val = [make('rv0', 0), make('rv1', 0), make('gv0', 1), make('gv1', 1)];
    const synthetic: TrainingData = { classNames: ['red', 'green'], ordinal: false, train, val, images: imagesFrom((id) => images.get(id)!) };
    const base = await loadGoogLeNet();
    const outcome = await trainClassifier(base, synthetic, {
      scenario: 'linear-top', inputSize: SIZE, epochs: 4, batchSize: 4, classWeighting: 'sampling',
      earlyStopping: { enabled: false, patience: 1, minDelta: 0 },
    });
    expect(outcome.report.accuracy).toBe(1);
    expect(outcome.epochs[outcome.epochs.length - 1].trainAccuracy).toBeGreaterThan(0.9);
    disposeNetwork(outcome.net.model, base);
  });

  // Scenarios 2, 3 and 4 train layers (or read features) that scenario 1 does not: one short epoch each, of
  // one step (2 training images, batch 2): tfjs's CPU backend took ~35 s a step for scenario 4 and over 60 s
  // for scenario 2 (conv1 and conv2 through LRN's gradient) here.
  it.each(['finetune-all', 'linear-early', 'finetune-pretrained'] as const)('trains one epoch of scenario %s', async (scenario) => {
    const base = await loadGoogLeNet();
    // One image of each class in training and in validation.
    const onePerClass = (items: TrainingData['train']) => [0, 1].map((c) => items.find((it) => it.classIndex === c)!);
    const small: TrainingData = { ...data, train: onePerClass(data.train), val: onePerClass(data.val) };
    const before = tf.memory().numTensors;
    const headBefore = Array.from(base.getLayer('inception_5b_1x1').getWeights()[0].dataSync().slice(0, 8));
    const outcome = await trainClassifier(base, small, {
      scenario, inputSize: SIZE, epochs: 1, batchSize: 2, rotations: false, testTimeRotations: false,
    });
    expect(outcome.epochs).toHaveLength(1);
    expect(Number.isFinite(outcome.epochs[0].trainLoss) && Number.isFinite(outcome.epochs[0].valLoss)).toBe(true);
    expect(outcome.cache).toBe(scenario === 'finetune-all' ? 'none' : 'gpu');
    const headAfter = Array.from(base.getLayer('inception_5b_1x1').getWeights()[0].dataSync().slice(0, 8));
    // Frozen in scenario 3 (linear classifier on inception_4c); trained (at lr x 0.1) in 2 and 4.
    if (scenario === 'linear-early') expect(headAfter).toEqual(headBefore);
    else expect(headAfter).not.toEqual(headBefore);
    // The run's net adds only the head's kernel and bias to what the caller holds.
    expect(tf.memory().numTensors).toBe(before + 2);
    disposeNetwork(outcome.net.model, base);
  }, 300_000);
});
