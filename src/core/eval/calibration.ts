/**
 * Calibration: whether "80% referable" means right 80% of the time. Fine-tuned networks are usually
 * over-confident (Guo et al. 2017, "On Calibration of Modern Neural Networks"); temperature scaling fixes
 * that with one number fitted on validation data, without changing any prediction's class. Also the
 * expected calibration error (ECE) and the reliability diagram's bins to show it.
 */
import { mulberry32, shuffled } from '../data/random';
import { argmax, LOSS_EPSILON } from './metrics';

/** Probabilities, labels or settings that cannot be calibrated; names the bad value. */
export class CalibrationError extends Error {
  override name = 'CalibrationError';
  constructor(message: string) {
    super(message);
  }
}

/** The search range of fitTemperature: wide enough for any sane network, and keeps 1/T finite. */
export const TEMPERATURE_RANGE = [0.05, 20] as const;

export interface ReliabilityBin {
  /** The bin holds top-label confidences in (lower, upper]; the first bin also holds 0. */
  lower: number;
  upper: number;
  /** Images whose confidence falls in the bin. */
  count: number;
  /** Mean top-label confidence of those images; NaN for an empty bin. */
  confidence: number;
  /** Share of those images whose top label is right; NaN for an empty bin. */
  accuracy: number;
}

function assertProbsAndLabels(probs: readonly (readonly number[])[], labels: readonly number[]): void {
  if (probs.length === 0) throw new CalibrationError('Calibration needs at least one image; got none.');
  if (probs.length !== labels.length) throw new CalibrationError(`${probs.length} probability rows but ${labels.length} labels.`);
  const k = probs[0].length;
  probs.forEach((row, i) => {
    if (row.length !== k) throw new CalibrationError(`Row ${i} has ${row.length} probabilities; row 0 has ${k}.`);
    const bad = row.find((p) => !(p >= 0 && p <= 1));
    if (bad !== undefined) throw new CalibrationError(`Row ${i} has probability ${bad}, not a number in [0, 1].`);
    if (!(Number.isInteger(labels[i]) && labels[i] >= 0 && labels[i] < k)) {
      throw new CalibrationError(`Label ${labels[i]} of row ${i} is not a class index in 0..${k - 1}.`);
    }
  });
}

/**
 * softmax(log p / T) per row, i.e. p^(1/T) renormalised: T > 1 softens, T < 1 sharpens, T = 1 returns
 * the probabilities (renormalised). A zero probability stays zero. The argmax never changes.
 */
export function applyTemperature(probs: readonly (readonly number[])[], temperature: number): number[][] {
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new CalibrationError(`Temperature ${temperature} is not a positive finite number.`);
  }
  return probs.map((row) => {
    // Subtracting the largest log keeps exp() from underflowing to all zeros at small T.
    const logits = row.map((p) => Math.log(p) / temperature);
    const top = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - top));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  });
}

/** Mean cross-entropy -ln p[label], p clipped to [1e-7, 1 - 1e-7] as metrics.ts's loss (LOSS_EPSILON). */
export function meanNll(probs: readonly (readonly number[])[], labels: readonly number[]): number {
  assertProbsAndLabels(probs, labels);
  let sum = 0;
  probs.forEach((row, i) => {
    sum -= Math.log(Math.min(Math.max(row[labels[i]], LOSS_EPSILON), 1 - LOSS_EPSILON));
  });
  return sum / probs.length;
}

/**
 * The temperature minimising the mean NLL of applyTemperature(probs, T) on these labels. The NLL of
 * softmax(z / T) is convex in 1/T, hence unimodal in log T, so a golden-section search on log T over
 * TEMPERATURE_RANGE finds it (to about 1e-5 relative, i.e. better than 1e-4 in T). When the optimum lies
 * outside the range (e.g. every image already right with top probability, where sharper is always
 * better) the nearest end of the range is returned.
 */
export function fitTemperature(probs: readonly (readonly number[])[], labels: readonly number[]): number {
  assertProbsAndLabels(probs, labels);
  const nllAt = (logT: number) => meanNll(applyTemperature(probs, Math.exp(logT)), labels);
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(TEMPERATURE_RANGE[0]);
  let b = Math.log(TEMPERATURE_RANGE[1]);
  let c = b - invPhi * (b - a);
  let d = a + invPhi * (b - a);
  let fc = nllAt(c);
  let fd = nllAt(d);
  while (b - a > 1e-6) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - invPhi * (b - a);
      fc = nllAt(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + invPhi * (b - a);
      fd = nllAt(d);
    }
  }
  return Math.exp((a + b) / 2);
}

function resolveBins(bins: number): number {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new CalibrationError(`Bin count ${bins} is not a whole number of at least 1; e.g. 15.`);
  return bins;
}

