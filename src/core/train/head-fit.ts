/**
 * Fitting the linear head of a frozen backbone to convergence: multinomial logistic regression on the cached,
 * scaled pooled features, full batch, minimising
 *   sum_i w_i CE_i / sum_i w_i + (lambda / 2) ||W||^2
 * (w_i the class weight of sample i; no penalty on the bias, as Caffe's decay_mult 0 for biases) with L-BFGS
 * and an Armijo backtracking line search. The L2 strength is chosen by patient-aware K-fold cross-validation
 * on the training split (unweighted held-out cross-entropy), then the head is refitted on the whole split.
 * The products with the features in plain float64 JavaScript or as tf ops on the active backend (HeadFitProducts).
 */
import * as tf from '@tensorflow/tfjs';
import { kFoldSplit } from '../data/split';

/** L2 strengths searched by default: 7 half-decades from 1e-4 to 1e-1 (features scaled to a mean squared norm of 100). */
export const HEAD_FIT_LAMBDAS: readonly number[] = [1e-4, 3.16e-4, 1e-3, 3.16e-3, 1e-2, 3.16e-2, 1e-1];

/**
 * Smaller strengths tried, one half-decade at a time, only while the cross-validation keeps choosing the smallest
 * one searched: on 2,023 fundus photographs (scenario 3) the held-out loss still fell at 1e-4 (the grid's edge).
 */
export const HEAD_FIT_LAMBDAS_BELOW: readonly number[] = [3.16e-5, 1e-5, 3.16e-6, 1e-6];

/** Larger strengths tried the same way while the largest wins (the 94 demo photographs chose 0.1 in 3 of 5 folds). */
export const HEAD_FIT_LAMBDAS_ABOVE: readonly number[] = [3.16e-1, 1, 3.16];

export interface HeadFitConfig {
  /** L2 strengths to search. Defaults to HEAD_FIT_LAMBDAS. */
  lambdas: readonly number[];
  /** Strengths below `lambdas` tried in turn (largest first) while the smallest searched wins. Defaults to HEAD_FIT_LAMBDAS_BELOW. */
  lambdasBelow: readonly number[];
  /** Strengths above `lambdas` tried in turn (smallest first) while the largest searched wins. Defaults to HEAD_FIT_LAMBDAS_ABOVE. */
  lambdasAbove: readonly number[];
  /** Inner cross-validation folds (by patient). Defaults to 5 (fewer when there are fewer patients). */
  folds: number;
  /** L-BFGS iterations per fit. Defaults to 500. */
  maxIterations: number;
  /** A fit stops when the gradient's Euclidean norm is below this. Defaults to 1e-5. */
  gradientTolerance: number;
  /** L-BFGS history pairs. Defaults to 10. */
  memory: number;
  /** Seed of the fold assignment. Defaults to 42. */
  seed: number;
  /** Who computes the products with the features (see HeadFitProducts). Defaults to 'js'. */
  products: HeadFitProducts;
}

export function resolveHeadFitConfig(partial: Partial<HeadFitConfig> = {}): HeadFitConfig {
  const c: HeadFitConfig = {
    lambdas: partial.lambdas ?? HEAD_FIT_LAMBDAS, lambdasBelow: partial.lambdasBelow ?? HEAD_FIT_LAMBDAS_BELOW,
    lambdasAbove: partial.lambdasAbove ?? HEAD_FIT_LAMBDAS_ABOVE, folds: partial.folds ?? 5, maxIterations: partial.maxIterations ?? 500,
    gradientTolerance: partial.gradientTolerance ?? 1e-5, memory: partial.memory ?? 10, seed: partial.seed ?? 42,
    products: partial.products ?? 'js',
  };
  if (c.lambdas.length === 0 || c.lambdas.some((l) => !(l >= 0 && Number.isFinite(l)))) throw new RangeError(`head-fit lambdas must be finite numbers >= 0, got [${c.lambdas.join(', ')}]`);
  for (const [name, extra] of [['lambdasBelow', c.lambdasBelow], ['lambdasAbove', c.lambdasAbove]] as const) {
    if (extra.some((l) => !(l >= 0 && Number.isFinite(l)))) throw new RangeError(`head-fit ${name} must be finite numbers >= 0, got [${extra.join(', ')}]`);
  }
  if (!(Number.isInteger(c.folds) && c.folds >= 2)) throw new RangeError(`head-fit folds must be a whole number of at least 2, got ${c.folds}`);
  if (!(Number.isInteger(c.maxIterations) && c.maxIterations >= 1)) throw new RangeError(`head-fit maxIterations must be at least 1, got ${c.maxIterations}`);
  return c;
}

