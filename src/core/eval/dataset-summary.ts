/**
 * What a report says about the data a model was trained and evaluated on: where it came from, the labelling
 * task, and how many images (and patients, when known) of each class went to each split. Plain data, shared by
 * report.html and MODEL_CARD.md.
 */

export type SplitName = 'train' | 'validation' | 'test';

export interface DatasetSummary {
  /** For people: e.g. 'APTOS 2019 Blindness Detection (Kaggle), Aravind Eye Hospital, India'. */
  source: string;
  /** The labelling task, e.g. '5 DR grades (ICDR 0-4)' or 'Referable DR (grade 2 or worse)'. */
  task: string;
  classNames: string[];
  /** Images per class, in `classNames` order, per split; `test` absent when there is no held-out test set. */
  counts: { train: number[]; validation: number[]; test?: number[] };
  /** Distinct patients per split, when the labels carry patient ids. */
  patients?: { train: number; validation: number; test?: number };
}

/** The splits the dataset has, in the order they are used. */
export function splitsOf(data: DatasetSummary): SplitName[] {
  return data.counts.test ? ['train', 'validation', 'test'] : ['train', 'validation'];
}

/** Images per class summed over every split. */
export function imagesPerClass(data: DatasetSummary): number[] {
  return data.classNames.map((_, k) => splitsOf(data).reduce((sum, s) => sum + (data.counts[s]?.[k] ?? 0), 0));
}
