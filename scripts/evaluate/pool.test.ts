import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClassifier, disposeNetwork } from '../../src/core/model/classifier';
import { classifierConfigOf, resolveTrainConfig, type TrainConfig } from '../../src/core/train/config';
import { type FeatureRequest, inputTensor, type Sample, TrainStep } from '../../src/core/train/trainer';
import { demoImages, hasDemo } from '../lib/demo-data';
import { loadGoogLeNet } from '../lib/node-model';
import { installBackend } from './backend';
import { prepareImage } from './dataset';
import { WorkerPool } from './pool';

// Real weights and demo photographs at 64 px: the pool's threads must give the trainer's own features.
const SIZE = 64;

describe.skipIf(!hasDemo())('evaluate: the worker pool', () => {
  const demo = demoImages().filter((_, i) => i % 20 === 0).slice(0, 3);
  const pathOf = (id: string) => demo.find((d) => d.id === id)!.path;
  // Every image at two rotations, so that jobs hold an image more than once and cross images.
  const samples: Sample[] = demo.flatMap((d) => [{ id: d.id, rotation: 0 }, { id: d.id, rotation: 3 }]);
  let pool: WorkerPool;

  beforeAll(async () => {
    await installBackend('wasm');
    pool = await WorkerPool.start({ workers: 2, modelDir: 'public/models/googlenet' });
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
  });

  /** The trainer's prefix and its features computed here, on this thread (as the studio does). */
  async function inProcess(config: TrainConfig) {
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, classifierConfigOf(config, 2)); // as the trainer builds it
    const images = samples.map((s) => prepareImage(pathOf(s.id), SIZE, 'fov'));
    const x = inputTensor(images, samples, SIZE);
    const f = net.prefix!.predict(x) as tf.Tensor;
    const values = (await f.data()) as Float32Array;
    const featureShape = f.shape.slice(1);
    tf.dispose([x, f]);
    return { base, prefix: net.prefix!, values, featureShape };
  }

  // Scenario 3 with a max-pooled head: a setting of the head that the threads must build as the trainer does.
  for (const [scenario, headPooling] of [['linear-top', 'average'], ['linear-early', 'max']] as const) {
    it(`gives the in-process features within 1e-5 of their scale (${scenario}, ${headPooling} pooling, 64 px, ${samples.length} samples, 2 threads)`, async () => {
      const config = resolveTrainConfig({ scenario, inputSize: SIZE, headPooling });
      const here = await inProcess(config);
      const progress: number[] = [];
      const request: FeatureRequest = {
        prefix: here.prefix, config, classCount: 2, samples, featureShape: here.featureShape,
        onProgress: async (done) => { progress.push(done); return false; },
      };
      // Jobs of 4 samples: two threads share three jobs.
      const pooled = (await pool.extract(request, pathOf, 'fov', 4))!;
      disposeNetwork(here.base);
      expect(pooled.length).toBe(here.values.length);
      let maxDiff = 0;
      for (let i = 0; i < pooled.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pooled[i] - here.values[i]));
      // Float32 rounding only: a thread's batch of 4 or 2 and this one of 6 may take different convolution
      // algorithms (Winograd by block count, src/core/kernels/wasm/conv2d.ts); a wrong image or order moves a
      // feature by the order of the features themselves.
      const scale = here.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxDiff).toBeLessThanOrEqual(1e-5 * scale);
      expect(progress[progress.length - 1]).toBe(samples.length);
    }, 120_000);
  }

  it('stops taking jobs when progress asks to stop, and answers null', async () => {
    const config = resolveTrainConfig({ scenario: 'linear-top', inputSize: SIZE });
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, { numClasses: 2, headOn: config.headOn, freezeUpTo: config.freezeUpTo, dropout: 0, seed: config.seed });
    const featureShape = (net.prefix!.computeOutputShape([1, SIZE, SIZE, 3]) as number[]).slice(1);
    let calls = 0;
    const result = await pool.extract({
      prefix: net.prefix!, config, classCount: 2, samples, featureShape, onProgress: async () => ++calls >= 1,
    }, pathOf, 'fov', 1);
    disposeNetwork(base);
    expect(result).toBeNull();
    // The first job's progress stops it; the other thread's job in hand still reports.
    expect(calls).toBeLessThanOrEqual(2);
  }, 120_000);

  it('shares SGD steps between the threads (data-parallel): the weights move as steps on this thread move them', async () => {
    // Scenario 4 without dropout (each thread draws its own masks), 5 photographs: shares of 3 and 2, two steps.
    const config = resolveTrainConfig({ scenario: 'finetune-pretrained', inputSize: SIZE, dropout: 0, classWeighting: 'loss' });
    const labels = [0, 1, 1, 0, 1];
    const weights = [0.75, 1.5, 1.5, 0.75, 1.5];
    const images = demoImages().filter((_, i) => i % 11 === 0).slice(0, 5);
    const steps = async (shared: boolean) => {
      const base = await loadGoogLeNet();
      const net = buildClassifier(base, classifierConfigOf(config, 2, 1));
      const train = new TrainStep(net, config, 2);
      const x = inputTensor(images.map((d) => prepareImage(d.path, SIZE, 'fov')), images.map((d) => ({ id: d.id, rotation: 0 })), SIZE);
      const f = net.prefix!.predict(x) as tf.Tensor;
      const before = train.variables.map((v) => Float32Array.from(v.dataSync()));
      const results = [];
      for (let i = 0; i < 2; i++) {
        results.push(shared
          ? await pool.shareStep({ step: train, x: f, labels, weights, config, classCount: 2, featureScale: 1 })
          : await train.run(f, labels, weights));
      }
      const moved = train.variables.map((v, i) => ({ after: Float32Array.from(v.dataSync()), before: before[i] }));
      tf.dispose([x, f]);
      train.dispose();
      disposeNetwork(net.model, base);
      return { results, moved };
    };
    const here = await steps(false);
    const tensorsBefore = tf.memory().numTensors;
    const shared = await steps(true);
    expect(tf.memory().numTensors).toBe(tensorsBefore); // the averaged gradients were applied and freed
    // Within float32 rounding of the losses (shares of 3 and 2 may take other convolution algorithms than 5).
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.abs(b) + 1e-6);
    shared.results.forEach((r, i) => {
      close(r.loss, here.results[i].loss);
      close(r.objective, here.results[i].objective);
      expect(r.correct).toBe(here.results[i].correct);
    });
    let worst = 0;
    let movedVariables = 0;
    here.moved.forEach(({ before, after }, i) => {
      const stepSize = after.reduce((m, v, k) => Math.max(m, Math.abs(v - before[k])), 0);
      if (stepSize > 0) movedVariables++;
      // Beyond the last rounding of the weight itself (value - rate x step lands an ulp apart when the steps differ
      // in their last bits: a bias moving 3e-5 a step did, 1 ulp = 2e-3 of its step).
      const diff = after.reduce((m, v, k) => Math.max(m, Math.abs(v - shared.moved[i].after[k]) - 2 * Math.abs(v) * 2 ** -23), 0);
      worst = Math.max(worst, diff / (stepSize + 1e-12));
    });
    expect(movedVariables).toBeGreaterThan(100);
    // Two share means averaged vs one mean: float32 rounding only (shares weighted equally, or a thread computing the
    // second step on the first step's weights, moves some variable by a sizeable fraction of its steps).
    expect(worst).toBeLessThan(1e-3);
  }, 300_000);

  it("shares predictions: the threads' logits are this thread's, after the weights change too, and for a batch smaller than the pool", async () => {
    const config = resolveTrainConfig({ scenario: 'finetune-pretrained', inputSize: SIZE });
    const images = demoImages().filter((_, i) => i % 13 === 0).slice(0, 3);
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, classifierConfigOf(config, 2, 1));
    const train = new TrainStep(net, config, 2);
    const x = inputTensor(images.map((d) => prepareImage(d.path, SIZE, 'fov')), images.map((d) => ({ id: d.id, rotation: 0 })), SIZE);
    const f = net.prefix!.predict(x) as tf.Tensor;
    const one = f.slice(0, 1);
    const compare = async (batch: tf.Tensor) => {
      const here = net.suffix.predict(batch) as tf.Tensor;
      const expected = Float32Array.from(await here.data());
      here.dispose();
      const there = await pool.sharePredict({ variables: train.variables, x: batch, config, classCount: 2, featureScale: 1 });
      expect(there.length).toBe(expected.length);
      const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expected.forEach((v, i) => expect(Math.abs(there[i] - v)).toBeLessThanOrEqual(1e-5 * scale));
      return expected;
    };
    try {
      const before = await compare(f);
      await train.run(f, [0, 1, 1]); // the weights change here, not through the pool: the replicas must take them
      const after = await compare(f);
      expect(Math.max(...after.map((v, i) => Math.abs(v - before[i])))).toBeGreaterThan(1e-3);
      await compare(one);
      await train.run(f, [1, 0, 0]);
      await compare(one); // one row, two threads: both take the new values, one predicts
    } finally {
      tf.dispose([x, f, one]);
      train.dispose();
      disposeNetwork(net.model, base);
    }
  }, 300_000);

  it('decodes images in the threads as the run reads them', async () => {
    const ids = demo.map((d) => d.id);
    const images = await pool.images(pathOf, SIZE, 'fov').load(ids);
    expect(images.map((im) => Buffer.from(im.data).equals(Buffer.from(prepareImage(pathOf(ids[images.indexOf(im)]), SIZE, 'fov').data))))
      .toEqual(ids.map(() => true));
  }, 60_000);
});