/** The search and the final fit, as the Train screen and metrics.json show them. */
export interface HeadFitSummary {
  /** The L2 strengths searched, ascending (with those of HeadFitConfig.lambdasBelow and lambdasAbove that were tried). */
  lambdas: number[];
  /** Mean over the folds of the held-out fold's unweighted cross-entropy, per lambda (empty when no CV ran). */
  cvLoss: number[];
  /** Folds of the inner cross-validation (0 when there were too few patients and the middle lambda was used). */
  folds: number;
  chosen: number;
  /**
   * 'smallest' or 'largest' when the chosen strength is at that end of the searched grid (even after trying
   * lambdasBelow or lambdasAbove): the cross-validated optimum may lie beyond it. Null inside the grid or when no CV ran.
   * Absent in runs recorded before it was.
   */
  edge?: 'smallest' | 'largest' | null;
  /** L-BFGS iterations of the final fit on the whole training split. */
  iterations: number;
  /** Objective at the final fit: class-weighted mean cross-entropy + (lambda / 2) ||W||^2. */
  trainLoss: number;
  /** Euclidean norm of the objective's gradient at the final fit. */
  gradientNorm: number;
  /** Seconds the search and the fit took. */
  seconds: number;
}

/** A full-batch problem: N samples (rows of `features`, already scaled) with class labels. */
export interface HeadFitProblem {
  /** [N, d] row-major, the head's inputs. */
  features: Float32Array;
  /** d, the feature length. */
  dimension: number;
  /** Class of each sample, 0..classCount-1. */
  labels: readonly number[];
  classCount: number;
}

/** Parameters as one vector: the kernel [d, k] row-major, then the bias [k]. */
export interface HeadFitResult {
  params: Float64Array;
  loss: number;
  gradientNorm: number;
  iterations: number;
}

/**
 * The two products with the features that cost O(N d k) per evaluation: the logits X W + b, and X^T R.
 * 'js': float64 sums in plain JavaScript, rows of weight 0 skipped (exact; what tests and the CPU backend use);
 * 'tensors': tf matMuls on the active backend (WebGPU in the studio: milliseconds for 100,000 rows; wasm in Node:
 * about twice the JavaScript speed), float32 sums, so the gradient bottoms out near 1e-5 on large problems.
 */
export type HeadFitProducts = 'js' | 'tensors';

export interface FeatureProducts {
  /** [N, k] row-major; rows of weight 0 may be left 0. */
  logits(params: Float64Array, weights: Float64Array): Promise<Float64Array>;
  /** X^T r for r [N, k] row-major: [d, k] row-major. */
  transposedTimes(r: Float64Array, weights: Float64Array): Promise<Float64Array>;
  dispose(): void;
}

/** The products for a problem, computed as `kind` says; dispose() when done. */
export function featureProducts(problem: HeadFitProblem, kind: HeadFitProducts): FeatureProducts {
  return kind === 'tensors' ? tensorProducts(problem) : jsProducts(problem);
}

