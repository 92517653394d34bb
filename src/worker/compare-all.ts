/**
 * Compare all (issue 8): the four scenarios and a from-scratch run trained one after another on the same data,
 * each kept as weights so that any can become the current model. Plain functions over what the worker holds
 * (TeachingContext, network-views.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { modelArtifacts } from '../core/export/layers-files';
import { disposeNetwork } from '../core/model/classifier';
import { resolveTrainConfig, scenarioById, type TrainConfig } from '../core/train/config';
import type { RunControl } from '../core/train/run-control';
import { type TrainOutcome, trainClassifier } from '../core/train/trainer';
import { backendRefusal } from './capabilities';
import type { CompareEvent, CompareRequest, CompareRunId, CompareRunResult, TrainRequest, TrainResult } from './protocol';
import { COMPARE_RUN_IDS } from './protocol';
import { adoptTrainedModel } from './trained-model';
import { TeachingError, type TeachingContext } from './network-views';

/** The config of one run of a comparison: the request's settings with the run's freeze, head and start. */
export function compareRunConfig(id: CompareRunId, withHeadFit: Partial<TrainConfig>, fromScratchInputSize?: number): Partial<TrainConfig> {
  // The form's head training applies to the runs with a frozen backbone (1 and 3); the others train their layers
  // by SGD epochs (a fitted head needs a frozen backbone).
  const { headFit, ...base } = withHeadFit;
  if (id === 'from-scratch') {
    return {
      ...base, scenario: 'custom', freezeUpTo: 'none', headOn: 'pool5', initialisation: 'random', pretrainedLrMultiplier: 1,
      inputSize: fromScratchInputSize ?? base.inputSize,
    };
  }
  const s = scenarioById(id);
  return {
    ...base, scenario: id, freezeUpTo: s.freezeUpTo, headOn: s.headOn, initialisation: 'pretrained',
    ...(headFit && s.freezeUpTo === 'all' ? { headFit } : {}),
  };
}

type KeptOutcome = Pick<TrainOutcome, 'config' | 'epochs' | 'report' | 'bestEpoch' | 'test' | 'stoppedBecause'>;

/**
 * The finished runs of the last comparison, kept as saved weights (topology and weight bytes in the worker's
 * memory, not on the GPU) so that any of them can become the current model; dropped by clear() or a new comparison.
 */
export class ComparedRuns {
  private request: CompareRequest | null = null;
  private fieldOfViewCrop = false;
  private readonly runs = new Map<CompareRunId, { artifacts: tf.io.ModelArtifacts; outcome: KeptOutcome }>();

  start(request: CompareRequest, fieldOfViewCrop: boolean): void {
    this.clear();
    this.request = request;
    this.fieldOfViewCrop = fieldOfViewCrop;
  }

  /** Saves the run's network off the GPU; answers the bytes kept. */
  async keep(id: CompareRunId, model: tf.LayersModel, outcome: KeptOutcome): Promise<number> {
    const artifacts = await modelArtifacts(model);
    const { config, epochs, report, bestEpoch, test, stoppedBecause } = outcome;
    this.runs.set(id, { artifacts, outcome: { config, epochs, report, bestEpoch, test, stoppedBecause } });
    const data = artifacts.weightData;
    return data === undefined ? 0 : Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  }

  has(id: CompareRunId): boolean {
    return this.runs.has(id);
  }

  clear(): void {
    this.runs.clear();
    this.request = null;
  }

  /** The run's network rebuilt, with the request and preparation it was trained with. */
  async restore(id: CompareRunId) {
    const kept = this.runs.get(id);
    if (!kept || !this.request) {
      throw new TeachingError('NoModelError', 'That run of the comparison is not kept any more: run the comparison again.');
    }
    const model = await tf.loadLayersModel(tf.io.fromMemory(kept.artifacts));
    const request: TrainRequest = { ...this.request, config: kept.outcome.config };
    const prep = { fieldOfViewCrop: this.fieldOfViewCrop, colourNormalisation: this.request.colourNormalisation ?? false };
    return { model, request, prep, outcome: kept.outcome };
  }
}

/**
 * One run of the last comparison becomes the current model, through the same record as a finished train()
 * (summary, manifest, model card), and is answered like one.
 */
export async function makeComparedRunCurrent(ctx: TeachingContext, runs: ComparedRuns, id: CompareRunId): Promise<TrainResult> {
  const { model, request, prep, outcome } = await runs.restore(id);
  return adoptTrainedModel(request, outcome, prep, ctx.provenance(), (record) => ctx.makeCurrent(model, record), () => disposeNetwork(model));
}

