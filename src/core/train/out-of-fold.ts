/**
 * Out-of-fold predictions for a head on a frozen backbone: every training and validation image scored by a head
 * that never trained on it. The images are split into patient-aware, stratified folds (K = 5, fewer with fewer
 * patients); each fold's head is fitted to convergence on the other folds' cached features at the L2 strength the
 * head fit already chose (head-fit.ts, the same fit and class weighting), and scores the fold's images with the
 * same test-time rotation averaging as the reported probabilities. Pooled, they give an operating point many more
 * positives than the validation set alone (threshold-selection.ts). Only the rows the items name are read: the
 * caller passes no test image, so none can leak in.
 */
import {
  balancedSampleWeights, centred, featureProducts, fitSoftmaxRegression, type HeadFitConfig, type HeadFitItem,
  type HeadFitProblem, innerFolds, resolveHeadFitConfig, softmaxRow,
} from './head-fit';

/** One image: its class, its patient, and which feature rows stand for it. */
export interface OutOfFoldItem extends HeadFitItem {
  /** Rows (of the problem) a head trains on: each rotation drawn in training, else rotation 0 only. */
  fitRows: readonly number[];
  /** Rows whose class probabilities are averaged into the image's prediction (test-time rotations, else rotation 0). */
  scoreRows: readonly number[];
}

export interface OutOfFoldRequest {
  /** Feature rows (already scaled, as the head reads them); only the rows the items name are read. */
  features: Float32Array;
  dimension: number;
  classCount: number;
  items: readonly OutOfFoldItem[];
  /** The L2 strength the head fit chose. */
  lambda: number;
  /** Balanced class weights (as the head fit's); else every image weighs the same. */
  classWeighted: boolean;
  /** Folds, seed, tolerances and products: those of the head fit. */
  config?: Partial<HeadFitConfig>;
  /** Awaited after each fold's fit; true asks to stop (then null is returned). */
  onProgress?: (done: number, total: number) => Promise<boolean>;
}

/** The pooled predictions (one per item, in the items' order) and how they were made. */
export interface OutOfFoldPredictions {
  ids: string[];
  labels: number[];
  /** Class probabilities, averaged over each image's score rows. */
  probs: number[][];
  /** Patient per image (the id when none was given). */
  patients: string[];
  folds: number;
  lambda: number;
  /** Rotations averaged per image (4 with test-time rotations where every rotation was cached, else 1). */
  rotationsAveraged: number;
}

/**
 * Fits one head per fold on the other folds' images and scores the fold's images with it; null when there are
 * fewer than 2 patients (nothing to hold out) or when cancelled through onProgress.
 */
export async function outOfFoldPredictions(request: OutOfFoldRequest): Promise<OutOfFoldPredictions | null> {
  const config = resolveHeadFitConfig(request.config);
  const { items, dimension: d, classCount: k } = request;
  const folds = innerFolds(items, config.folds, config.seed);
  if (!folds) return null;

  // A compact problem of the named rows only, item by item: nothing else of `features` is read.
  const rowsOf = items.map((it) => [...new Set([...it.fitRows, ...it.scoreRows])]);
  const rowCount = rowsOf.reduce((n, rows) => n + rows.length, 0);
  // The trainer names every row once, in order: then the features are used as they are (no copy of a large cache).
  const inOrder = request.features.length === rowCount * d && rowsOf.flat().every((row, i) => row === i);
  const features = inOrder ? request.features : new Float32Array(rowCount * d);
  const labels: number[] = [];
  const itemOfRow: number[] = [];
  const localRow = items.map(() => new Map<number, number>());
  rowsOf.forEach((rows, i) => rows.forEach((row) => {
    localRow[i].set(row, labels.length);
    if (!inOrder) features.set(request.features.subarray(row * d, (row + 1) * d), labels.length * d);
    labels.push(items[i].classIndex);
    itemOfRow.push(i);
  }));
  const isFitRow = new Uint8Array(rowCount);
  items.forEach((it, i) => it.fitRows.forEach((row) => { isFitRow[localRow[i].get(row)!] = 1; }));
  const fitRowCount = items.map((it) => it.fitRows.length);
  const compact: HeadFitProblem = { features, dimension: d, labels, classCount: k };

  const probs: number[][] = items.map(() => []);
  for (let f = 0; f < folds.folds; f++) {
    const trains = (row: number) => isFitRow[row] === 1 && folds.fold[itemOfRow[row]] !== f;
    const classWeights = request.classWeighted
      ? balancedSampleWeights(labels, k, trains)
      : Float32Array.from(labels, (_, row) => (trains(row) ? 1 : 0));
    // Each image weighs the same whatever number of its rows trains (a validation image may have fewer).
    const weights = Float32Array.from(classWeights, (w, row) => w / fitRowCount[itemOfRow[row]]);
    // Centred on the fold's training rows (no optimum changes: the bias absorbs it), fitted from zeros: each
    // fold's head depends on its training images alone, not even through a mean or a warm start.
    const problem = centred(compact, trains);
    const products = featureProducts(problem, config.products);
    try {
      const fit = await fitSoftmaxRegression(problem, weights, request.lambda, config, undefined, products);
      items.forEach((it, i) => {
        if (folds.fold[i] !== f) return;
        const mean = new Array<number>(k).fill(0);
        for (const row of it.scoreRows) {
          const p = softmaxRow(problem, fit.params, localRow[i].get(row)!);
          for (let c = 0; c < k; c++) mean[c] += p[c] / it.scoreRows.length;
        }
        probs[i] = mean;
      });
    } finally {
      products.dispose();
    }
    if (request.onProgress && await request.onProgress(f + 1, folds.folds)) return null;
  }
  return {
    ids: items.map((it) => it.id),
    labels: items.map((it) => it.classIndex),
    probs,
    patients: items.map((it) => it.patientId ?? it.id),
    folds: folds.folds,
    lambda: request.lambda,
    rotationsAveraged: Math.min(...items.map((it) => it.scoreRows.length)),
  };
}