function jsProducts(problem: HeadFitProblem): FeatureProducts {
  const { features: x, dimension: d, classCount: k } = problem;
  const rows = problem.labels.length;
  return {
    async logits(params, weights) {
      const z = new Float64Array(rows * k);
      for (let i = 0; i < rows; i++) {
        if (weights[i] === 0) continue;
        for (let c = 0; c < k; c++) z[i * k + c] = params[d * k + c];
        for (let j = 0; j < d; j++) {
          const v = x[i * d + j];
          for (let c = 0; c < k; c++) z[i * k + c] += v * params[j * k + c];
        }
      }
      return z;
    },
    async transposedTimes(r, weights) {
      const g = new Float64Array(d * k);
      for (let i = 0; i < rows; i++) {
        if (weights[i] === 0) continue;
        for (let j = 0; j < d; j++) {
          const v = x[i * d + j];
          for (let c = 0; c < k; c++) g[j * k + c] += v * r[i * k + c];
        }
      }
      return g;
    },
    dispose: () => undefined,
  };
}

function tensorProducts(problem: HeadFitProblem): FeatureProducts {
  const { dimension: d, classCount: k } = problem;
  const rows = problem.labels.length;
  const x = tf.tensor2d(problem.features, [rows, d]);
  const read = async (t: tf.Tensor) => {
    const values = await t.data();
    t.dispose();
    return Float64Array.from(values);
  };
  return {
    logits: (params) => read(tf.tidy(() => tf.add(
      tf.matMul(x, tf.tensor2d(Float32Array.from(params.subarray(0, d * k)), [d, k])),
      tf.tensor1d(Float32Array.from(params.subarray(d * k))),
    ))),
    transposedTimes: (r) => read(tf.tidy(() => tf.matMul(x, tf.tensor2d(Float32Array.from(r), [rows, k]), true, false))),
    dispose: () => x.dispose(),
  };
}

/**
 * Loss and gradient at `params` of the regularised, weighted softmax cross-entropy over the problem's rows
 * (weights normalised to sum 1; a row of weight 0 is left out: an inner fold's held-out rows). The softmax,
 * the loss and the residuals are float64 whatever computes the products.
 */
async function lossAndGradient(
  products: FeatureProducts, problem: HeadFitProblem, weights: Float64Array, lambda: number, params: Float64Array,
): Promise<{ loss: number; gradient: Float64Array }> {
  const { dimension: d, labels, classCount: k } = problem;
  const z = await products.logits(params, weights);
  const r = new Float64Array(labels.length * k);
  const gradient = new Float64Array(d * k + k);
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights[i];
    if (w === 0) continue;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, z[i * k + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z[i * k + c] - max);
    const logSum = max + Math.log(sum);
    loss += w * (logSum - z[i * k + labels[i]]);
    for (let c = 0; c < k; c++) {
      const residual = w * (Math.exp(z[i * k + c] - logSum) - (c === labels[i] ? 1 : 0));
      r[i * k + c] = residual;
      gradient[d * k + c] += residual;
    }
  }
  gradient.set(await products.transposedTimes(r, weights));
  for (let j = 0; j < d * k; j++) {
    loss += (lambda / 2) * params[j] * params[j];
    gradient[j] += lambda * params[j];
  }
  return { loss, gradient };
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Minimises the problem's objective at one lambda by L-BFGS (two-loop recursion, Nocedal & Wright Alg. 7.4)
 * with an Armijo backtracking line search (c1 = 1e-4), from `start` (warm start) or zeros. Stops at the
 * gradient tolerance, at maxIterations, or when no step lowers the loss any more (its precision).
 */
