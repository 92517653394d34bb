/**
 * Which exporters can write a head that reads more than one pooled vector (TrainConfig.headFeatures 'mean-max' or
 * 'multi-block': a Concatenate layer, HEAD_FEATURES_LAYER, before the head). The TF.js package carries the whole
 * graph and needs nothing; ONNX, the safetensors weights (model.py rebuilds the head from metadata) and the PyTorch
 * training job do not know the concatenation yet, so they refuse such a model plainly instead of writing a wrong one.
 */
import type * as tf from '@tensorflow/tfjs';
import { HEAD_FEATURES_LAYER, HEAD_POOL_LAYERS, STOCK_POOL5_LAYER } from '../model/classifier';
import type { HeadFeatures } from '../train/config';

export class HeadFeaturesNotExportableError extends Error {
  override name = 'HeadFeaturesNotExportableError';
  constructor(readonly exporter: string, readonly headFeatures: string) {
    super(`The ${exporter} cannot write a head that reads '${headFeatures}' features (two pooled vectors concatenated) yet. ` +
      "Download the TF.js model package instead (it carries the whole network), or train with head features 'last'.");
  }
}

/** Throws HeadFeaturesNotExportableError when the run's settings read concatenated features. */
export function refuseHeadFeatures(headFeatures: HeadFeatures | undefined, exporter: string): void {
  if (headFeatures !== undefined && headFeatures !== 'last') throw new HeadFeaturesNotExportableError(exporter, headFeatures);
}

/** Throws HeadFeaturesNotExportableError when the network's head reads concatenated features. */
export function refuseConcatenatedHead(model: tf.LayersModel, exporter: string): void {
  const concat = model.layers.find((l) => l.name === HEAD_FEATURES_LAYER);
  if (!concat) return;
  // mean-max concatenates one block's average (fovea_gap, or the stock pool5) and max (fovea_gmp) pools.
  const parts = concat.inboundNodes[0].inboundLayers.map((l) => l.name);
  const meanMax = parts.includes(HEAD_POOL_LAYERS.max) && (parts.includes(HEAD_POOL_LAYERS.average) || parts.includes(STOCK_POOL5_LAYER));
  refuseHeadFeatures(meanMax ? 'mean-max' : 'multi-block', exporter);
}
