/**
 * What a finished run leaves behind besides its weights, built once where it is known (the worker): the
 * screening summary (intervals, operating points chosen on out-of-fold train + validation predictions when the run
 * has them, else on validation, temperature chosen on validation, test reported), the
 * manifest (fovea.json) and the model card (MODEL_CARD.md). Mirrors scripts/evaluate/run.ts. Pure.
 */
import { LABEL_PRESETS } from '../core/data/presets';
import type { DatasetSummary } from '../core/eval/dataset-summary';
import { binaryTasksFor, scoredSet, summariseEvaluation } from '../core/eval/evaluation';
import type { EvaluationSummary } from '../core/eval/summary';
import { describeImagePreparation, type PreprocessingDescription, renderModelCard } from '../core/export/model-card';
import { describePreprocessing } from '../core/export/package';
import { scenarioById } from '../core/train/config';
import type { TrainOutcome } from '../core/train/trainer';
import type { FoveaManifest, TrainRequest } from './protocol';

/** How the run's images were prepared: the crop they were decoded with, and the run's colour setting. */
export interface ImagePreparation {
  fieldOfViewCrop: boolean;
  colourNormalisation: boolean;
}

export interface TrainedModelRecord {
  summary: EvaluationSummary;
  manifest: FoveaManifest;
  modelCard: string;
}

type Outcome = Pick<TrainOutcome, 'config' | 'epochs' | 'report' | 'bestEpoch' | 'test' | 'outOfFold' | 'headFit'>;

/** fovea.json's preprocessing record. */
export function manifestPreprocessing(prep: ImagePreparation): FoveaManifest['preprocessing'] {
  return {
    ...describePreprocessing(prep.fieldOfViewCrop ? 'fov' : 'centre'),
    ...(prep.colourNormalisation ? { colour: 'local-average-subtraction' as const } : {}),
  };
}

/** The model card's preprocessing section (images decoded and resized in the worker with the canvas). */
export function preprocessingDescription(prep: ImagePreparation, inputSize: number, testTimeRotations: boolean): PreprocessingDescription {
  return describeImagePreparation({ ...prep, resize: 'canvas high-quality filter', inputSize, testTimeRotations });
}

function countsOf(items: TrainRequest['items'], split: TrainRequest['items'][number]['split'], k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const it of items) if (it.split === split) counts[it.classIndex]++;
  return counts;
}

export function datasetSummary(request: TrainRequest): DatasetSummary {
  const k = request.classNames.length;
  const hasTest = request.items.some((it) => it.split === 'test');
  return {
    source: request.dataset.source,
    task: LABEL_PRESETS[request.presetId].title,
    classNames: request.classNames,
    counts: {
      train: countsOf(request.items, 'train', k),
      validation: countsOf(request.items, 'val', k),
      ...(hasTest ? { test: countsOf(request.items, 'test', k) } : {}),
    },
    ...(request.dataset.patients ? { patients: request.dataset.patients } : {}),
  };
}

/** Summary, manifest and model card of a finished run. */
export function recordTrainedModel(
  request: TrainRequest, outcome: Outcome, prep: ImagePreparation, provenance: Record<string, unknown>, createdAt: string,
): TrainedModelRecord {
  const { config } = outcome;
  const oof = outcome.outOfFold;
  const summary = summariseEvaluation(scoredSet(outcome.report), outcome.test ? scoredSet(outcome.test) : null, {
    classNames: request.classNames, ordinal: request.ordinal,
    binaryTasks: binaryTasksFor(request.presetId, request.classNames),
    // A frozen backbone's fitted head brings out-of-fold predictions on train + validation: the operating point is
    // chosen on them; other runs choose it on validation (each selection says which).
    ...(oof ? {
      outOfFold: { labels: oof.labels, probs: oof.probs, patients: oof.patients },
      outOfFoldMethod: { folds: oof.folds, lambda: oof.lambda, rotationsAveraged: oof.rotationsAveraged },
    } : {}),
  });
  const { predictions: _omit, ...validation } = outcome.report;
  void _omit;
  const manifest: FoveaManifest = {
    format: 'fovea-model', version: 1, createdAt,
    classNames: request.classNames, ordinal: request.ordinal, inputSize: config.inputSize,
    preprocessing: manifestPreprocessing(prep), scenario: config.scenario, training: config,
    epochs: outcome.epochs, validation, weightsProvenance: provenance,
    customLayers: ['LRN', ...(config.headPooling === 'gem' ? ['GlobalGeMPooling2D'] : [])],
    testTimeRotations: config.testTimeRotations ? [0, 1, 2, 3] : [0],
    screening: summary,
  };
  const scenario = config.scenario === 'custom' ? null : scenarioById(config.scenario);
  const modelCard = renderModelCard({
    createdAt, classNames: request.classNames, ordinal: request.ordinal, task: LABEL_PRESETS[request.presetId].title,
    scenario: scenario ? { number: scenario.number, title: scenario.title } : { number: 0, title: 'Custom (see settings)' },
    settings: {
      ...config, task: request.presetId, fieldOfViewCrop: prep.fieldOfViewCrop, colourNormalisation: prep.colourNormalisation,
    },
    preprocessing: preprocessingDescription(prep, config.inputSize, config.testTimeRotations),
    data: datasetSummary(request), summary, weightsProvenance: provenance, headFit: outcome.headFit ?? null,
  });
  return { summary, manifest, modelCard };
}