export async function fitSoftmaxRegression(
  problem: HeadFitProblem, weights: Float32Array, lambda: number,
  options: Pick<HeadFitConfig, 'maxIterations' | 'gradientTolerance' | 'memory'>, start?: Float64Array,
  products: FeatureProducts = jsProducts(problem),
): Promise<HeadFitResult> {
  const n = problem.dimension * problem.classCount + problem.classCount;
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('head fit: every sample weight is 0');
  const normalised = Float64Array.from(weights, (w) => w / total);
  const evaluate = (p: Float64Array) => lossAndGradient(products, problem, normalised, lambda, p);
  let x: Float64Array = start ? Float64Array.from(start) : new Float64Array(n);
  let { loss, gradient: g }: { loss: number; gradient: Float64Array } = await evaluate(x);
  const history: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  let iterations = 0;
  while (iterations < options.maxIterations && Math.sqrt(dot(g, g)) > options.gradientTolerance) {
    // Two-loop recursion: p = -H g.
    const q = Float64Array.from(g);
    const alphas: number[] = [];
    for (let j = history.length - 1; j >= 0; j--) {
      const { s, y, rho } = history[j];
      const a = rho * dot(s, q);
      alphas[j] = a;
      for (let i = 0; i < n; i++) q[i] -= a * y[i];
    }
    const last = history[history.length - 1];
    const gamma = last ? dot(last.s, last.y) / dot(last.y, last.y) : 1 / Math.max(Math.sqrt(dot(g, g)), 1e-12);
    for (let i = 0; i < n; i++) q[i] *= gamma;
    for (let j = 0; j < history.length; j++) {
      const { s, y, rho } = history[j];
      const b = rho * dot(y, q);
      for (let i = 0; i < n; i++) q[i] += s[i] * (alphas[j] - b);
    }
    let p = q.map((v) => -v);
    let slope = dot(g, p);
    if (!(slope < 0)) {
      // Not a descent direction (float noise in the history): restart from steepest descent.
      history.length = 0;
      p = g.map((v) => -v / Math.max(Math.sqrt(dot(g, g)), 1e-12));
      slope = dot(g, p);
    }
    let step = 1;
    let accepted: { x: Float64Array; loss: number; gradient: Float64Array } | null = null;
    for (let tries = 0; tries < 30; tries++) {
      const candidate = x.map((v, i) => v + step * p[i]);
      const next = await evaluate(candidate);
      if (Number.isFinite(next.loss) && next.loss <= loss + 1e-4 * step * slope) {
        accepted = { x: candidate, ...next };
        break;
      }
      step *= 0.5;
    }
    if (!accepted || !(accepted.loss < loss)) break; // no lower loss along the direction: converged to precision
    const s = accepted.x.map((v, i) => v - x[i]);
    const y = accepted.gradient.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      history.push({ s, y, rho: 1 / sy });
      if (history.length > options.memory) history.shift();
    }
    x = accepted.x;
    loss = accepted.loss;
    g = accepted.gradient;
    iterations++;
  }
  return { params: x, loss, gradientNorm: Math.sqrt(dot(g, g)), iterations };
}

/** Per-sample loss weights: sklearn's 'balanced' class weights over the samples with `included` true (others 0). */
export function balancedSampleWeights(labels: readonly number[], classCount: number, included: (i: number) => boolean): Float32Array {
  const counts = new Array<number>(classCount).fill(0);
  let n = 0;
  labels.forEach((c, i) => {
    if (included(i)) {
      counts[c]++;
      n++;
    }
  });
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(labels, (c, i) => (included(i) ? n / (present * counts[c]) : 0));
}

/** One training image with its samples (consecutive rows `item x rotations + r` of the problem). */
export interface HeadFitItem {
  id: string;
  /** Images of one patient never sit on both sides of an inner fold. Defaults to the id. */
  patientId?: string;
  classIndex: number;
}

export interface HeadFitRequest {
  problem: HeadFitProblem;
  items: readonly HeadFitItem[];
  /** Samples per item (4 with rotation augmentation, else 1); the problem has items x rotations rows. */
  rotations: number;
  /** Weight each sample by its class's balanced weight (the trainer's classWeighting 'loss'); else all 1. */
  classWeighted: boolean;
  config?: Partial<HeadFitConfig>;
  /** Awaited after each fit (done of total); true asks to stop (then null is returned). */
  onProgress?: (done: number, total: number) => Promise<boolean>;
}

