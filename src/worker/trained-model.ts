/**
 * What a finished run leaves behind besides its weights, built once where it is known (the worker): the
 * screening summary (intervals, operating points chosen on out-of-fold train + validation predictions when the run
 * has them, else on validation, temperature chosen on validation, test reported), the
 * manifest (fovea.json) and the model card (MODEL_CARD.md), both from core/export/model-record.ts as the
 * evaluate command builds them. Pure.
 */
import { LABEL_PRESETS } from '../core/data/presets';
import type { DatasetSummary } from '../core/eval/dataset-summary';
import { binaryTasksFor, scoredSet, summariseEvaluation } from '../core/eval/evaluation';
import type { EvaluationSummary } from '../core/eval/summary';
import { describeImagePreparation, type PreprocessingDescription } from '../core/export/model-card';
import { modelCardOf, modelManifest, type ModelRecordInput } from '../core/export/model-record';
import { describePreprocessing } from '../core/export/package';
import type { TrainOutcome } from '../core/train/trainer';
import type { FoveaManifest, ModelInfo, TrainRequest, TrainResult } from './protocol';

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
  const record: ModelRecordInput = {
    createdAt, classNames: request.classNames, ordinal: request.ordinal, task: LABEL_PRESETS[request.presetId].title,
    config, epochs: outcome.epochs, validation: outcome.report, summary,
    preprocessing: { manifest: manifestPreprocessing(prep), card: preprocessingDescription(prep, config.inputSize, config.testTimeRotations) },
    extraSettings: { task: request.presetId, fieldOfViewCrop: prep.fieldOfViewCrop, colourNormalisation: prep.colourNormalisation },
    data: datasetSummary(request), weightsProvenance: provenance, headFit: outcome.headFit ?? null,
  };
  const manifest = modelManifest(record);
  const modelCard = modelCardOf(record);
  return { summary, manifest, modelCard };
}

/**
 * A finished run (trained, imported from train.py, or kept by Compare all) becomes the worker's current model: its
 * record is built (the model is let go by `discard` when that fails), `adopt` makes it current, and the run is
 * answered as a TrainResult. The one path all three take.
 */
export function adoptTrainedModel(
  request: TrainRequest, outcome: Outcome & Pick<TrainOutcome, 'stoppedBecause'>, prep: ImagePreparation,
  provenance: Record<string, unknown>, adopt: (record: TrainedModelRecord) => ModelInfo, discard: () => void,
): TrainResult {
  let record: TrainedModelRecord;
  try {
    record = recordTrainedModel(request, outcome, prep, provenance, new Date().toISOString());
  } catch (e) {
    discard();
    throw e;
  }
  const model = adopt(record);
  return {
    config: outcome.config, epochs: outcome.epochs, report: outcome.report, bestEpoch: outcome.bestEpoch,
    ...(outcome.test ? { test: outcome.test } : {}), summary: record.summary, model, stoppedBecause: outcome.stoppedBecause,
    ...(outcome.headFit ? { headFit: outcome.headFit } : {}),
  };
}
