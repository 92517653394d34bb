import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FoveaNet, HEAD_LAYER, SeededDropout } from '../model/classifier';
import { resolveTrainConfig, type TrainConfig } from './config';
import { TrainStep } from './train-step';

/**
 * A FoveaNet in miniature: x (2) -> dense 'pre' (a pretrained layer, 2 units) -> dense head (2 classes),
 * no prefix, no dropout; weights set by hand so that each update can be computed by hand.
 */
const X = [[1, 2], [-1, 0.5]];
const W1 = [[0.1, 0.2], [0.3, -0.1]]; // [in][out]
const B1 = [0.05, -0.05];
const W2 = [[0.2, -0.3], [0.4, 0.1]];
const B2 = [0, 0.1];

function tinyNet(dropout = 0): FoveaNet {
  const input = tf.input({ shape: [2] });
  const pre = tf.layers.dense({ units: 2, name: 'pre' });
  const head = tf.layers.dense({ units: 2, name: HEAD_LAYER });
  let h = pre.apply(input) as tf.SymbolicTensor;
  if (dropout > 0) h = new SeededDropout({ rate: dropout, seed: 5, name: 'fovea_dropout' }).apply(h) as tf.SymbolicTensor;
  const logits = head.apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits });
  pre.setWeights([tf.tensor2d(W1), tf.tensor1d(B1)]);
  head.setWeights([tf.tensor2d(W2), tf.tensor1d(B2)]);
  return { model, prefix: null, suffix: model, headVariables: head.trainableWeights, pretrainedVariables: pre.trainableWeights };
}

const values = (v: tf.LayerVariable) => Array.from(v.read().dataSync());

/**
 * The gradients of mean_i(w_i x CE_i) by the chain rule, in plain numbers: dlogits_i = w_i (softmax_i - y_i) / N,
 * dW2 = h^T dlogits, db2 = sum dlogits, dh = dlogits W2^T, dW1 = x^T dh, db1 = sum dh. Kernels flattened [in][out].
 */
function handGradients(labels: number[], weights: number[]) {
  const n = X.length;
  const dW1 = [0, 0, 0, 0], db1 = [0, 0], dW2 = [0, 0, 0, 0], db2 = [0, 0];
  let objective = 0;
  X.forEach((x, i) => {
    const h = [0, 1].map((o) => x[0] * W1[0][o] + x[1] * W1[1][o] + B1[o]);
    const z = [0, 1].map((o) => h[0] * W2[0][o] + h[1] * W2[1][o] + B2[o]);
    const e = z.map(Math.exp);
    const p = e.map((v) => v / (e[0] + e[1]));
    objective += (weights[i] * -Math.log(p[labels[i]])) / n;
    const dz = p.map((pv, o) => (weights[i] * (pv - (o === labels[i] ? 1 : 0))) / n);
    const dh = [0, 1].map((j) => dz[0] * W2[j][0] + dz[1] * W2[j][1]);
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        dW2[a * 2 + b] += h[a] * dz[b];
        dW1[a * 2 + b] += x[a] * dh[b];
      }
      db2[a] += dz[a];
      db1[a] += dh[a];
    }
  });
  return { dW1, db1, dW2, db2, objective };
}

const config = (c: Partial<TrainConfig>) => resolveTrainConfig({ learningRate: 0.5, pretrainedLrMultiplier: 0.1, weightDecay: 0.01, ...c });