/** The inner fold (0..folds-1) of each item, patient-aware and stratified; null when there are fewer than 2 patients. */
export function innerFolds(items: readonly HeadFitItem[], folds: number, seed: number): { fold: number[]; folds: number } | null {
  const patients = new Set(items.map((it) => it.patientId ?? it.id)).size;
  const k = Math.min(folds, patients);
  if (k < 2) return null;
  const byId = kFoldSplit(items.map((it) => ({ id: it.id, patientId: it.patientId ?? it.id, classIndex: it.classIndex })), k, seed);
  return { fold: items.map((it) => byId.get(it.id)!), folds: k };
}

/** Unweighted mean cross-entropy of the held-out items, their probabilities averaged over their samples (as validation's TTA). */
function heldOutLoss(problem: HeadFitProblem, params: Float64Array, items: number[], rotations: number, labels: number[]): number {
  let sum = 0;
  items.forEach((item, i) => {
    let p = 0;
    for (let r = 0; r < rotations; r++) p += softmaxRow(problem, params, item * rotations + r)[labels[i]];
    sum -= Math.log(Math.max(p / rotations, 1e-12));
  });
  return sum / items.length;
}

/** Class probabilities of one row under `params`. */
export function softmaxRow(problem: HeadFitProblem, params: Float64Array, row: number): Float64Array {
  const { features: x, dimension: d, classCount: k } = problem;
  const z = params.slice(d * k, d * k + k);
  for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) z[c] += x[row * d + j] * params[j * k + c];
  const max = Math.max(...z);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c] - max));
  return z.map((v) => v / sum);
}

/**
 * The problem with each feature's mean over the rows (those `meanOver` picks; all by default) subtracted: the
 * same optimum for the kernel (the bias absorbs the shift) and the same penalty, but far better conditioned (pooled ReLU features share a large
 * positive mean, one dominant direction of the Hessian), so L-BFGS needs many fewer iterations.
 */
