/**
 * Making up for unequal class sizes, as pure functions of the training labels: balanced per-class loss
 * weights, and a class-balanced draw of an epoch's items.
 */
import type { Random } from '../data/random';

/** A class with no training image: it can be neither weighted nor drawn. */
export class EmptyClassError extends Error {
  override name = 'EmptyClassError';
  constructor(readonly classIndex: number) {
    super(`Class ${classIndex} has no training image, so it cannot be balanced; add images of it or remove the class.`);
  }
}

function classCounts(classIndices: readonly number[], k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of classIndices) {
    if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new RangeError(`class index ${c} is outside 0..${k - 1}`);
    counts[c]++;
  }
  return counts;
}

/**
 * w_c = n / (k x n_c) for each class c of k, n the number of labels (sklearn's class_weight='balanced'):
 * every class then carries the same total weight n / k, and a balanced set gets weights of 1.
 */
export function balancedClassWeights(classIndices: number[], k: number): number[] {
  const counts = classCounts(classIndices, k);
  return counts.map((n, c) => {
    if (n === 0) throw new EmptyClassError(c);
    return classIndices.length / (k * n);
  });
}

/**
 * `count` item indices (0-based, into classIndices) drawn with replacement, each with probability
 * proportional to 1 / n_c of its class, so every class is drawn equally often on average.
 */
export function classBalancedDraw(classIndices: readonly number[], k: number, count: number, random: Random): number[] {
  const counts = classCounts(classIndices, k);
  // Cumulative probability mass: item i holds 1 / n_c of its class c, normalised over k classes present.
  const present = counts.filter((n) => n > 0).length;
  const cumulative: number[] = [];
  let total = 0;
  for (const c of classIndices) {
    total += 1 / (counts[c] * present);
    cumulative.push(total);
  }
  const draw: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    draw.push(lo);
  }
  return draw;
}
