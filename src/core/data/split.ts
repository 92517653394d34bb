/**
 * The train/validation(/test) split: stratified (each class keeps about the same held-out share) and
 * patient-aware (all images of one patient land on the same side, since two eyes of one patient look
 * alike and a model validated on the fellow eye of a training image would look better than it is).
 * Also K patient-aware stratified folds for cross-validation.
 */
import { mulberry32, shuffleInPlace, type Random } from './random';

export interface SplitItem {
  /** Image id, unique in the dataset. */
  id: string;
  /** Images with the same patient id always land on the same side (see patientIdOf). */
  patientId: string;
  classIndex: number;
}

export type SplitSide = 'train' | 'val' | 'test';

export interface SplitConfig {
  /** Share of each class's images held out for validation, in (0, 1). Defaults to 0.2. */
  valFraction?: number;
  /**
   * Share of each class's images held out as a test set, never seen while training or choosing the best
   * epoch, in [0, 1); valFraction + testFraction must stay below 1. Defaults to 0: no test set.
   */
  testFraction?: number;
  /** Seed of the patient shuffle: the same seed and items give the same split. Defaults to 42. */
  seed?: number;
}

export type ResolvedSplitConfig = Required<SplitConfig>;

export class InvalidSplitConfigError extends Error {
  override name = 'InvalidSplitConfigError';
  constructor(readonly field: keyof SplitConfig, readonly value: unknown, expected: string) {
    super(`Split setting '${field}' is ${JSON.stringify(value)}; expected ${expected}.`);
  }
}

export function resolveSplitConfig(config: SplitConfig = {}): ResolvedSplitConfig {
  const c: ResolvedSplitConfig = { valFraction: config.valFraction ?? 0.2, testFraction: config.testFraction ?? 0, seed: config.seed ?? 42 };
  if (!(c.valFraction > 0 && c.valFraction < 1)) {
    throw new InvalidSplitConfigError('valFraction', c.valFraction, 'a number between 0 and 1 (exclusive), e.g. 0.2');
  }
  if (!(c.testFraction >= 0 && c.testFraction < 1)) {
    throw new InvalidSplitConfigError('testFraction', c.testFraction, 'a number in [0, 1), e.g. 0.2, or 0 for no test set');
  }
  if (!(c.valFraction + c.testFraction < 1)) {
    throw new InvalidSplitConfigError('testFraction', c.testFraction, `a share that leaves images to train on beside valFraction ${c.valFraction}`);
  }
  if (!Number.isSafeInteger(c.seed)) throw new InvalidSplitConfigError('seed', c.seed, 'a whole number');
  return c;
}

/** Two items share an id: the split is a map by id, so that would silently drop one. */
export class DuplicateImageIdError extends Error {
  override name = 'DuplicateImageIdError';
  constructor(readonly id: string) {
    super(`Image id "${id}" appears more than once; every image needs its own id.`);
  }
}

interface Patient {
  id: string;
  /** Images per class index, ascending class index (a fixed order keeps float sums independent of input order). */
  counts: Map<number, number>;
  images: number;
  /** The class the patient is sorted under: its most frequent, lowest index on ties. */
  primaryClass: number;
}

