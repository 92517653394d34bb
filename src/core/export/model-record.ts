/**
 * What a trained model is described by, besides its weights: fovea.json (the package manifest) and MODEL_CARD.md,
 * built from one input by the studio's worker (worker/trained-model.ts) and the evaluate command
 * (scripts/evaluate/run.ts) alike, so an exported package says the same whichever made it. Pure.
 */
import type { DatasetSummary } from '../eval/dataset-summary';
import type { EvalReport } from '../eval/report';
import type { EvaluationSummary } from '../eval/summary';
import { scenarioById, type TrainConfig } from '../train/config';
import type { EpochSummary } from '../train/events';
import type { HeadFitSummary } from '../train/head-fit';
import { renderModelCard, type PreprocessingDescription } from './model-card';
import type { FoveaManifest } from './package';

export interface ModelRecordInput {
  /** ISO 8601 time of the export. */
  createdAt: string;
  classNames: string[];
  ordinal: boolean;
  /** The labelling task for people, e.g. '5 DR grades (ICDR 0-4)'. */
  task: string;
  config: TrainConfig;
  epochs: EpochSummary[];
  /** The validation report (its predictions are left out of the manifest). */
  validation: EvalReport;
  summary: EvaluationSummary;
  /** fovea.json's preprocessing record and the model card's description of the same. */
  preprocessing: { manifest: FoveaManifest['preprocessing']; card: PreprocessingDescription };
  /** Settings shown on the card beside the TrainConfig (task, crop, colour, split, backend, ...). */
  extraSettings: Readonly<Record<string, unknown>>;
  data: DatasetSummary;
  weightsProvenance: Record<string, unknown>;
  headFit?: HeadFitSummary | null;
  /** Evaluation on data from another source, described; absent when none was done. */
  externalValidation?: string;
}

/** Layers a TF.js consumer must register to load the model (model.json names them). */
export function customLayersOf(config: Pick<TrainConfig, 'headPooling'>): string[] {
  return ['LRN', ...(config.headPooling === 'gem' ? ['GlobalGeMPooling2D'] : [])];
}

/** fovea.json. */
export function modelManifest(input: ModelRecordInput): FoveaManifest {
  const { config } = input;
  const { predictions: _omit, ...validation } = input.validation;
  void _omit;
  return {
    format: 'fovea-model', version: 1, createdAt: input.createdAt,
    classNames: input.classNames, ordinal: input.ordinal, inputSize: config.inputSize,
    preprocessing: input.preprocessing.manifest, scenario: config.scenario, training: config,
    epochs: input.epochs, validation, weightsProvenance: input.weightsProvenance,
    customLayers: customLayersOf(config),
    testTimeRotations: config.testTimeRotations ? [0, 1, 2, 3] : [0],
    screening: input.summary,
  };
}

/** MODEL_CARD.md. */
export function modelCardOf(input: ModelRecordInput): string {
  const { config } = input;
  const scenario = config.scenario === 'custom' ? null : scenarioById(config.scenario);
  return renderModelCard({
    createdAt: input.createdAt, classNames: input.classNames, ordinal: input.ordinal, task: input.task,
    scenario: scenario ? { number: scenario.number, title: scenario.title } : { number: 0, title: 'Custom (see settings)' },
    settings: { ...config, ...input.extraSettings },
    preprocessing: input.preprocessing.card,
    data: input.data, summary: input.summary, weightsProvenance: input.weightsProvenance,
    headFit: input.headFit ?? null,
    ...(input.externalValidation ? { externalValidation: input.externalValidation } : {}),
  });
}
