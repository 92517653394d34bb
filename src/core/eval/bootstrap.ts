/**
 * Percentile bootstrap confidence intervals for validation metrics: a validation set of a few dozen
 * fundus photographs gives an AUC that can move by 0.1 with a handful of images, and the studio should
 * say so instead of showing one number as if it were exact.
 */
import { mulberry32 } from '../data/random';
import { rocCurve } from './metrics';

export interface BootstrapConfig {
  /** Number of resamples (with replacement, of the same size as the data). Defaults to 1000. */
  resamples?: number;
  /** Coverage of the interval, in (0, 1). Defaults to 0.95 (the 2.5th and 97.5th percentiles). */
  confidence?: number;
  /** Seed of the resampling: the same seed and data give the same interval. Defaults to 42. */
  seed?: number;
}

export type ResolvedBootstrapConfig = Required<BootstrapConfig>;

export interface BootstrapInterval {
  /** The statistic on the data as it is (all indices once). */
  estimate: number;
  /** Lower and upper percentiles of the resampled statistic; NaN when every resample was skipped. */
  low: number;
  high: number;
  /** Resamples that gave a number and make up the interval. */
  resamples: number;
  /** Resamples skipped because the statistic was NaN on them (e.g. an AUC of a resample with one class). */
  skipped: number;
}

/** A bootstrap that cannot run; names the bad value. */
export class BootstrapError extends Error {
  override name = 'BootstrapError';
  constructor(message: string) {
    super(message);
  }
}

export function resolveBootstrapConfig(config: BootstrapConfig = {}): ResolvedBootstrapConfig {
  const c: ResolvedBootstrapConfig = {
    resamples: config.resamples ?? 1000,
    confidence: config.confidence ?? 0.95,
    seed: config.seed ?? 42,
  };
  if (!(Number.isInteger(c.resamples) && c.resamples >= 1)) {
    throw new BootstrapError(`Bootstrap setting 'resamples' is ${c.resamples}; expected a whole number of at least 1, e.g. 1000.`);
  }
  if (!(c.confidence > 0 && c.confidence < 1)) {
    throw new BootstrapError(`Bootstrap setting 'confidence' is ${c.confidence}; expected a number between 0 and 1 (exclusive), e.g. 0.95.`);
  }
  if (!Number.isSafeInteger(c.seed)) throw new BootstrapError(`Bootstrap setting 'seed' is ${c.seed}; expected a whole number.`);
  return c;
}

/**
 * The q-quantile (q in [0, 1]) of ascending values, interpolating linearly between order statistics
 * (numpy.percentile's default 'linear' method): position q x (n - 1).
 */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/**
 * Percentile bootstrap of a statistic of n items: the statistic is called with the indices of a resample
 * (n indices drawn with replacement, so an index can repeat) and must treat them as the data set.
 * The interval is [quantile (1 - confidence) / 2, quantile (1 + confidence) / 2] of the resampled values.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: number[]) => number,
  config: BootstrapConfig = {},
): BootstrapInterval {
  const { resamples, confidence, seed } = resolveBootstrapConfig(config);
  if (!(Number.isInteger(n) && n >= 1)) throw new BootstrapError(`A bootstrap needs at least one item; got n = ${n}.`);

  const estimate = statistic(Array.from({ length: n }, (_, i) => i));
  const random = mulberry32(seed);
  const values: number[] = [];
  const indices = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    // A copy, so a statistic that keeps or sorts its argument cannot disturb the next resample.
    const value = statistic(indices.slice());
    if (!Number.isNaN(value)) values.push(value);
  }
  values.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return {
    estimate,
    low: quantileOfSorted(values, tail),
    high: quantileOfSorted(values, 1 - tail),
    resamples: values.length,
    skipped: resamples - values.length,
  };
}

/**
 * ROC AUC (as metrics.ts's rocCurve: ties count one half) with its bootstrap interval. Resamples that
 * happen to hold only positives or only negatives have no AUC and are skipped (counted in `skipped`).
 * Throws the EvaluationError of rocCurve when the data itself lacks positives or negatives.
 */
export function aucWithInterval(
  scores: readonly number[],
  positives: readonly boolean[],
  config: BootstrapConfig = {},
): BootstrapInterval {
  // Called once on the whole data first, so that data with one class fails with rocCurve's message.
  rocCurve(scores, positives);
  return bootstrapInterval(
    scores.length,
    (indices) => {
      const resampledPositives = indices.map((i) => positives[i]);
      const positiveCount = resampledPositives.filter(Boolean).length;
      if (positiveCount === 0 || positiveCount === indices.length) return NaN;
      return rocCurve(indices.map((i) => scores[i]), resampledPositives).auc;
    },
    config,
  );
}
