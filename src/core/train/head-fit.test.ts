import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { balancedSampleWeights, fitHeadWithCrossValidation, fitSoftmaxRegression, innerFolds, resolveHeadFitConfig } from './head-fit';

/** Gaussian draw from a seeded uniform stream (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** n samples in d dims, k classes: class means `separation` apart along random directions, unit noise. */
function blobs(n: number, d: number, k: number, separation: number, seed: number): { x: Float32Array; labels: number[] } {
  const random = mulberry32(seed);
  const means = Array.from({ length: k }, () => Array.from({ length: d }, () => gaussian(random) * separation / Math.sqrt(d)));
  const x = new Float32Array(n * d);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels.push(c);
    for (let j = 0; j < d; j++) x[i * d + j] = means[c][j] + gaussian(random);
  }
  return { x, labels };
}

/** The same objective in float64 plain JS, minimised by `steps` gradient steps of 1 / L: the reference. */
function gradientDescent(x: Float32Array, labels: number[], d: number, k: number, weights: Float32Array, lambda: number, steps: number) {
  const n = labels.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const params = new Float64Array(d * k + k);
  // L <= max ||x||^2 / 2 + lambda bounds the Hessian of the weighted mean softmax CE (plus the bias' 1/2).
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let j = 0; j < d; j++) s += x[i * d + j] ** 2;
    maxNorm = Math.max(maxNorm, s);
  }
  const rate = 1 / (maxNorm / 2 + lambda);
  const z = new Float64Array(k);
  const lossAndGradient = () => {
    const g = new Float64Array(d * k + k);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = params[d * k + c];
        for (let j = 0; j < d; j++) s += x[i * d + j] * params[j * k + c];
        z[c] = s;
        m = Math.max(m, s);
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[c] - m);
      const lse = m + Math.log(sum);
      const wi = weights[i] / total;
      loss += wi * (lse - z[labels[i]]);
      for (let c = 0; c < k; c++) {
        const r = wi * (Math.exp(z[c] - lse) - (c === labels[i] ? 1 : 0));
        for (let j = 0; j < d; j++) g[j * k + c] += r * x[i * d + j];
        g[d * k + c] += r;
      }
    }
    for (let j = 0; j < d * k; j++) {
      loss += (lambda / 2) * params[j] ** 2;
      g[j] += lambda * params[j];
    }
    return { loss, g };
  };
  for (let s = 0; s < steps; s++) {
    const { g } = lossAndGradient();
    for (let j = 0; j < params.length; j++) params[j] -= rate * g[j];
  }
  return { params, loss: lossAndGradient().loss };
}

