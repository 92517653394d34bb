/**
 * The key of a kept feature cache: everything the frozen features of an image depend on besides the image's
 * stored pixels (which never change for an id). Two runs whose keys are equal read the same features; any
 * change of the network, where its head reads, how it pools, which features it concatenates, the input size or the preprocessing gives a new key,
 * so a stale cache is never used.
 */
import type { TrainConfig } from './config';

export interface FeatureKeyParts {
  /** The pretrained network's identity (its converter version and parameter count, or a checksum). */
  model: string;
  config: Pick<TrainConfig, 'headOn' | 'headPooling' | 'headFeatures' | 'inputSize' | 'freezeUpTo' | 'initialisation'>;
  colourNormalisation: boolean;
  fieldOfViewCrop: boolean;
}

/** Features can be kept only for a fully frozen pretrained backbone: then they are pooled vectors, small and reusable. */
export function keepsFeatures(config: FeatureKeyParts['config']): boolean {
  return config.freezeUpTo === 'all' && config.initialisation === 'pretrained';
}

export function featureCacheKey({ model, config, colourNormalisation, fieldOfViewCrop }: FeatureKeyParts): string {
  return [
    `model=${model}`, `head=${config.headOn}`, `pooling=${config.headPooling}`, `features=${config.headFeatures}`, `size=${config.inputSize}`,
    `colour=${colourNormalisation ? 'local-average-subtraction' : 'none'}`, `crop=${fieldOfViewCrop ? 'field-of-view' : 'centre-square'}`,
  ].join(';');
}
