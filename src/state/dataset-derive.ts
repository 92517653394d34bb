/**
 * What follows from the dataset store without being stored: the classes after the label preset, each
 * image's class and split side, per-class counts, the problems that block training, and the items of a
 * TrainRequest. Pure and memoised on the store's inputs, so components and actions can call it freely.
 */
import { applyPreset, compareNatural, LABEL_PRESETS, LabelPresetError } from '../core/data/presets';
import { splitDataset, type SplitSide } from '../core/data/split';
import { countClasses, countPatients, validateDataset, type ClassCount, type DatasetProblem } from '../core/data/validate';
import type { TrainItem } from '../worker/protocol';
import { useShallow } from 'zustand/react/shallow';
import { useDatasetStore, type DatasetState } from './dataset';

export interface ClassSummary extends ClassCount {
  train: number;
  val: number;
  test: number;
}

export interface SourceLabelSummary {
  label: string;
  images: number;
  /** Class it maps to under the current preset (null: the preset cannot read it). */
  classIndex: number | null;
}

export interface DerivedDataset {
  /** Labels as found (folder names / CSV values), natural order, including declared empty ones. */
  sourceLabels: SourceLabelSummary[];
  /** Classes the network will learn, in class-index order. */
  classNames: string[];
  ordinal: boolean;
  classes: ClassSummary[];
  /** Class index of each image id; null when the preset cannot read its label. */
  classOf: Map<string, number | null>;
  splitOf: Map<string, SplitSide>;
  /** Labels the preset cannot read as a grade (their images are left out of training). */
  unreadableLabels: string[];
  unreadableImages: number;
  /** Why the preset does not apply at all (then no class is known). */
  presetError: string | null;
  splitError: string | null;
  problems: DatasetProblem[];
  /** The first error that blocks training, in plain words; null when training can start. */
  blockingReason: string | null;
  items: TrainItem[];
  trainCount: number;
  valCount: number;
  testCount: number;
  patients: number;
}

type Inputs = Pick<DatasetState, 'images' | 'declaredLabels' | 'presetId' | 'split'>;

let cache: { inputs: Inputs; result: DerivedDataset } | null = null;

export function deriveDataset(state: Inputs): DerivedDataset {
  if (cache && cache.inputs.images === state.images && cache.inputs.declaredLabels === state.declaredLabels
    && cache.inputs.presetId === state.presetId && cache.inputs.split === state.split) {
    return cache.result;
  }
  const result = compute(state);
  cache = { inputs: { images: state.images, declaredLabels: state.declaredLabels, presetId: state.presetId, split: state.split }, result };
  return result;
}

function compute({ images, declaredLabels, presetId, split }: Inputs): DerivedDataset {
  const imageLabels = images.map((i) => i.sourceLabel);
  const labelCounts = new Map<string, number>();
  for (const l of declaredLabels) labelCounts.set(l, 0);
  for (const l of imageLabels) labelCounts.set(l, (labelCounts.get(l) ?? 0) + 1);

  let classNames: string[] = [];
  let ordinal = LABEL_PRESETS[presetId].ordinal;
  let imageClass: (number | null)[] = images.map(() => null);
  let labelClass = new Map<string, number | null>();
  let presetError: string | null = null;
  try {
    // Declared labels ride along so that an empty class folder shows up as an empty class.
    const labels = [...imageLabels, ...declaredLabels];
    const mapped = applyPreset(presetId, labels);
    classNames = mapped.classNames;
    ordinal = mapped.ordinal;
    imageClass = mapped.classIndexOf.slice(0, images.length);
    labels.forEach((l, i) => labelClass.set(l, mapped.classIndexOf[i]));
  } catch (e) {
    if (!(e instanceof LabelPresetError)) throw e;
    presetError = e.message;
    labelClass = new Map([...labelCounts.keys()].map((l) => [l, null] as const));
  }

  const sourceLabels = [...labelCounts]
    .map(([label, n]) => ({ label, images: n, classIndex: labelClass.get(label) ?? null }))
    .sort((a, b) => compareNatural(a.label, b.label));
  const unreadableLabels = presetError ? [] : sourceLabels.filter((s) => s.classIndex === null && s.images > 0).map((s) => s.label);
  const unreadableImages = presetError ? 0 : imageClass.filter((c) => c === null).length;

  const classOf = new Map(images.map((img, i) => [img.id, imageClass[i]] as const));
  const labelled = images
    .map((img, i) => ({ id: img.id, patientId: img.patientId, classIndex: imageClass[i] }))
    .filter((x): x is { id: string; patientId: string; classIndex: number } => x.classIndex !== null);

  const counts = countClasses(labelled, classNames);
  const patients = countPatients(labelled);
  const problems: DatasetProblem[] = presetError ? [] : validateDataset(counts, patients);

  let splitOf = new Map<string, SplitSide>();
  let splitError: string | null = null;
  try {
    if (labelled.length > 0) splitOf = splitDataset(labelled, { seed: split.seed, valFraction: split.valFraction, testFraction: split.testFraction });
  } catch (e) {
    splitError = e instanceof Error ? e.message : String(e);
  }

  const classes: ClassSummary[] = counts.map((c) => ({ ...c, train: 0, val: 0, test: 0 }));
  const items: TrainItem[] = [];
  for (const x of labelled) {
    const side = splitOf.get(x.id);
    if (!side) continue;
    classes[x.classIndex][side] += 1;
    items.push({ id: x.id, classIndex: x.classIndex, split: side, patientId: x.patientId });
  }
  const trainCount = items.filter((i) => i.split === 'train').length;
  const valCount = items.filter((i) => i.split === 'val').length;
  const testCount = items.filter((i) => i.split === 'test').length;

  const firstError = problems.find((p) => p.severity === 'error');
  const blockingReason = presetError ?? firstError?.message ?? splitError
    ?? (labelled.length > 0 && valCount === 0 ? 'No image could be held out for validation. Add images of more patients, or raise the validation share.' : null);

  return {
    sourceLabels, classNames, ordinal, classes, classOf, splitOf, unreadableLabels, unreadableImages,
    presetError, splitError, problems, blockingReason, items, trainCount, valCount, testCount, patients,
  };
}

/** The derived dataset for components: re-renders only when one of its inputs changes. */
export function useDerivedDataset(): DerivedDataset {
  const inputs = useDatasetStore(
    useShallow((s) => ({ images: s.images, declaredLabels: s.declaredLabels, presetId: s.presetId, split: s.split })),
  );
  return deriveDataset(inputs);
}
