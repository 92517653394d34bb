/**
 * The shape of fovea.json and of model.json's weights manifest, checked on import: a package comes from
 * outside (a colleague, a download), so every field is validated before the studio trusts it. Extra
 * fields are refused at every level the studio reads; nested settings it only displays are plain records.
 */
import { z } from 'zod';

/** Keys that would reach an object's prototype if a later step copied the JSON into an object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export class UnsafeJsonError extends Error {
  override name = 'UnsafeJsonError';
  constructor(readonly key: string) {
    super(`the key "${key}" is not allowed`);
  }
}

/** JSON.parse that refuses prototype-pollution keys anywhere in the document. */
export function parseJsonSafely(text: string): unknown {
  return JSON.parse(text, function reviver(key, value) {
    if (FORBIDDEN_KEYS.has(key)) throw new UnsafeJsonError(key);
    return value as unknown;
  });
}

// Metrics that can be NaN are written by JSON.stringify as null.
const metric = z.number().nullable();
const interval = z.strictObject({ estimate: metric, low: metric, high: metric });
const settings = z.record(z.string(), z.unknown());

const epochSummary = z.strictObject({
  epoch: z.number().int().nonnegative(),
  trainLoss: metric, trainAccuracy: metric, valLoss: metric, valAccuracy: metric,
  learningRate: z.number(), seconds: z.number(),
});

const roc = z.looseObject({ fpr: z.array(z.number()), tpr: z.array(z.number()), auc: metric });

const validationReport = z.strictObject({
  classNames: z.array(z.string()),
  count: z.number().int().nonnegative(),
  accuracy: metric,
  loss: metric,
  confusion: z.array(z.array(z.number())),
  perClass: z.array(z.strictObject({
    name: z.string(), support: z.number(), sensitivity: metric, specificity: metric, roc: roc.optional(),
  })),
  macroAuc: metric,
  quadraticKappa: metric.optional(),
});

const thresholdSource = z.enum(['validation', 'out-of-fold train+validation']);

// The operating point's provenance and outcomes at other prevalences, and the calibration decision: optional,
// so packages exported before they were recorded still import.
const thresholdSelection = z.strictObject({
  source: thresholdSource,
  // How out-of-fold predictions were made (absent for validation, and in packages exported before it was recorded).
  outOfFold: z.strictObject({
    folds: z.number().int().min(2), lambda: z.number().nonnegative(), lambdaMax: z.number().nonnegative().optional(),
    rotationsAveraged: z.number().int().min(1),
  }).optional(),
  positives: z.number().int().nonnegative(),
  negatives: z.number().int().nonnegative(),
  resampled: z.enum(['patients', 'images']),
  threshold: interval, sensitivity: interval, specificity: interval,
  warning: z.string().nullable(),
});

const prevalenceOutcome = z.strictObject({
  prevalence: z.number().gt(0).lt(1),
  kind: z.enum(['validation', 'assumed']),
  ppv: metric, npv: metric, referralsPer1000: metric, missedPer1000: metric,
});

const temperatureDecision = z.strictObject({
  kept: z.boolean(), fittedTemperature: z.number().positive(), cvNllWithTemperature: metric, cvNllWithout: metric,
  folds: z.number().int().nonnegative(),
});

const calibrationAtPrevalence = z.strictObject({
  taskId: z.string(), prevalence: z.number().gt(0).lt(1), ece: metric, eceUncorrected: metric,
});

const setSummary = z.looseObject({
  set: z.enum(['validation', 'test']),
  count: z.number(),
  accuracy: interval,
  binary: z.array(z.looseObject({
    id: z.string(), title: z.string(), positiveClasses: z.array(z.string()),
    operatingPoint: z.looseObject({
      threshold: z.number(), targetSensitivity: z.number(),
      chosenOn: thresholdSource.optional(),
      selection: thresholdSelection.optional(),
      atPrevalence: z.array(prevalenceOutcome).optional(),
    }),
  })),
  calibration: z.looseObject({
    temperature: z.number().positive(),
    validationPrevalence: z.array(metric).optional(),
    temperatureDecision: temperatureDecision.optional(),
    atPrevalence: z.array(calibrationAtPrevalence).optional(),
  }),
});

export const foveaManifestSchema = z.strictObject({
  format: z.literal('fovea-model'),
  version: z.literal(1),
  createdAt: z.string(),
  classNames: z.array(z.string().min(1).max(200)).min(2).max(1000),
  ordinal: z.boolean(),
  inputSize: z.number().int().min(1).max(4096),
  preprocessing: z.strictObject({
    crop: z.enum(['centre-square', 'field-of-view']),
    colour: z.literal('local-average-subtraction').optional(),
    channelOrder: z.literal('BGR'),
    meanBgr: z.tuple([z.number(), z.number(), z.number()]),
    scale: z.literal(1),
    layout: z.literal('NHWC'),
  }),
  scenario: z.string(),
  training: settings,
  epochs: z.array(epochSummary),
  validation: validationReport,
  weightsProvenance: settings,
  customLayers: z.array(z.string()),
  testTimeRotations: z.array(z.number().int().min(0).max(3)).min(1).max(4).optional(),
  screening: z.looseObject({
    classNames: z.array(z.string()),
    ordinal: z.boolean(),
    validation: setSummary,
    test: setSummary.optional(),
  }).optional(),
});

/** The bytes each element of a weight takes, by dtype (quantised weights are not something Fovea writes). */
export const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1 } as const;

export const weightsManifestSchema = z.array(z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  weights: z.array(z.strictObject({
    name: z.string().min(1),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.enum(['float32', 'int32', 'bool']),
  })),
})).min(1);

export const modelJsonSchema = z.looseObject({
  format: z.string().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: weightsManifestSchema,
});

/** "classNames: expected array, got string" — the first problem, in words a user can act on. */
export function describeSchemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'the top level';
  if (issue.code === 'unrecognized_keys') return `${where}: unexpected field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}: ${issue.message}`;
}
