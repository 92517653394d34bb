/**
 * The worker's teaching tools (issue 8): Grad-CAM of the current model, conv1 filters and a PCA map of pooled
 * features against the pretrained network, and the comparison of the four scenarios with a from-scratch run.
 * Plain functions over what the worker holds (TeachingContext), so fovea.worker.ts only wires them in.
 */
import * as tf from '@tensorflow/tfjs';
import { type RgbImage, writeCaffeInput } from '../core/data/preprocess';
import { filterGrid, readFilters, sameFilters } from '../core/eval/conv1-filters';
import { pca2d } from '../core/eval/pca';
import { type GradCamModel, gradCam, prepareGradCam } from '../core/eval/saliency';
import { modelArtifacts } from '../core/export/layers-files';
import type { FoveaManifest } from '../core/export/package';
import { blockOutputLayer, disposeNetwork } from '../core/model/classifier';
import { resolveTrainConfig, scenarioById, type HeadPooling, type TrainConfig } from '../core/train/config';
import type { RunControl } from '../core/train/run-control';
import { type TrainerHooks, type TrainOutcome, trainClassifier } from '../core/train/trainer';
import { backendRefusal } from './capabilities';
import type { ImageSource } from '../core/data/image-source';
import { prepareInput } from './decode';
import type {
  BackendInfo, CompareEvent, CompareRequest, CompareRunId, CompareRunResult, GradCamAnswer, GradCamRequest,
  InsideNetworkAnswer, ModelInfo, TrainRequest, TrainResult,
} from './protocol';
import { COMPARE_RUN_IDS } from './protocol';
import { recordTrainedModel, type TrainedModelRecord } from './trained-model';

export interface TeachingContext {
  current(): { model: tf.LayersModel; manifest: FoveaManifest } | null;
  /** Dataset images from their stored copies at `size`, before colour normalisation (DatasetError when one is gone). */
  datasetImages(size: number): ImageSource;
  /** A dropped file decoded as the current model's manifest says (crop), at `size`. */
  decode(file: Blob, size: number): Promise<RgbImage>;
  loadPretrained(): Promise<tf.LayersModel>;
  backend(): BackendInfo | null;
  /** The run images of a training request at a size (what train() uses). */
  images(request: TrainRequest, size: number): ImageSource;
  /** The project's kept frozen features for a run that can use them (what train() uses), else null. */
  keptFeatures?(request: TrainRequest, config: TrainConfig, images: ImageSource): TrainerHooks['extractFeatures'] | null;
  /** Where the pretrained weights came from (provenance.json), for the manifest and model card. */
  provenance(): Record<string, unknown>;
  /** Makes a trained model the worker's current one (the previous one is disposed) and describes it. */
  makeCurrent(model: tf.LayersModel, record: TrainedModelRecord): ModelInfo;
}

export class TeachingError extends Error {
  constructor(override readonly name: 'NoModelError' | 'DatasetError', message: string) {
    super(message);
  }
}

function needModel(ctx: TeachingContext) {
  const current = ctx.current();
  if (!current) throw new TeachingError('NoModelError', 'There is no model yet: train one or import a model package first.');
  return current;
}

const inputTensor = (img: RgbImage): tf.Tensor4D => {
  const buf = new Float32Array(img.width * img.height * 3);
  writeCaffeInput(img, buf, 0);
  return tf.tensor4d(buf, [1, img.height, img.width, 3]);
};

/** Grad-CAM needs the network split at a block; the split is kept while the model and block stay the same. */
export class GradCamCache {
  private entry: { model: tf.LayersModel; key: string; prepared: GradCamModel } | null = null;

  /** `layerName` undefined: the deepest block the model has (inception_5b's output for a head on pool5). */
  get(model: tf.LayersModel, layerName: string | undefined): GradCamModel {
    const key = layerName ?? 'default';
    if (this.entry?.model !== model || this.entry.key !== key) {
      this.entry = { model, key, prepared: prepareGradCam(model, layerName) };
    }
    return this.entry.prepared;
  }
}

export async function computeGradCam(ctx: TeachingContext, cache: GradCamCache, request: GradCamRequest): Promise<GradCamAnswer> {
  const { model, manifest } = needModel(ctx);
  const size = manifest.inputSize;
  const shown = 'imageId' in request.source
    ? (await ctx.datasetImages(size).load([request.source.imageId]))[0]
    : await ctx.decode(request.source.file, size);
  const fed = prepareInput(shown, manifest.preprocessing.colour === 'local-average-subtraction');
  let layerName: string | undefined;
  if (request.block) {
    layerName = blockOutputLayer(request.block);
    if (!model.layers.some((l) => l.name === layerName)) {
      throw new TeachingError('DatasetError', `This model's head reads an earlier block, so ${request.block} is not part of it; choose an earlier block.`);
    }
  }
  const prepared = cache.get(model, layerName);
  const x = inputTensor(fed);
  try {
    const result = await gradCam(prepared, x, request.classIndex === undefined ? {} : { classIndex: request.classIndex });
    return {
      heatmap: result.heatmap, image: shown, classIndex: result.classIndex, probability: result.probability,
      layerName: prepared.layerName, classNames: manifest.classNames,
    };
  } finally {
    x.dispose();
  }
}

