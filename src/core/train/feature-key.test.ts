import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from './config';
import { featureCacheKey, keepsFeatures, type FeatureKeyParts } from './feature-key';

const base: FeatureKeyParts = {
  model: 'googlenet-v2-6998552', config: resolveTrainConfig({ scenario: 'linear-top' }), colourNormalisation: false, fieldOfViewCrop: true,
};

describe('the kept feature cache key', () => {
  it('changes when any input of the features changes, and only then', () => {
    const key = featureCacheKey(base);
    const variants: FeatureKeyParts[] = [
      { ...base, model: 'googlenet-v3-6998552' },
      { ...base, config: resolveTrainConfig({ scenario: 'linear-early' }) },
      { ...base, config: resolveTrainConfig({ scenario: 'linear-top', headPooling: 'gem' }) },
      { ...base, config: resolveTrainConfig({ scenario: 'linear-top', headFeatures: 'mean-max' }) },
      { ...base, config: resolveTrainConfig({ scenario: 'linear-top', headFeatures: 'multi-block' }) },
      { ...base, config: resolveTrainConfig({ scenario: 'linear-top', inputSize: 448 }) },
      { ...base, colourNormalisation: true },
      { ...base, fieldOfViewCrop: false },
    ];
    const keys = variants.map(featureCacheKey);
    expect(keys).not.toContain(key);
    expect(new Set(keys).size).toBe(keys.length);
    // Settings the frozen features do not depend on (the head's training) leave the key as it was.
    const retrained = resolveTrainConfig({ scenario: 'linear-top', learningRate: 0.1, epochs: 30, seed: 7, dropout: 0 });
    expect(featureCacheKey({ ...base, config: retrained })).toBe(key);
  });

  it('keeps features only for a frozen pretrained backbone (scenarios 1 and 3)', () => {
    expect(keepsFeatures(resolveTrainConfig({ scenario: 'linear-top' }))).toBe(true);
    expect(keepsFeatures(resolveTrainConfig({ scenario: 'linear-early' }))).toBe(true);
    expect(keepsFeatures(resolveTrainConfig({ scenario: 'finetune-pretrained' }))).toBe(false);
    expect(keepsFeatures(resolveTrainConfig({ scenario: 'finetune-all' }))).toBe(false);
  });
});