export function centred(problem: HeadFitProblem, meanOver: (row: number) => boolean = () => true): HeadFitProblem & { mean: Float64Array } {
  const { features, dimension: d } = problem;
  const rows = problem.labels.length;
  const mean = new Float64Array(d);
  let counted = 0;
  for (let i = 0; i < rows; i++) {
    if (!meanOver(i)) continue;
    counted++;
    for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= Math.max(counted, 1);
  const out = new Float32Array(features.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) out[i * d + j] = features[i * d + j] - mean[j];
  return { ...problem, features: out, mean };
}

/**
 * Chooses lambda by inner K-fold cross-validation (each fold's path fitted from the largest lambda down, each
 * fit warm-started from the previous), then refits on every item with it. Returns the parameters (kernel
 * [d, k] row-major, then bias) and the summary, or null when cancelled through onProgress.
 */
export async function fitHeadWithCrossValidation(request: HeadFitRequest): Promise<{ params: Float64Array; summary: HeadFitSummary } | null> {
  const started = performance.now();
  const config = resolveHeadFitConfig(request.config);
  const { items, rotations } = request;
  const given = request.problem;
  if (given.features.length !== items.length * rotations * given.dimension || given.labels.length !== items.length * rotations) {
    throw new RangeError(`head fit: ${items.length} items x ${rotations} rotations, but ${given.features.length / given.dimension} feature rows and ${given.labels.length} labels`);
  }
  const lambdas = [...config.lambdas].sort((a, b) => a - b);
  const below = config.lambdasBelow.filter((l) => l < lambdas[0]).sort((a, b) => b - a);
  const above = config.lambdasAbove.filter((l) => l > lambdas[lambdas.length - 1]).sort((a, b) => a - b);
  const problem = centred(request.problem);
  const itemOf = (row: number) => Math.floor(row / rotations);
  const weightsFor = (included: (item: number) => boolean) => (request.classWeighted
    ? balancedSampleWeights(problem.labels, problem.classCount, (row) => included(itemOf(row)))
    : Float32Array.from(problem.labels, (_, row) => (included(itemOf(row)) ? 1 : 0)));
  const folds = innerFolds(items, config.folds, config.seed);
  let total = (folds ? folds.folds * lambdas.length : 0) + 1;
  let done = 0;
  const progress = async () => (request.onProgress ? request.onProgress(++done, total) : false);

  const cvLoss: number[] = [];
  let chosen = lambdas[Math.floor((lambdas.length - 1) / 2)];
  let final: HeadFitResult;
  const products = featureProducts(problem, config.products);
  try {
    if (folds) {
      const byFold = Array.from({ length: folds.folds }, (_, f) => {
        const heldItems = items.map((_, i) => i).filter((i) => folds.fold[i] === f);
        return { heldItems, heldLabels: heldItems.map((i) => items[i].classIndex), weights: weightsFor((i) => folds.fold[i] !== f) };
      });
      // Each fold's fits at the smallest and the largest strength so far: where a smaller or a larger one starts from.
      const smallestFits: (Float64Array | undefined)[] = new Array(folds.folds).fill(undefined);
      const largestFits: (Float64Array | undefined)[] = new Array(folds.folds).fill(undefined);
      // A held-out loss needs no more than 4 digits of the optimum: a 10x looser tolerance than the final fit.
      const cvOptions = { ...config, gradientTolerance: config.gradientTolerance * 10 };
      const heldOutLossAt = async (lambda: number, f: number, from: 'smaller' | 'larger') => {
        const fits = from === 'smaller' ? smallestFits : largestFits;
        const fit = await fitSoftmaxRegression(problem, byFold[f].weights, lambda, cvOptions, fits[f], products);
        fits[f] = fit.params;
        if (!largestFits[f]) largestFits[f] = fit.params;
        return heldOutLoss(problem, fit.params, byFold[f].heldItems, rotations, byFold[f].heldLabels);
      };
      const tryStrength = async (lambda: number, from: 'smaller' | 'larger') => {
        total += folds.folds;
        let loss = 0;
        for (let f = 0; f < folds.folds; f++) {
          loss += await heldOutLossAt(lambda, f, from);
          if (await progress()) return null;
        }
        return loss / folds.folds;
      };
      const sums = new Array<number>(lambdas.length).fill(0);
      for (let f = 0; f < folds.folds; f++) {
        for (let j = lambdas.length - 1; j >= 0; j--) {
          sums[j] += await heldOutLossAt(lambdas[j], f, 'smaller');
          if (await progress()) return null;
        }
      }
      sums.forEach((sum) => cvLoss.push(sum / folds.folds));
      // While the smallest (largest) strength wins, the optimum may lie beyond it: try the next one, warm-started.
      for (const lambda of below) {
        if (cvLoss.indexOf(Math.min(...cvLoss)) !== 0) break;
        const loss = await tryStrength(lambda, 'smaller');
        if (loss === null) return null;
        lambdas.unshift(lambda);
        cvLoss.unshift(loss);
      }
      for (const lambda of above) {
        if (cvLoss.indexOf(Math.min(...cvLoss)) !== cvLoss.length - 1) break;
        const loss = await tryStrength(lambda, 'larger');
        if (loss === null) return null;
        lambdas.push(lambda);
        cvLoss.push(loss);
      }
      chosen = lambdas[cvLoss.indexOf(Math.min(...cvLoss))];
    }
    final = await fitSoftmaxRegression(problem, weightsFor(() => true), chosen, config, undefined, products);
    if (await progress()) return null;
  } finally {
    products.dispose();
  }
  // Back from centred features: (x - mean) W + b_c = x W + (b_c - mean W).
  const { dimension: d, classCount: k } = problem;
  const params = Float64Array.from(final.params);
  for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) params[d * k + c] -= problem.mean[j] * params[j * k + c];
  return {
    params,
    summary: {
      lambdas, cvLoss, folds: folds?.folds ?? 0, chosen,
      edge: !folds || lambdas.length < 2 ? null : chosen === lambdas[0] ? 'smallest' : chosen === lambdas[lambdas.length - 1] ? 'largest' : null,
      iterations: final.iterations, trainLoss: final.loss,
      gradientNorm: final.gradientNorm, seconds: (performance.now() - started) / 1000,
    },
  };
}
