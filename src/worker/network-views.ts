/**
 * Views inside the network for teaching (issue 8): Grad-CAM of the current model, conv1 filters and a PCA map of
 * pooled features against the pretrained network. Plain functions over what the worker holds (TeachingContext,
 * shared with compare-all.ts), so fovea.worker.ts only wires them in.
 */
import * as tf from '@tensorflow/tfjs';
import { type RgbImage, writeCaffeInput } from '../core/data/preprocess';
import { filterGrid, readFilters, sameFilters } from '../core/eval/conv1-filters';
import { pca2d } from '../core/eval/pca';
import { type GradCamModel, gradCam, prepareGradCam } from '../core/eval/saliency';
import type { FoveaManifest } from '../core/export/package';
import { blockOutputLayer, disposeNetwork } from '../core/model/classifier';
import type { HeadPooling, TrainConfig } from '../core/train/config';
import type { TrainerHooks } from '../core/train/trainer';
import type { ImageSource } from '../core/data/image-source';
import { prepareInput } from './decode';
import type { BackendInfo, GradCamAnswer, GradCamRequest, InsideNetworkAnswer, ModelInfo, TrainRequest } from './protocol';
import type { TrainedModelRecord } from './trained-model';

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