/** Mean over space of a layer's output for each image (the pooled features a head reads), as rows. */
async function pooledFeatures(
  model: tf.LayersModel, layerName: string, pooling: HeadPooling, images: ImageSource, ids: string[], colourNormalisation: boolean,
): Promise<Float32Array[]> {
  const layer = model.getLayer(layerName);
  const probe = tf.model({ inputs: model.inputs, outputs: layer.inboundNodes[0].outputTensors[0] as tf.SymbolicTensor });
  const rows: Float32Array[] = [];
  const batch = 8;
  // Read batch by batch: every validation image of a large dataset would not fit in memory at once.
  for (let first = 0; first < ids.length; first += batch) {
    const chunk = (await images.load(ids.slice(first, first + batch))).map((img) => prepareInput(img, colourNormalisation));
    const size = chunk[0].width;
    const buf = new Float32Array(chunk.length * size * size * 3);
    chunk.forEach((img, i) => writeCaffeInput(img, buf, i));
    const pooled = tf.tidy(() => {
      let f = probe.predict(tf.tensor4d(buf, [chunk.length, size, size, 3])) as tf.Tensor;
      // Pooled as the head pools (classifier.ts): mean, max, or generalised mean (p = 3, floored at 1e-6).
      if (f.rank === 4) {
        f = pooling === 'max' ? tf.max(f, [1, 2])
          : pooling === 'gem' ? tf.pow(tf.mean(tf.pow(tf.maximum(f, 1e-6), 3), [1, 2]), 1 / 3)
          : tf.mean(f, [1, 2]);
      }
      return f as tf.Tensor2D;
    });
    const values = (await pooled.data()) as Float32Array;
    const width = pooled.shape[1];
    pooled.dispose();
    for (let r = 0; r < chunk.length; r++) rows.push(values.slice(r * width, (r + 1) * width));
  }
  return rows;
}

export async function insideNetwork(ctx: TeachingContext, items: { id: string; classIndex: number }[]): Promise<InsideNetworkAnswer> {
  const { model, manifest } = needModel(ctx);
  if (items.length < 2) throw new TeachingError('DatasetError', 'The PCA map needs at least two validation images.');
  const size = manifest.inputSize;
  const colourNormalisation = manifest.preprocessing.colour === 'local-average-subtraction';
  const images = ctx.datasetImages(size);
  const ids = items.map((i) => i.id);
  const headOn = manifest.training.headOn;
  const pooling: HeadPooling = manifest.training.headPooling ?? 'average';
  // The block the head pools (inception_5b for pool5), pooled alike in both networks (the pretrained one has no head).
  const featureLayer = blockOutputLayer(headOn === 'pool5' ? 'inception_5b' : headOn);
  const pretrained = await ctx.loadPretrained();
  try {
    const [before, after] = [await readFilters(pretrained), await readFilters(model)];
    const grid = (bank: typeof before) => filterGrid(bank, { scale: 4, gap: 2 });
    const pcaOf = (rows: Float32Array[]) => {
      const p = pca2d(rows);
      return { points: p.points, explained: p.explained };
    };
    return {
      filtersBefore: grid(before), filtersAfter: grid(after), filtersIdentical: sameFilters(before, after),
      pcaBefore: pcaOf(await pooledFeatures(pretrained, featureLayer, pooling, images, ids, colourNormalisation)),
      pcaAfter: pcaOf(await pooledFeatures(model, featureLayer, pooling, images, ids, colourNormalisation)),
      classIndex: items.map((i) => i.classIndex), classNames: manifest.classNames, featureLayer,
    };
  } finally {
    disposeNetwork(pretrained);
  }
}

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
  let record: TrainedModelRecord;
  try {
    record = recordTrainedModel(request, outcome, prep, ctx.provenance(), new Date().toISOString());
  } catch (e) {
    disposeNetwork(model);
    throw e;
  }
  const info = ctx.makeCurrent(model, record);
  return {
    config: outcome.config, epochs: outcome.epochs, report: outcome.report, bestEpoch: outcome.bestEpoch,
    ...(outcome.test ? { test: outcome.test } : {}), summary: record.summary, model: info, stoppedBecause: outcome.stoppedBecause,
  };
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
