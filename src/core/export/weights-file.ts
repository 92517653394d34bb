/**
 * A Fovea network as one safetensors file: PyTorch names and layouts (torch-layout.ts) and, in the header's
 * metadata, what rebuilds the network around them (head position and pooling, classes, dropout, feature scale), read by
 * the generated `model.py` and by `buildFromSafetensors` here.
 */
import type * as tf from '@tensorflow/tfjs';
import { buildClassifier, type FoveaNet } from '../model/classifier';
import { HEAD_POOLINGS, HEAD_POSITIONS, type FreezeUpTo, type HeadPooling, type HeadPosition } from '../train/config';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors';
import { describeFoveaHead, type FoveaHeadDescription, FEATURE_SCALE_TENSOR, loadTorchStateDict, torchStateDict } from './torch-layout';

export const WEIGHTS_FORMAT = 'fovea-googlenet';

/** The network's weights under PyTorch names, with its head described in `__metadata__` (plus `extra`). */
export async function exportSafetensors(model: tf.LayersModel, extra: Record<string, string> = {}): Promise<Uint8Array> {
  const head = describeFoveaHead(model);
  return encodeSafetensors(await torchStateDict(model), {
    ...extra,
    format: WEIGHTS_FORMAT,
    head_on: head.headOn,
    head_pooling: head.headPooling,
    num_classes: String(head.numClasses),
    dropout: String(head.dropout),
    feature_scale: String(Math.fround(head.featureScale)), // as stored in float32 in the tensor
  });
}

/** Writes the file's weights into a network of the same architecture (throws WeightLayoutError otherwise). */
export function importSafetensors(model: tf.LayersModel, bytes: Uint8Array): Record<string, string> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  loadTorchStateDict(model, tensors);
  return metadata;
}

/** The head a Fovea safetensors file describes. */
export function readHeadDescription(bytes: Uint8Array): FoveaHeadDescription {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== WEIGHTS_FORMAT) throw new SafetensorsError(`the file's metadata says format '${metadata.format}', not '${WEIGHTS_FORMAT}'`);
  const headOn = metadata.head_on as HeadPosition;
  if (!HEAD_POSITIONS.includes(headOn)) throw new SafetensorsError(`the file's head position '${metadata.head_on}' is not one of ${HEAD_POSITIONS.join(', ')}`);
  // Files written before head pooling was a setting have no head_pooling: their heads averaged.
  const headPooling = (metadata.head_pooling ?? 'average') as HeadPooling;
  if (!HEAD_POOLINGS.includes(headPooling)) throw new SafetensorsError(`the file's head pooling '${metadata.head_pooling}' is not one of ${HEAD_POOLINGS.join(', ')}`);
  const scale = tensors.get(FEATURE_SCALE_TENSOR);
  return {
    headOn, headPooling, numClasses: Number(metadata.num_classes), dropout: Number(metadata.dropout),
    featureScale: scale ? scale.data[0] : Number(metadata.feature_scale),
  };
}

/**
 * Builds the network a Fovea safetensors file describes on `base` (a freshly loaded pretrained GoogLeNet,
 * whose layers it takes over) and loads the file's weights into it.
 */
export function buildFromSafetensors(
  base: tf.LayersModel, bytes: Uint8Array, options: { freezeUpTo?: FreezeUpTo; seed?: number } = {},
): FoveaNet {
  const head = readHeadDescription(bytes);
  const net = buildClassifier(base, {
    numClasses: head.numClasses, headOn: head.headOn, headPooling: head.headPooling, dropout: head.dropout, featureScale: head.featureScale,
    freezeUpTo: options.freezeUpTo ?? 'all', seed: options.seed ?? 0,
  });
  importSafetensors(net.model, bytes);
  return net;
}