const countOf = (vars: tf.LayerVariable[]) => vars.reduce((n, v) => n + v.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

/** One run of a comparison, start to end; never throws (a failure is a row that says why). */
async function runOne(
  ctx: TeachingContext, request: CompareRequest, id: CompareRunId, index: number, control: RunControl,
  onEvent: (e: CompareEvent) => void, kept: ComparedRuns,
): Promise<CompareRunResult> {
  const partial = compareRunConfig(id, request.config, request.fromScratchInputSize);
  let config: TrainConfig;
  try {
    config = resolveTrainConfig(partial);
  } catch (e) {
    return { id, status: 'failed', reason: (e as Error).message, inputSize: partial.inputSize ?? 224, epochs: [] };
  }
  const refusal = backendRefusal(ctx.backend(), config.freezeUpTo);
  if (refusal) {
    return { id, status: 'skipped', reason: 'This backend (tfjs’s plain CPU, with neither a GPU nor WebAssembly) cannot train convolution layers; only scenarios 1 and 3 run here.', inputSize: config.inputSize, epochs: [] };
  }
  const side = (split: TrainRequest['items'][number]['split']) =>
    request.items.filter((i) => i.split === split).map(({ id: itemId, classIndex, patientId }) => ({ id: itemId, classIndex, ...(patientId ? { patientId } : {}) }));
  const started = performance.now();
  let imagesPerSecond = 0;
  const base = await ctx.loadPretrained();
  try {
    const images = ctx.images(request, config.inputSize);
    const extractFeatures = ctx.keptFeatures?.(request, config, images);
    const outcome = await trainClassifier(
      base,
      { classNames: request.classNames, ordinal: request.ordinal, train: side('train'), val: side('val'), test: side('test'), images },
      partial,
      {
        control,
        ...(extractFeatures ? { extractFeatures } : {}),
        onEvent: (e) => {
          // A head fitted to convergence has no batches: its one epoch reports the progress.
          if (e.type === 'epoch') {
            onEvent({ type: 'run-progress', index, fraction: (e.summary.epoch + 1) / config.epochs, epoch: e.summary.epoch, imagesPerSecond });
            return;
          }
          if (e.type !== 'batch') return;
          imagesPerSecond = e.imagesPerSecond;
          onEvent({ type: 'run-progress', index, fraction: (e.epoch + e.batch / e.batches) / e.epochs, epoch: e.epoch, imagesPerSecond });
        },
      },
    );
    const trainableParams = countOf([...outcome.net.headVariables, ...outcome.net.pretrainedVariables]);
    let keptBytes: number | undefined;
    try {
      if (outcome.epochs.length > 0) keptBytes = await kept.keep(id, outcome.net.model, outcome);
    } finally {
      disposeNetwork(outcome.net.model);
    }
    return {
      id, status: outcome.stoppedBecause === 'cancelled' ? 'cancelled' : 'done', inputSize: config.inputSize,
      seconds: (performance.now() - started) / 1000, imagesPerSecond, trainableParams, epochs: outcome.epochs,
      confusion: outcome.report.confusion, report: outcome.report, ...(outcome.test ? { test: outcome.test } : {}),
      ...(keptBytes !== undefined ? { keptBytes } : {}),
    };
  } catch (e) {
    const cancelled = control.cancelled;
    return { id, status: cancelled ? 'cancelled' : 'failed', reason: cancelled ? 'Cancelled.' : (e as Error).message, inputSize: config.inputSize, epochs: [] };
  } finally {
    disposeNetwork(base);
  }
}

/**
 * The five runs one after another; after a cancel, the runs not started are answered as cancelled. The runs of
 * the previous comparison are dropped from `kept`, and each run that finishes is kept there.
 */
export async function compareAll(
  ctx: TeachingContext, request: CompareRequest, control: RunControl, onEvent: (e: CompareEvent) => void,
  kept: ComparedRuns, fieldOfViewCrop: boolean,
): Promise<CompareRunResult[]> {
  kept.start(request, fieldOfViewCrop);
  const results: CompareRunResult[] = [];
  for (const [index, id] of COMPARE_RUN_IDS.entries()) {
    let result: CompareRunResult;
    if (control.cancelled) {
      result = { id, status: 'cancelled', reason: 'Cancelled before it started.', inputSize: request.config.inputSize ?? 224, epochs: [] };
    } else {
      onEvent({ type: 'run-start', index, id });
      result = await runOne(ctx, request, id, index, control, onEvent, kept);
    }
    results.push(result);
    onEvent({ type: 'run-end', index, result });
  }
  return results;
}
