/**
 * What an `npm run evaluate` experiment trains and scores on: the labelled set read from disk, the task's classes,
 * the optional --limit subset and external --eval set, and the folds (one train / validation / test split, or K
 * patient-aware cross-validation folds). Shared by the command (run.ts) and its PyTorch-job variant
 * (pytorch-job.ts), so both train and score on exactly the same images.
 */
import { splitDataset, kFoldSplit, type SplitItem } from '../../src/core/data/split';
import type { DatasetSummary } from '../../src/core/eval/dataset-summary';
import type { TrainingItem } from '../../src/core/train/trainer';
import { classesForTask, readLabelledSet, type LabelledSet, type TaskClasses } from './dataset';
import type { EvaluateConfig } from './options';

export interface Fold {
  name: string;
  train: TrainingItem[];
  val: TrainingItem[];
  test: TrainingItem[];
}

export interface ExperimentPlan {
  trainSet: LabelledSet;
  classes: TaskClasses;
  /** Image id -> file on disk (external test images are prefixed `eval:`). */
  paths: Map<string, string>;
  /** Image id -> patient id (training set only). */
  patients: Map<string, string>;
  folds: Fold[];
  /** Where the data came from, in words, for the reports. */
  source: string;
}

/** Thrown when --eval's classes differ from the training set's. */
export class EvalClassesMismatchError extends Error {
  override name = 'EvalClassesMismatchError';
}

/** Reads the data and makes the folds of `config` (deterministic in config.seed). */
export function planExperiment(config: EvaluateConfig): ExperimentPlan {
  const trainSet = readLabelledSet(config.train);
  const classes = classesForTask(trainSet, config.task);
  let items: SplitItem[] = classes.items.map((it) => ({ id: it.image.id, patientId: it.image.patientId, classIndex: it.classIndex }));
  const paths = new Map(classes.items.map((it) => [it.image.id, it.image.path]));
  const patients = new Map(items.map((it) => [it.id, it.patientId]));
  if (config.limit > 0 && config.limit < items.length) {
    // The subset is itself a stratified, patient-aware "validation side" of the requested size.
    const sides = splitDataset(items, { valFraction: config.limit / items.length, seed: config.seed + 1 });
    items = items.filter((it) => sides.get(it.id) === 'val');
    trainSet.notes.push(`--limit: a stratified, patient-aware subset of ${items.length} images.`);
  }

  let externalTest: TrainingItem[] = [];
  let source = `${config.train} (${trainSet.labelledBy})`;
  if (config.eval) {
    const evalSet = readLabelledSet(config.eval);
    const evalClasses = classesForTask(evalSet, classes.task);
    if (evalClasses.classNames.join('\n') !== classes.classNames.join('\n')) {
      throw new EvalClassesMismatchError(`--eval gives classes ${evalClasses.classNames.join(', ')}; training has ${classes.classNames.join(', ')}.`);
    }
    externalTest = evalClasses.items.map((it) => ({ id: `eval:${it.image.id}`, classIndex: it.classIndex }));
    evalClasses.items.forEach((it) => paths.set(`eval:${it.image.id}`, it.image.path));
    source += `; test: ${config.eval} (${evalSet.labelledBy})`;
  }

  const toItem = (it: SplitItem): TrainingItem => ({ id: it.id, classIndex: it.classIndex, patientId: it.patientId });
  const folds: Fold[] = [];
  if (config.cv >= 2) {
    const foldOf = kFoldSplit(items, config.cv, config.seed);
    for (let f = 0; f < config.cv; f++) {
      const rest = items.filter((it) => foldOf.get(it.id) !== f);
      const sides = splitDataset(rest, { valFraction: config.valFraction / (1 - 1 / config.cv), seed: config.seed + f });
      folds.push({
        name: `[fold ${f + 1}/${config.cv}]`,
        train: rest.filter((it) => sides.get(it.id) === 'train').map(toItem),
        val: rest.filter((it) => sides.get(it.id) === 'val').map(toItem),
        test: items.filter((it) => foldOf.get(it.id) === f).map(toItem),
      });
    }
  } else {
    const sides = splitDataset(items, { valFraction: config.valFraction, testFraction: config.testFraction, seed: config.seed });
    folds.push({
      name: '[run]',
      train: items.filter((it) => sides.get(it.id) === 'train').map(toItem),
      val: items.filter((it) => sides.get(it.id) === 'val').map(toItem),
      test: [...items.filter((it) => sides.get(it.id) === 'test').map(toItem), ...externalTest],
    });
  }
  return { trainSet, classes, paths, patients, folds, source };
}

function countsOf(items: readonly TrainingItem[], k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const it of items) counts[it.classIndex]++;
  return counts;
}

/** What a fold trained and was scored on, per class and in patients (report.html, the model card, metrics.json). */
export function foldDatasetSummary(plan: Pick<ExperimentPlan, 'classes' | 'patients' | 'source'>, fold: Fold): DatasetSummary {
  const { classes, patients } = plan;
  const k = classes.classNames.length;
  // External test images have no patient in the training set's listing: each counts as its own.
  const patientCount = (items: TrainingItem[]) => new Set(items.map((it) => patients.get(it.id) ?? it.id)).size;
  return {
    source: plan.source,
    task: classes.task,
    classNames: classes.classNames,
    counts: { train: countsOf(fold.train, k), validation: countsOf(fold.val, k), ...(fold.test.length ? { test: countsOf(fold.test, k) } : {}) },
    patients: { train: patientCount(fold.train), validation: patientCount(fold.val), ...(fold.test.length ? { test: patientCount(fold.test) } : {}) },
  };
}