/** Groups images by patient, sorted by patient id (so results do not depend on input order). */
function groupByPatient(items: readonly SplitItem[]): Patient[] {
  const patientsById = new Map<string, Patient>();
  const seenIds = new Set<string>();
  for (const item of items) {
    if (seenIds.has(item.id)) throw new DuplicateImageIdError(item.id);
    seenIds.add(item.id);
    let p = patientsById.get(item.patientId);
    if (!p) {
      p = { id: item.patientId, counts: new Map(), images: 0, primaryClass: -1 };
      patientsById.set(item.patientId, p);
    }
    p.counts.set(item.classIndex, (p.counts.get(item.classIndex) ?? 0) + 1);
    p.images++;
  }
  for (const p of patientsById.values()) {
    p.counts = new Map([...p.counts].sort(([a], [b]) => a - b));
    let best = -1;
    for (const [c, n] of p.counts) {
      if (best === -1 || n > p.counts.get(best)! || (n === p.counts.get(best)! && c < best)) best = c;
    }
    p.primaryClass = best;
  }
  return [...patientsById.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Images per class, and patients per class, over some patients. */
function classTotals(patients: readonly Patient[]) {
  const classSize = new Map<number, number>();
  const patientsWithClass = new Map<number, number>();
  for (const p of patients) {
    for (const [c, n] of p.counts) {
      classSize.set(c, (classSize.get(c) ?? 0) + n);
      patientsWithClass.set(c, (patientsWithClass.get(c) ?? 0) + 1);
    }
  }
  return { classSize, patientsWithClass };
}

/** Classes rarest first, and within a class the patients in a seeded random order. */
function visitOrderOf(patients: readonly Patient[], classSize: ReadonlyMap<number, number>, random: Random): Patient[] {
  const byClass = new Map<number, Patient[]>();
  for (const p of patients) {
    const list = byClass.get(p.primaryClass) ?? [];
    list.push(p);
    byClass.set(p.primaryClass, list);
  }
  const classOrder = [...byClass.keys()].sort((a, b) => classSize.get(a)! - classSize.get(b)! || a - b);
  return classOrder.flatMap((c) => shuffleInPlace(byClass.get(c)!, random));
}

interface HoldOutRules {
  /** Each class keeps at least this many images (or all it has, if fewer) on the remaining side. */
  minImagesLeft: number;
  /** A class with images of at least this many patients gets at least one held-out image. */
  minPatientsToHoldOut: number;
}

/**
 * The patients held out (for validation, or for test) from `patients` (sorted by id), per the method
 * described at splitDataset.
 */
function holdOut(patients: readonly Patient[], fraction: number, random: Random, rules: HoldOutRules): Set<Patient> {
  const { classSize, patientsWithClass } = classTotals(patients);
  const visitOrder = visitOrderOf(patients, classSize, random);

  const target = new Map([...classSize].map(([c, n]) => [c, fraction * n] as const));
  const heldCount = new Map<number, number>([...classSize.keys()].map((c) => [c, 0] as const));
  const held = new Set<Patient>();

  const move = (p: Patient, toHeld: boolean) => {
    if (toHeld) held.add(p);
    else held.delete(p);
    for (const [c, n] of p.counts) heldCount.set(c, heldCount.get(c)! + (toHeld ? n : -n));
  };
  // Change in the sum over classes of (held-out share - fraction)^2 if p moved to the other side.
  const costOfMoving = (p: Patient) => {
    const sign = held.has(p) ? -1 : 1;
    let delta = 0;
    for (const [c, n] of p.counts) {
      const before = heldCount.get(c)! - target.get(c)!;
      delta += ((before + sign * n) ** 2 - before ** 2) / classSize.get(c)! ** 2;
    }
    return delta;
  };

  // Greedy pass, then a few passes that move any patient whose move still helps (mixed-class patients
  // visited early can leave a later class over its target). Each move strictly lowers the cost, so this ends.
  for (let pass = 0; pass < 5; pass++) {
    let moved = false;
    for (const p of visitOrder) {
      if (costOfMoving(p) < -1e-12) {
        move(p, !held.has(p));
        moved = true;
      }
    }
    if (!moved) break;
  }

  const remaining = (c: number) => classSize.get(c)! - heldCount.get(c)!;
  const mustLeave = (c: number) => Math.min(rules.minImagesLeft, classSize.get(c)!);
  const fewestImagesFirst = (a: Patient, b: Patient) => a.images - b.images;
  const classesAscending = [...classSize.keys()].sort((a, b) => a - b);

  // Repair 1: a class left without enough images cannot be learned (or, after a test hold-out, cannot be
  // split again into train and validation); pull its smallest held-out patients back.
  for (const c of classesAscending) {
    while (remaining(c) < mustLeave(c)) {
      const candidate = visitOrder.filter((p) => held.has(p) && p.counts.has(c)).sort(fewestImagesFirst)[0];
      if (!candidate) break;
      move(candidate, false);
    }
  }

  // Repair 2: a class with enough patients should be measured; hold out its smallest remaining patient
  // whose move leaves every class it touches with enough images.
  for (const c of classesAscending) {
    if (heldCount.get(c)! > 0 || patientsWithClass.get(c)! < rules.minPatientsToHoldOut) continue;
    const candidate = visitOrder
      .filter((p) => !held.has(p) && p.counts.has(c))
      .filter((p) => [...p.counts].every(([d, n]) => remaining(d) - n >= mustLeave(d)))
      .sort(fewestImagesFirst)[0];
    if (candidate) move(candidate, true);
  }
  return held;
}

/** The test hold-out draws from its own stream, so that the validation stream stays what it was without one. */
const TEST_STREAM = 0x7e57_5eed;

/**
 * Assigns each image to 'train', 'val' or (with testFraction > 0) 'test'.
 *
 * How: images are grouped by patient; each patient is filed under its majority class (lowest class index
 * on ties, so the result does not depend on input order). Classes are visited rarest first, and within a
 * class the patients in a seeded random order; a patient is held out when that brings the per-class
 * held-out shares closer to the fraction (sum over classes of the squared share error, counting every
 * class the patient has images of), and a few more passes move any patient whose move still helps. Then
 * two repairs, when possible: every class with images keeps at least one training image, and every class
 * with images of at least two patients gets at least one held-out image without taking any class's last
 * training image.
 *
 * With a test set, the test patients are held out first the same way (a class needs three patients to
 * get a test image, and keeps two images for train and validation when it can), then validation from the
 * rest with the share valFraction / (1 - testFraction) of it, so both shares are of the whole dataset.
 * The test set does not depend on valFraction: tuning validation never moves a test image.
 *
 * Deterministic: the same items (in any order) and config give the same map.
 */
export function splitDataset(items: readonly SplitItem[], config: SplitConfig = {}): Map<string, SplitSide> {
  const { valFraction, testFraction, seed } = resolveSplitConfig(config);
  const patients = groupByPatient(items);

  const inTest = testFraction > 0
    ? holdOut(patients, testFraction, mulberry32(seed ^ TEST_STREAM), { minImagesLeft: 2, minPatientsToHoldOut: 3 })
    : new Set<Patient>();
  const rest = patients.filter((p) => !inTest.has(p));
  const inVal = holdOut(rest, valFraction / (1 - testFraction), mulberry32(seed), { minImagesLeft: 1, minPatientsToHoldOut: 2 });

  const sideOfPatient = new Map<string, SplitSide>(
    patients.map((p) => [p.id, inTest.has(p) ? 'test' : inVal.has(p) ? 'val' : 'train'] as const),
  );
  return new Map(items.map((item) => [item.id, sideOfPatient.get(item.patientId)!] as const));
}

/** A fold count that cannot give K non-empty folds; names the bad value. */
export class InvalidFoldCountError extends Error {
  override name = 'InvalidFoldCountError';
  constructor(readonly k: unknown, readonly patients: number) {
    super(`Cross-validation with k = ${String(k)} folds is not possible with ${patients} patients; k must be a whole number from 2 to the number of patients.`);
  }
}

/**
 * K folds for cross-validation: the fold (0..k-1) of each image id, in input order. Patient-aware (all
 * images of a patient in one fold) and stratified: patients are visited as in splitDataset (rarest class
 * first, seeded order within a class), larger patients of a class before smaller ones, and each goes to
 * the fold where it best brings every class it has towards size / k images (sum of squared errors,
 * relative to the class size); ties go to the fold with fewer images, then the lower index.
 * Throws InvalidFoldCountError unless 2 <= k <= number of patients; seed as SplitConfig.seed.
 */
export function kFoldSplit(items: readonly SplitItem[], k: number, seed = 42): Map<string, number> {
  if (!Number.isSafeInteger(seed)) throw new InvalidSplitConfigError('seed', seed, 'a whole number');
  const patients = groupByPatient(items);
  if (!(Number.isInteger(k) && k >= 2 && k <= patients.length)) throw new InvalidFoldCountError(k, patients.length);

  const { classSize } = classTotals(patients);
  const visitOrder = visitOrderOf(patients, classSize, mulberry32(seed));
  // Stable sort: within a class, bigger patients first (they are the hardest to place), seeded order otherwise.
  const rank = new Map(visitOrder.map((p, i) => [p, i] as const));
  const classRank = new Map<number, number>();
  visitOrder.forEach((p) => classRank.has(p.primaryClass) || classRank.set(p.primaryClass, classRank.size));
  visitOrder.sort((a, b) => classRank.get(a.primaryClass)! - classRank.get(b.primaryClass)! || b.images - a.images || rank.get(a)! - rank.get(b)!);

  const foldCounts = Array.from({ length: k }, () => new Map<number, number>());
  const foldImages = new Array<number>(k).fill(0);
  const foldOf = new Map<string, number>();
  for (const p of visitOrder) {
    let best = -1;
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      let cost = 0;
      for (const [c, n] of p.counts) {
        const before = (foldCounts[f].get(c) ?? 0) - classSize.get(c)! / k;
        cost += ((before + n) ** 2 - before ** 2) / classSize.get(c)! ** 2;
      }
      if (cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && foldImages[f] < foldImages[best])) {
        best = f;
        bestCost = cost;
      }
    }
    for (const [c, n] of p.counts) foldCounts[best].set(c, (foldCounts[best].get(c) ?? 0) + n);
    foldImages[best] += p.images;
    foldOf.set(p.id, best);
  }
  return new Map(items.map((item) => [item.id, foldOf.get(item.patientId)!] as const));
}
