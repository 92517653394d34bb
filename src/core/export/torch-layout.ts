/**
 * A Fovea network's weights under PyTorch's names and layouts, both ways, so that the exported safetensors
 * load with `load_state_dict` into the GoogLeNet of `torch/model.py` (generated Python package):
 *  - a convolution `<layer>` (tfjs kernel HWIO) -> `<layer>.weight` OIHW and `<layer>.bias`;
 *  - a dense layer (tfjs kernel [in, out]) -> `<layer>.weight` [out, in] (torch.nn.Linear) and `<layer>.bias`;
 *  - the head's constant feature scale -> the buffer `fovea_feature_scale.scale`, shape [1].
 * Layer names are the tfjs ones, i.e. Caffe's with '/' as '_' (`inception_4c_3x3_reduce`).
 */
import * as tf from '@tensorflow/tfjs';
import { HEAD_LAYER, HEAD_POOL_LAYERS, STOCK_POOL5_LAYER } from '../model/classifier';
import { HEAD_POSITIONS, type HeadPooling, type HeadPosition } from '../train/config';
import { refuseConcatenatedHead } from './head-features';
import type { TensorMap } from './safetensors';

export const FEATURE_SCALE_LAYER = 'fovea_feature_scale';
export const FEATURE_SCALE_TENSOR = `${FEATURE_SCALE_LAYER}.scale`;

export class WeightLayoutError extends Error {
  override name = 'WeightLayoutError';
}

/** What a Fovea network is beyond its weights: enough for model.py (or the core) to rebuild it. */
export interface FoveaHeadDescription {
  headOn: HeadPosition;
  /** How the head's maps are pooled ('average' for the stock pool5 and for files written before the setting). */
  headPooling: HeadPooling;
  numClasses: number;
  /** Rate of the dropout before the head (identity at inference). */
  dropout: number;
  /** Constant factor on the pooled features (classifier.ts's measureFeatureScale). */
  featureScale: number;
}

/** Reads the head's position, pooling, size, dropout and feature scale off a network built by buildClassifier. */
export function describeFoveaHead(model: tf.LayersModel): FoveaHeadDescription {
  refuseConcatenatedHead(model, 'PyTorch (safetensors) export');
  const layer = (name: string) => {
    try {
      return model.getLayer(name);
    } catch {
      throw new WeightLayoutError(`the model has no layer '${name}': it is not a network built by Fovea's buildClassifier`);
    }
  };
  const scale = layer(FEATURE_SCALE_LAYER) as unknown as { scale: number };
  const source = layer(FEATURE_SCALE_LAYER).inboundNodes[0].inboundLayers[0];
  let headOn: string;
  let headPooling: HeadPooling;
  const pooling = (Object.keys(HEAD_POOL_LAYERS) as HeadPooling[]).find((p) => HEAD_POOL_LAYERS[p] === source.name);
  if (source.name === STOCK_POOL5_LAYER) {
    [headOn, headPooling] = ['pool5', 'average'];
  } else if (pooling) {
    const block = source.inboundNodes[0].inboundLayers[0].name.replace(/_output$/, '');
    // inception_5b pooled our way is the head on pool5 (the stock pool5 is an average of the same maps)
    [headOn, headPooling] = [block === 'inception_5b' ? 'pool5' : block, pooling];
  } else {
    throw new WeightLayoutError(`the head reads layer '${source.name}', not pool5 or a pooled inception output`);
  }
  if (!(HEAD_POSITIONS as readonly string[]).includes(headOn)) throw new WeightLayoutError(`the head reads '${headOn}', not a head position`);
  const dropout = (layer('fovea_dropout') as unknown as { rate: number }).rate;
  const numClasses = (layer(HEAD_LAYER).outputShape as number[])[1];
  return { headOn: headOn as HeadPosition, headPooling, numClasses, dropout, featureScale: scale.scale };
}

/** HWIO -> OIHW. */
function hwioToOihw(src: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < i; c++) {
        const s = ((y * w + x) * i + c) * o;
        for (let f = 0; f < o; f++) dst[((f * i + c) * h + y) * w + x] = src[s + f];
      }
    }
  }
  return dst;
}

/** OIHW -> HWIO. */
function oihwToHwio(src: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let f = 0; f < o; f++) {
    for (let c = 0; c < i; c++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) dst[((y * w + x) * i + c) * o + f] = src[((f * i + c) * h + y) * w + x];
      }
    }
  }
  return dst;
}

/** [rows, cols] -> [cols, rows]. */
function transpose2d(src: Float32Array, [rows, cols]: number[]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  return dst;
}

const isConv = (l: tf.layers.Layer) => l.getClassName() === 'Conv2D';
const isDense = (l: tf.layers.Layer) => l.getClassName() === 'Dense';

/** Every weight of the model under its PyTorch name and layout (reads asynchronously: safe on WebGPU). */
export async function torchStateDict(model: tf.LayersModel): Promise<TensorMap> {
  const out: TensorMap = new Map();
  for (const layer of model.layers) {
    if (isConv(layer) || isDense(layer)) {
      const [kernel, bias] = layer.getWeights();
      const k = (await kernel.data()) as Float32Array;
      const s = kernel.shape as number[];
      const weight = isConv(layer)
        ? { shape: [s[3], s[2], s[0], s[1]], data: hwioToOihw(k, s) }
        : { shape: [s[1], s[0]], data: transpose2d(k, s) };
      out.set(`${layer.name}.weight`, weight);
      out.set(`${layer.name}.bias`, { shape: [bias.size], data: Float32Array.from((await bias.data()) as Float32Array) });
    } else if (layer.name === FEATURE_SCALE_LAYER) {
      out.set(FEATURE_SCALE_TENSOR, { shape: [1], data: new Float32Array([(layer as unknown as { scale: number }).scale]) });
    }
  }
  return out;
}

/**
 * Writes PyTorch-named weights into the model's layers. Every convolution and dense layer of the model must
 * be present with the right shape (extra tensors are ignored, e.g. layers past the head's position); the
 * feature scale, when present, must equal the model's, since it is part of the architecture here.
 */
export function loadTorchStateDict(model: tf.LayersModel, tensors: TensorMap): void {
  const get = (name: string, shape: number[]) => {
    const t = tensors.get(name);
    if (!t) throw new WeightLayoutError(`the weights have no tensor '${name}'`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightLayoutError(`tensor ${name} has shape [${t.shape.join(',')}], the model needs [${shape.join(',')}]`);
    }
    return t.data;
  };
  for (const layer of model.layers) {
    if (isConv(layer) || isDense(layer)) {
      const [kernel, bias] = layer.getWeights();
      const s = kernel.shape as number[];
      const values = isConv(layer)
        ? oihwToHwio(get(`${layer.name}.weight`, [s[3], s[2], s[0], s[1]]), [s[3], s[2], s[0], s[1]])
        : transpose2d(get(`${layer.name}.weight`, [s[1], s[0]]), [s[1], s[0]]);
      const k = tf.tensor(values, s);
      const b = tf.tensor1d(get(`${layer.name}.bias`, [bias.size]));
      layer.setWeights([k, b]);
      tf.dispose([k, b]);
    } else if (layer.name === FEATURE_SCALE_LAYER && tensors.has(FEATURE_SCALE_TENSOR)) {
      const own = Math.fround((layer as unknown as { scale: number }).scale);
      const given = get(FEATURE_SCALE_TENSOR, [1])[0];
      if (given !== own) throw new WeightLayoutError(`the weights' feature scale is ${given}, the model's ${own}: build the model with the weights' scale`);
    }
  }
}
