/**
 * The train/validation split: stratified (each class keeps about the same validation share) and
 * patient-aware (all images of one patient land on the same side, since two eyes of one patient look
 * alike and a model validated on the fellow eye of a training image would look better than it is).
 */
import { mulberry32, shuffleInPlace } from './random';

export interface SplitItem {
  /** Image id, unique in the dataset. */
  id: string;
  /** Images with the same patient id always land on the same side (see patientIdOf). */
  patientId: string;
  classIndex: number;
}

export type SplitSide = 'train' | 'val';

export interface SplitConfig {
  /** Share of each class's images held out for validation, in (0, 1). Defaults to 0.2. */
  valFraction?: number;
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
  const c: ResolvedSplitConfig = { valFraction: config.valFraction ?? 0.2, seed: config.seed ?? 42 };
  if (!(c.valFraction > 0 && c.valFraction < 1)) {
    throw new InvalidSplitConfigError('valFraction', c.valFraction, 'a number between 0 and 1 (exclusive), e.g. 0.2');
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

/**
 * Assigns each image to 'train' or 'val'.
 *
 * How: images are grouped by patient; each patient is filed under its majority class (lowest class index
 * on ties, so the result does not depend on input order). Classes are visited rarest first, and within a
 * class the patients in a seeded random order; a patient goes to validation when that brings the
 * per-class validation shares closer to valFraction (sum over classes of the squared share error,
 * counting every class the patient has images of), and a few more passes move any patient whose move
 * still helps. Then two repairs, when possible: every class with images keeps at least one training
 * image, and every class with images of at least two patients gets at least one validation image without
 * taking any class's last training image.
 *
 * Deterministic: the same items (in any order) and config give the same map.
 */
export function splitDataset(items: readonly SplitItem[], config: SplitConfig = {}): Map<string, SplitSide> {
  const { valFraction, seed } = resolveSplitConfig(config);

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

  const classSize = new Map<number, number>();
  const patientsWithClass = new Map<number, number>();
  for (const p of patientsById.values()) {
    p.counts = new Map([...p.counts].sort(([a], [b]) => a - b));
    let best = -1;
    for (const [c, n] of p.counts) {
      if (best === -1 || n > p.counts.get(best)! || (n === p.counts.get(best)! && c < best)) best = c;
      classSize.set(c, (classSize.get(c) ?? 0) + n);
      patientsWithClass.set(c, (patientsWithClass.get(c) ?? 0) + 1);
    }
    p.primaryClass = best;
  }

  // Sorting by id before the seeded shuffle makes the order independent of the input order.
  const byClass = new Map<number, Patient[]>();
  for (const p of [...patientsById.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const list = byClass.get(p.primaryClass) ?? [];
    list.push(p);
    byClass.set(p.primaryClass, list);
  }
  const random = mulberry32(seed);
  const classOrder = [...byClass.keys()].sort((a, b) => classSize.get(a)! - classSize.get(b)! || a - b);
  const visitOrder = classOrder.flatMap((c) => shuffleInPlace(byClass.get(c)!, random));

  const target = new Map([...classSize].map(([c, n]) => [c, valFraction * n] as const));
  const valCount = new Map<number, number>([...classSize.keys()].map((c) => [c, 0] as const));
  const inVal = new Set<Patient>();

  const move = (p: Patient, toVal: boolean) => {
    if (toVal) inVal.add(p);
    else inVal.delete(p);
    for (const [c, n] of p.counts) valCount.set(c, valCount.get(c)! + (toVal ? n : -n));
  };
  // Change in the sum over classes of (validation share - valFraction)^2 if p moved to the other side.
  const costOfMoving = (p: Patient) => {
    const sign = inVal.has(p) ? -1 : 1;
    let delta = 0;
    for (const [c, n] of p.counts) {
      const before = valCount.get(c)! - target.get(c)!;
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
        move(p, !inVal.has(p));
        moved = true;
      }
    }
    if (!moved) break;
  }

  const trainCount = (c: number) => classSize.get(c)! - valCount.get(c)!;
  const fewestImagesFirst = (a: Patient, b: Patient) => a.images - b.images;

  const classesAscending = [...classSize.keys()].sort((a, b) => a - b);

  // Repair 1: a class with no training image cannot be learned; pull its smallest validation patient back.
  for (const c of classesAscending) {
    if (trainCount(c) > 0) continue;
    const candidate = visitOrder.filter((p) => inVal.has(p) && p.counts.has(c)).sort(fewestImagesFirst)[0];
    if (candidate) move(candidate, false);
  }

  // Repair 2: a class with two or more patients should be measured; move its smallest training patient
  // whose move leaves every class it touches with a training image.
  for (const c of classesAscending) {
    if (valCount.get(c)! > 0 || patientsWithClass.get(c)! < 2) continue;
    const candidate = visitOrder
      .filter((p) => !inVal.has(p) && p.counts.has(c))
      .filter((p) => [...p.counts].every(([d, n]) => trainCount(d) - n > 0))
      .sort(fewestImagesFirst)[0];
    if (candidate) move(candidate, true);
  }

  const sideOfPatient = (id: string): SplitSide => (inVal.has(patientsById.get(id)!) ? 'val' : 'train');
  return new Map(items.map((item) => [item.id, sideOfPatient(item.patientId)] as const));
}
