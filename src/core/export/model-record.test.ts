import { describe, expect, it } from 'vitest';
import { evaluate } from '../eval/metrics';
import { makeDatasetFixture, makeSummaryFixture, FIXTURE_CLASS_NAMES } from '../eval/summary.fixture';
import { resolveTrainConfig } from '../train/config';
import { describeImagePreparation } from './model-card';
import { customLayersOf, modelCardOf, modelManifest, type ModelRecordInput } from './model-record';
import { describePreprocessing } from './package';
import { foveaManifestSchema } from './manifest-schema';

function input(pooling: 'average' | 'gem'): ModelRecordInput {
  const config = resolveTrainConfig({ scenario: 'linear-top', headPooling: pooling });
  const labels = [0, 1, 2, 3, 4, 0];
  const probs = labels.map((t) => FIXTURE_CLASS_NAMES.map((_, k) => (k === t ? 0.6 : 0.1)));
  return {
    createdAt: '2026-12-03T00:00:00Z', classNames: FIXTURE_CLASS_NAMES, ordinal: true, task: '5 DR grades',
    config, epochs: [], validation: evaluate({ classNames: FIXTURE_CLASS_NAMES, ordinal: true, labels, probs, ids: labels.map((_, i) => `i${i}`) }),
    summary: makeSummaryFixture({ withTest: true }),
    preprocessing: {
      manifest: describePreprocessing('fov'),
      card: describeImagePreparation({ fieldOfViewCrop: true, colourNormalisation: false, resize: 'area average', inputSize: 224, testTimeRotations: true }),
    },
    extraSettings: { task: 'dr-5-grades', splitSeed: 42 },
    data: makeDatasetFixture({ withTest: true }), weightsProvenance: { source: 'test' },
  };
}

describe('the model record (fovea.json + MODEL_CARD.md) built once for the studio and the command', () => {
  it('names the custom layers a TF.js consumer must register: GeM pooling too (the command used to list LRN only)', () => {
    expect(customLayersOf({ headPooling: 'average' })).toEqual(['LRN']);
    expect(modelManifest(input('gem')).customLayers).toEqual(['LRN', 'GlobalGeMPooling2D']);
  });

  it('writes a manifest the import schema accepts, without the per-image predictions', () => {
    const manifest = modelManifest(input('average'));
    expect(foveaManifestSchema.safeParse(manifest).success).toBe(true);
    expect('predictions' in manifest.validation).toBe(false);
    expect(manifest.testTimeRotations).toEqual([0, 1, 2, 3]);
  });

  it('shows the extra settings beside the training config on the card', () => {
    const card = modelCardOf(input('average'));
    expect(card).toContain('splitSeed');
    expect(card).toContain('Linear classifier on top features');
  });
});
