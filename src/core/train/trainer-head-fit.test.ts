import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { imagesFrom } from '../data/image-source';
import { mulberry32 } from '../data/random';
import { disposeNetwork, STOCK_POOL5_LAYER } from '../model/classifier';
import type { TrainingCheckpoint } from './checkpoint';
import type { TrainConfig } from './config';
import type { TrainerEvent } from './events';
import { type FeatureRequest, trainClassifier, type TrainingData } from './trainer';

// A tiny stand-in for GoogLeNet (one seeded convolution, then a layer named as its pool5) and synthetic
// cached features handed over through extractFeatures: the head-fit branch of the trainer in well under a second.
const SIZE = 64;
const D = 6;

function standIn(): tf.LayersModel {
  const input = tf.input({ shape: [null, null, 3] });
  const conv = tf.layers.conv2d({ filters: D, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const pool = tf.layers.globalAveragePooling2d({ name: STOCK_POOL5_LAYER }).apply(conv) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: pool });
}

const image = { width: SIZE, height: SIZE, data: new Uint8Array(SIZE * SIZE * 3).fill(90) };
const data: TrainingData = {
  classNames: ['no DR', 'DR'], ordinal: false,
  train: Array.from({ length: 24 }, (_, i) => ({ id: `t${i}`, patientId: `p${i >> 1}`, classIndex: i % 3 === 0 ? 1 : 0 })),
  val: Array.from({ length: 8 }, (_, i) => ({ id: `v${i}`, classIndex: i % 2 })),
  images: imagesFrom(() => image),
};
const classOf = new Map([...data.train, ...data.val].map((it) => [it.id, it.classIndex] as const));

/** Features that tell the classes apart, with seeded noise: class 1 is shifted along the first two features. */
async function syntheticFeatures(request: FeatureRequest): Promise<Float32Array> {
  const random = mulberry32(5);
  const out = new Float32Array(request.samples.length * D);
  request.samples.forEach((s, i) => {
    for (let j = 0; j < D; j++) out[i * D + j] = 1 + random() + (j < 2 && classOf.get(s.id) === 1 ? 1.5 : 0);
  });
  await request.onProgress(request.samples.length);
  return out;
}

const frozen: Partial<TrainConfig> = { scenario: 'linear-top', inputSize: SIZE, epochs: 5, batchSize: 8 };

describe("the trainer's converged head fit (frozen backbone, cached features)", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('fits the head once, validates it as epoch 0, reports the search, and leaks no tensor', async () => {
    const base = standIn();
    const before = tf.memory().numTensors;
    const events: TrainerEvent[] = [];
    const checkpoints: TrainingCheckpoint[] = [];
    const outcome = await trainClassifier(base, data, frozen, {
      extractFeatures: syntheticFeatures, onEvent: (e) => events.push(e), onCheckpoint: (c) => { checkpoints.push(c); },
    });
    expect(outcome.config.headFit).toBe('converged');
    expect(outcome.bestEpoch).toBe(0);
    expect(outcome.epochs).toHaveLength(1);
    expect(outcome.stoppedBecause).toBe('completed');
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(1);
    const fit = outcome.headFit!;
    // The 7 default strengths, and smaller ones only while the smallest kept winning (head-fit.ts).
    expect(fit.lambdas.length).toBeGreaterThanOrEqual(7);
    expect(fit.cvLoss).toHaveLength(fit.lambdas.length);
    expect(fit.folds).toBe(5);
    expect(fit.lambdas).toContain(fit.chosen);
    expect(fit.edge).toBe(fit.chosen === fit.lambdas[0] ? 'smallest' : fit.chosen === fit.lambdas[fit.lambdas.length - 1] ? 'largest' : null);
    expect(fit.gradientNorm).toBeLessThan(1e-4);
    // Separable-ish classes: well above chance on the validation features drawn the same way.
    expect(outcome.report.accuracy).toBeGreaterThan(0.7);
    expect(outcome.epochs[0].valLoss).toBeCloseTo(outcome.report.loss, 10);
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0].headFit).toEqual(fit);
    // The run's net adds only the head's kernel and bias.
    expect(tf.memory().numTensors).toBe(before + 2);

    // Resuming from the checkpoint after the fit just finishes, with the same head and summary.
    const resumed = await trainClassifier(standIn(), data, frozen, { extractFeatures: syntheticFeatures, resumeFrom: structuredClone(checkpoints[0]) });
    expect(resumed.headFit).toEqual(fit);
    expect(resumed.report.predictions).toEqual(outcome.report.predictions);
    disposeNetwork(resumed.net.model);
    disposeNetwork(outcome.net.model, base);
  }, 20_000);

  it('scores every training and validation image out of fold, never a test image, whatever the test images are', async () => {
    // Test images whose features are far off anything seen: were they read, the out-of-fold heads would change.
    const test = Array.from({ length: 6 }, (_, i) => ({ id: `x${i}`, classIndex: i % 2 }));
    const poisoned = async (request: FeatureRequest) => {
      const out = await syntheticFeatures(request);
      request.samples.forEach((s, i) => { if (s.id.startsWith('x')) out.fill(1e4, i * D, (i + 1) * D); });
      return out;
    };
    const withTest = await trainClassifier(standIn(), { ...data, test }, frozen, { extractFeatures: poisoned });
    const without = await trainClassifier(standIn(), data, frozen, { extractFeatures: syntheticFeatures });
    const oof = withTest.outOfFold!;
    expect(new Set(oof.ids)).toEqual(new Set([...data.train, ...data.val].map((it) => it.id)));
    expect(oof.ids).toHaveLength(data.train.length + data.val.length);
    expect(oof.folds).toBe(5);
    expect(oof.lambda).toBe(withTest.headFit!.chosen);
    // Rotations on in training and at test time (the defaults): each image's 4 cached rotations averaged.
    expect(oof.rotationsAveraged).toBe(4);
    expect(oof.probs.flat().every(Number.isFinite)).toBe(true);
    expect(without.outOfFold).toEqual(oof);
    // Images of one patient are scored by the same fold's head: t0 and t1 share patient p0.
    expect(oof.patients.slice(0, 2)).toEqual(['p0', 'p0']);
    disposeNetwork(withTest.net.model, without.net.model);
  }, 20_000);

  it("keeps today's SGD epochs with headFit 'sgd', and resumes a checkpoint saved before headFit existed as 'sgd'", async () => {
    const checkpoints: TrainingCheckpoint[] = [];
    const sgd = await trainClassifier(standIn(), data, { ...frozen, headFit: 'sgd', epochs: 2 }, {
      extractFeatures: syntheticFeatures, onCheckpoint: (c) => { checkpoints.push(c); },
    });
    expect(sgd.epochs).toHaveLength(2);
    expect(sgd.headFit).toBeUndefined();
    expect(sgd.outOfFold).toBeUndefined();
    // An older checkpoint has no headFit in its config; resumed without saying, it continues by SGD epochs.
    const { headFit: _absent, ...older } = checkpoints[0].config;
    const old = { ...structuredClone(checkpoints[0]), config: older as TrainConfig };
    const resumed = await trainClassifier(standIn(), data, { ...frozen, epochs: 2 }, { extractFeatures: syntheticFeatures, resumeFrom: old });
    expect(resumed.config.headFit).toBe('sgd');
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    disposeNetwork(sgd.net.model, resumed.net.model);
  }, 20_000);
});