describe('fitting the head to convergence (L-BFGS, L2 by cross-validation)', () => {
  it('reaches the optimum of a small convex problem that 10,000 gradient steps approach', async () => {
    const d = 3;
    const k = 2;
    const { x, labels } = blobs(60, d, k, 2, 7);
    const weights = balancedSampleWeights(labels, k, () => true);
    const lambda = 0.01;
    const fit = await fitSoftmaxRegression({ features: x, dimension: d, labels, classCount: k }, weights, lambda, resolveHeadFitConfig());
    const reference = gradientDescent(x, labels, d, k, weights, lambda, 10_000);
    // L-BFGS stops at the tolerance (or at the float64 precision of the loss) in a few dozen iterations.
    expect(fit.gradientNorm).toBeLessThan(1e-5);
    expect(fit.iterations).toBeLessThan(100);
    expect(fit.loss).toBeLessThanOrEqual(reference.loss + 1e-6);
    // A 2-class softmax has one free direction per feature: compare the logit differences' weights.
    for (let j = 0; j <= d; j++) {
      const diff = (p: Float64Array) => p[j * k + 1] - p[j * k];
      expect(diff(fit.params)).toBeCloseTo(diff(reference.params), 3);
    }
  }, 20_000);

  it('picks a larger L2 strength on noisy low-N data than on clean large-N data', async () => {
    const d = 20;
    const k = 3;
    const choose = async (n: number, separation: number) => {
      const { x, labels } = blobs(n, d, k, separation, 11);
      const items = labels.map((c, i) => ({ id: `i${i}`, classIndex: c }));
      const out = await fitHeadWithCrossValidation({
        problem: { features: x, dimension: d, labels, classCount: k }, items, rotations: 1, classWeighted: true,
        config: { lambdas: [1e-4, 1e-3, 1e-2, 1e-1, 1], lambdasBelow: [], lambdasAbove: [], maxIterations: 200 },
      });
      return out!.summary;
    };
    const noisy = await choose(30, 1);
    const clean = await choose(600, 6);
    expect(noisy.cvLoss).toHaveLength(5);
    expect(noisy.folds).toBe(5);
    expect(noisy.chosen).toBeGreaterThan(clean.chosen);
    expect(clean.gradientNorm).toBeLessThan(1e-3);
  }, 20_000);

  it('tries smaller (larger) L2 strengths only while the smallest (largest) searched wins, and says when the choice sits at an edge', async () => {
    const d = 20;
    const k = 3;
    const search = async (n: number, separation: number, lambdas: number[], lambdasBelow: number[], lambdasAbove: number[] = []) => {
      const { x, labels } = blobs(n, d, k, separation, 11);
      const items = labels.map((c, i) => ({ id: `i${i}`, classIndex: c }));
      const out = await fitHeadWithCrossValidation({
        problem: { features: x, dimension: d, labels, classCount: k }, items, rotations: 1, classWeighted: true,
        config: { lambdas, lambdasBelow, lambdasAbove, maxIterations: 200 },
      });
      return out!.summary;
    };
    // Clean, plentiful data wants little regularisation: a grid starting at 0.1 is extended downwards.
    const clean = await search(600, 6, [1e-1, 1], [1e-2, 1e-3, 1e-4], [10]);
    const added = clean.lambdas.length - 2;
    expect(added).toBeGreaterThan(0);
    expect(clean.lambdas.slice(added)).toEqual([1e-1, 1]);
    expect(clean.cvLoss).toHaveLength(clean.lambdas.length);
    // Each smaller strength was tried because the one above it was then the best of those searched.
    for (let j = 0; j < added; j++) {
      const rest = clean.cvLoss.slice(j + 1);
      expect(rest.indexOf(Math.min(...rest)), `before adding ${clean.lambdas[j]}`).toBe(0);
    }
    // Either the search found an inside optimum, or it ran out of strengths and says so.
    if (clean.chosen === clean.lambdas[0]) expect([clean.edge, added]).toEqual(['smallest', 3]);
    else expect(clean.edge).toBeNull();
    // Noisy, scarce data wants more: the grid grows upwards while its largest wins, and never downwards.
    const noisy = await search(30, 1, [1e-4, 1e-3, 1e-2], [1e-5], [1e-1, 1, 10, 100]);
    const above = noisy.lambdas.length - 3;
    expect(above).toBeGreaterThan(0);
    expect(noisy.lambdas.slice(0, 3)).toEqual([1e-4, 1e-3, 1e-2]);
    for (let j = 3; j < noisy.lambdas.length; j++) {
      const before = noisy.cvLoss.slice(0, j);
      expect(before.indexOf(Math.min(...before)), `before adding ${noisy.lambdas[j]}`).toBe(j - 1);
    }
    // With nothing more to try, a winner at the top end is reported as such.
    const capped = await search(30, 1, [1e-4, 1e-3, 1e-2], [1e-5], []);
    expect([capped.lambdas, capped.chosen, capped.edge]).toEqual([[1e-4, 1e-3, 1e-2], 1e-2, 'largest']);
  }, 30_000);

  it('never puts one patient on both sides of an inner fold', () => {
    const items = Array.from({ length: 90 }, (_, i) => ({ id: `img${i}`, patientId: `p${Math.floor(i / 3)}`, classIndex: i % 3 }));
    const folds = innerFolds(items, 5, 3)!;
    expect(folds.folds).toBe(5);
    const foldOfPatient = new Map<string, Set<number>>();
    items.forEach((it, i) => foldOfPatient.set(it.patientId, (foldOfPatient.get(it.patientId) ?? new Set()).add(folds.fold[i])));
    expect([...foldOfPatient.values()].every((s) => s.size === 1)).toBe(true);
    // Without patient ids each image is its own patient; with one patient there is nothing to cross-validate.
    expect(innerFolds(items.map(({ id, classIndex }) => ({ id, classIndex })), 5, 3)!.folds).toBe(5);
    expect(innerFolds(items.map((it) => ({ ...it, patientId: 'same' })), 5, 3)).toBeNull();
  });

  it('weights samples by sklearn balanced class weights over the included ones', () => {
    // 3 of class 0, 1 of class 1 included: n / (k x n_c) = 4 / (2 x 3) and 4 / (2 x 1); the excluded sample 0.
    const w = balancedSampleWeights([0, 0, 0, 1, 1], 2, (i) => i < 4);
    expect(Array.from(w)).toEqual([4 / 6, 4 / 6, 4 / 6, 2, 0].map(Math.fround));
  });

  it('keeps rotations of one image together and averages their probabilities in the held-out loss', async () => {
    const { x, labels } = blobs(40, 4, 2, 3, 5);
    const rotations = 2;
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `i${i}`, classIndex: labels[2 * i] }));
    const rowLabels = items.flatMap((it) => [it.classIndex, it.classIndex]);
    const out = await fitHeadWithCrossValidation({
      problem: { features: x, dimension: 4, labels: rowLabels, classCount: 2 }, items, rotations, classWeighted: false,
      config: { lambdas: [1e-3, 1e-1], folds: 4 },
    });
    expect(out!.summary.folds).toBe(4);
    expect(out!.summary.cvLoss.every(Number.isFinite)).toBe(true);
  }, 20_000);

  it('gives the same choice and nearly the same head with the products as tf ops (float32) as in plain float64', async () => {
    await tf.setBackend('cpu');
    const { x, labels } = blobs(200, 8, 3, 3, 9);
    const items = labels.map((c, i) => ({ id: `i${i}`, classIndex: c }));
    const fit = (products: 'js' | 'tensors') => fitHeadWithCrossValidation({
      problem: { features: x, dimension: 8, labels, classCount: 3 }, items, rotations: 1, classWeighted: true,
      config: { lambdas: [1e-3, 1e-2, 1e-1], products },
    });
    const before = tf.memory().numTensors;
    const [js, tensors] = [await fit('js'), await fit('tensors')];
    expect(tf.memory().numTensors).toBe(before);
    expect(tensors!.summary.chosen).toBe(js!.summary.chosen);
    expect(tensors!.summary.trainLoss).toBeCloseTo(js!.summary.trainLoss, 5);
    tensors!.params.forEach((v, i) => expect(v).toBeCloseTo(js!.params[i], 2));
  }, 20_000);
});