/** The bin (lower, upper] of m equal-width bins that holds this confidence (the first also holds 0). */
export function confidenceBin(confidence: number, m: number): number {
  const edge = (i: number) => i / m;
  // Start from the arithmetic guess and settle against the same edges that are reported.
  let bin = Math.min(m - 1, Math.max(0, Math.ceil(confidence * m) - 1));
  while (bin > 0 && confidence <= edge(bin)) bin--;
  while (bin < m - 1 && confidence > edge(bin + 1)) bin++;
  return bin;
}

/**
 * Equal-width bins of top-label confidence over [0, 1], each (lower, upper] as in Guo et al.'s reference
 * code (a confidence of exactly 0.8 with 5 bins falls in (0.6, 0.8]), with the images' mean confidence
 * and accuracy: the data of a reliability diagram. The top label is the argmax (lowest index on ties).
 */
export function reliabilityBins(probs: readonly (readonly number[])[], labels: readonly number[], bins = 15): ReliabilityBin[] {
  assertProbsAndLabels(probs, labels);
  const m = resolveBins(bins);
  const edge = (i: number) => i / m;
  const count = new Array<number>(m).fill(0);
  const confidenceSum = new Array<number>(m).fill(0);
  const correct = new Array<number>(m).fill(0);
  probs.forEach((row, i) => {
    const top = argmax(row);
    const confidence = row[top];
    const bin = confidenceBin(confidence, m);
    count[bin]++;
    confidenceSum[bin] += confidence;
    if (top === labels[i]) correct[bin]++;
  });
  return count.map((n, i) => ({
    lower: edge(i),
    upper: edge(i + 1),
    count: n,
    confidence: n === 0 ? NaN : confidenceSum[i] / n,
    accuracy: n === 0 ? NaN : correct[i] / n,
  }));
}

/** ECE: the sum over bins of (images in bin / images) x |accuracy - confidence|; 0 is perfectly calibrated. */
export function expectedCalibrationError(probs: readonly (readonly number[])[], labels: readonly number[], bins = 15): number {
  const total = probs.length;
  return reliabilityBins(probs, labels, bins).reduce(
    (sum, bin) => (bin.count === 0 ? sum : sum + (bin.count / total) * Math.abs(bin.accuracy - bin.confidence)),
    0,
  );
}

export interface TemperatureCrossValidationConfig {
  /** Folds over the validation images. Defaults to 5 (fewer when there are fewer images or patients). */
  folds?: number;
  /** Seed of the fold assignment. Defaults to 42. */
  seed?: number;
  /** Patient id per image: a patient's images stay in one fold. */
  patients?: readonly string[];
}

export interface TemperatureCrossValidation {
  /** True when the pooled held-out NLL with fold-fitted temperatures is below that at T = 1. */
  kept: boolean;
  fittedTemperature: number;
  cvNllWithTemperature: number;
  cvNllWithout: number;
  folds: number;
}

/**
 * Whether temperature scaling helps on images it was not fitted on: K folds over the validation images (patients
 * kept together), T fitted on K − 1 folds and the mean NLL taken on the held-out fold, pooled over all folds, set
 * against the NLL at T = 1 on the same images. A temperature that only fits its own images (few images, or a
 * model already calibrated) is then not kept. `fittedTemperature` is fitted on all the images.
 */
export function temperatureByCrossValidation(
  probs: readonly (readonly number[])[], labels: readonly number[], config: TemperatureCrossValidationConfig = {},
): TemperatureCrossValidation {
  assertProbsAndLabels(probs, labels);
  const fittedTemperature = fitTemperature(probs, labels);
  const cvNllWithout = meanNll(probs, labels);
  const groups = new Map<string, number[]>();
  probs.forEach((_, i) => {
    const key = config.patients ? config.patients[i] : String(i);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const k = Math.min(config.folds ?? 5, groups.size);
  if (k < 2) return { kept: false, fittedTemperature, cvNllWithTemperature: NaN, cvNllWithout, folds: k };
  const order = shuffled([...groups.values()], mulberry32(config.seed ?? 42));
  const foldOf = new Array<number>(probs.length);
  order.forEach((group, g) => group.forEach((i) => { foldOf[i] = g % k; }));
  let nllSum = 0;
  for (let f = 0; f < k; f++) {
    const fit = probs.flatMap((_, i) => (foldOf[i] === f ? [] : [i]));
    const held = probs.flatMap((_, i) => (foldOf[i] === f ? [i] : []));
    const t = fitTemperature(fit.map((i) => probs[i]), fit.map((i) => labels[i]));
    nllSum += meanNll(applyTemperature(held.map((i) => probs[i]), t), held.map((i) => labels[i])) * held.length;
  }
  const cvNllWithTemperature = nllSum / probs.length;
  return { kept: cvNllWithTemperature < cvNllWithout, fittedTemperature, cvNllWithTemperature, cvNllWithout, folds: k };
}
