/**
 * Grad-CAM (Selvaraju et al. 2017): where in the image a block's features drove a class's score.
 * The network is split at the block; the class's pre-softmax score is differentiated with respect to the
 * block's feature maps A (tf.grad over the upper part), each channel is weighted by its gradient averaged
 * over space, and the map is ReLU(sum_k w_k A_k), scaled to a maximum of 1.
 */
import * as tf from '@tensorflow/tfjs';
import { blockOutputLayer, type FoveaNet } from '../model/classifier';
import { scoreTensor, splitAtLayer, type SplitModel } from '../model/cut-model';
import { BLOCKS } from '../train/config';
import type { Heatmap } from './heatmap';

export { heatmapArgmax, heatmapToRgba, jetColour, upsampleHeatmap, type Heatmap } from './heatmap';

export interface GradCamConfig {
  /** Class whose score is explained. Defaults to the predicted (top-1) class. */
  classIndex?: number;
  /**
   * Layer whose output feature maps are weighted. Defaults to the last GoogLeNet block in the model
   * (inception_5b's output, or the block the head reads when it sits earlier).
   */
  layerName?: string;
}

/** A model split at a block once, for Grad-CAM over many images (splitting adds graph nodes each time). */
export interface GradCamModel extends SplitModel {
  layerName: string;
}

export interface GradCamResult {
  /** [h, w] at the block's resolution (input size / 32 for inception_5b: 7x7 at 224 px, 16x16 at 512), values in [0, 1]. */
  heatmap: Heatmap;
  classIndex: number;
  /** Softmax probability of classIndex. */
  probability: number;
}

export class InvalidSaliencyInputError extends Error {
  override name = 'InvalidSaliencyInputError';
}

const isFoveaNet = (x: unknown): x is FoveaNet => typeof x === 'object' && x !== null && 'suffix' in x && 'model' in x;
const isPrepared = (x: unknown): x is GradCamModel => typeof x === 'object' && x !== null && 'fromCut' in x;

/** The deepest GoogLeNet block output the model has (inception_5b's for the whole network). */
export function defaultSaliencyLayer(model: tf.LayersModel): string {
  const names = new Set(model.layers.map((l) => l.name));
  const found = [...BLOCKS].reverse().map(blockOutputLayer).find((n) => names.has(n));
  if (!found) throw new InvalidSaliencyInputError(`the model '${model.name}' has no GoogLeNet block; name a layer for Grad-CAM`);
  return found;
}

/** Splits a classifier (a run's network or any layers model ending in a softmax) at `layerName` for Grad-CAM. */
export function prepareGradCam(target: tf.LayersModel | FoveaNet, layerName?: string): GradCamModel {
  const model = isFoveaNet(target) ? target.model : target;
  const layer = layerName ?? defaultSaliencyLayer(model);
  return { ...splitAtLayer(model, layer, scoreTensor(model)), layerName: layer };
}

/**
 * Grad-CAM heatmap of one image `input` ([1, H, W, 3], as the network takes it). Every tensor it makes is
 * freed before it resolves; the result is plain data.
 */
export async function gradCam(
  target: tf.LayersModel | FoveaNet | GradCamModel,
  input: tf.Tensor4D,
  config: GradCamConfig = {},
): Promise<GradCamResult> {
  if (input.rank !== 4 || input.shape[0] !== 1) {
    throw new InvalidSaliencyInputError(`Grad-CAM takes one image, shape [1, H, W, C]; got [${input.shape.join(', ')}]`);
  }
  const split = isPrepared(target) ? target : prepareGradCam(target, config.layerName);
  const features = split.toCut.predict(input) as tf.Tensor4D;
  try {
    const scores = tf.tidy(() => tf.softmax(split.fromCut.predict(features) as tf.Tensor2D));
    const probs = (await scores.data()) as Float32Array;
    scores.dispose();
    const classIndex = config.classIndex ?? probs.indexOf(Math.max(...probs));
    if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < probs.length)) {
      throw new InvalidSaliencyInputError(`class ${classIndex} is not one of the model's ${probs.length} classes`);
    }
    const cam = tf.tidy(() => {
      const classScore = (f: tf.Tensor) => {
        const logits = split.fromCut.apply(f, { training: false }) as tf.Tensor2D;
        return tf.sum(tf.slice(logits, [0, classIndex], [1, 1]));
      };
      const grads = tf.grad(classScore)(features);
      const channelWeights = tf.mean(grads, [1, 2], true); // [1, 1, 1, C]
      return tf.relu(tf.sum(tf.mul(features, channelWeights), -1)).squeeze([0]) as tf.Tensor2D; // [h, w]
    });
    const values = Float32Array.from(await cam.data());
    const [height, width] = cam.shape;
    cam.dispose();
    // Scaled to a maximum of 1; a class with no positive evidence anywhere keeps an all-zero map.
    const peak = values.reduce((m, v) => Math.max(m, v), 0);
    if (peak > 0) values.forEach((v, i) => (values[i] = v / peak));
    return { heatmap: { width, height, values }, classIndex, probability: probs[classIndex] };
  } finally {
    features.dispose();
  }
}