describe('TrainStep: one exact optimisation step on a tiny network', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('SGD with momentum, first step: head at lr, pretrained at lr x multiplier, decay on kernels only, loss weighted per example', async () => {
    const net = tinyNet();
    const labels = [1, 0];
    const weights = [2, 0.5];
    const g = handGradients(labels, weights);
    const step = new TrainStep(net, config({ optimizer: 'sgd-momentum', momentum: 0.9 }), 2);
    const result = await step.run(tf.tensor2d(X), labels, weights);
    expect(result.objective).toBeCloseTo(g.objective, 6);
    // Momentum's first step is lr x gradient (the accumulator starts at 0); L2 adds weightDecay x w to kernels'.
    const [lrHead, lrPre, wd] = [0.5, 0.05, 0.01];
    const [preKernel, preBias] = net.pretrainedVariables;
    const [headKernel, headBias] = net.headVariables;
    const flat = (m: number[][]) => m.flat();
    expect(values(headKernel)).toEqual(flat(W2).map((w, i) => w - lrHead * (g.dW2[i] + wd * w)).map((v) => expect.closeTo(v, 6)));
    expect(values(headBias)).toEqual(B2.map((b, i) => b - lrHead * g.db2[i]).map((v) => expect.closeTo(v, 6)));
    expect(values(preKernel)).toEqual(flat(W1).map((w, i) => w - lrPre * (g.dW1[i] + wd * w)).map((v) => expect.closeTo(v, 6)));
    expect(values(preBias)).toEqual(B1.map((b, i) => b - lrPre * g.db1[i]).map((v) => expect.closeTo(v, 6)));
    step.dispose();
  });

  it('reports the unweighted mean cross-entropy as its loss, and the weighted one as its objective', async () => {
    const net = tinyNet();
    const step = new TrainStep(net, config({}), 2);
    const unweighted = handGradients([1, 0], [1, 1]).objective;
    const result = await step.run(tf.tensor2d(X), [1, 0], [2, 0.5]);
    expect(result.loss).toBeCloseTo(unweighted, 6);
    expect(result.objective).not.toBeCloseTo(unweighted, 3);
    step.dispose();
  });

  it('Adam, first step: each weight moves by its group rate against the sign of its gradient', async () => {
    const net = tinyNet();
    const g = handGradients([1, 0], [1, 1]);
    const step = new TrainStep(net, config({ optimizer: 'adam', learningRate: 0.01, weightDecay: 0 }), 2);
    await step.run(tf.tensor2d(X), [1, 0]);
    // Adam's bias-corrected first step is lr x g / (|g| + eps) = lr x sign(g) (Kingma & Ba, eps 1e-7 here).
    const moved = (now: number[], before: number[]) => now.map((v, i) => v - before[i]);
    expect(moved(values(net.headVariables[0]), W2.flat())).toEqual(g.dW2.map((d) => expect.closeTo(-0.01 * Math.sign(d), 5)));
    expect(moved(values(net.pretrainedVariables[0]), W1.flat())).toEqual(g.dW1.map((d) => expect.closeTo(-0.001 * Math.sign(d), 5)));
    step.dispose();
  });

  it('leaves pretrained layers untouched at multiplier 0', async () => {
    const net = tinyNet();
    const step = new TrainStep(net, config({ pretrainedLrMultiplier: 0 }), 2);
    await step.run(tf.tensor2d(X), [1, 0]);
    expect(values(net.pretrainedVariables[0])).toEqual(Array.from(tf.tensor2d(W1).dataSync()));
    expect(values(net.headVariables[0])).not.toEqual(Array.from(tf.tensor2d(W2).dataSync()));
    step.dispose();
  });

  it('learns a small separable task: accuracy goes to 1', async () => {
    const net = tinyNet();
    // Two Gaussian blobs around (1, 1) and (-1, -1), seeded.
    const n = 32;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const noise = tf.randomNormal([n, 2], 0, 0.3, 'float32', 11).arraySync() as number[][];
    const x = tf.tensor2d(labels.map((c, i) => [(c ? 1 : -1) + noise[i][0], (c ? 1 : -1) + noise[i][1]]));
    const step = new TrainStep(net, config({ learningRate: 0.1, pretrainedLrMultiplier: 1 }), 2);
    let last = { loss: Infinity, correct: 0 };
    for (let i = 0; i < 60; i++) last = await step.run(x, labels);
    expect(last.correct).toBe(n);
    expect(last.loss).toBeLessThan(0.2);
    step.dispose();
  });

  it('draws a new dropout mask at every training step, and the same masks again from the same seed', async () => {
    const run = async () => {
      const net = tinyNet(0.5);
      const step = new TrainStep(net, config({ learningRate: 1e-9, weightDecay: 0 }), 2);
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) losses.push((await step.run(tf.tensor2d(X), [1, 0])).loss);
      step.dispose();
      return losses;
    };
    const first = await run();
    expect(new Set(first).size).toBeGreaterThan(1); // with a fixed mask (tfjs Dropout's seed) all four were equal
    expect(await run()).toEqual(first);
  });
});
