import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describePreprocessing, exportPackage, importPackage, type FoveaManifest } from './package';
import { MODEL_CARD_FILE } from './model-card';

/** A two-class toy model: the package format does not care what the layers are. */
function toyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax' }));
  return model;
}

const manifest = {
  format: 'fovea-model', version: 1, createdAt: '2026-01-01T00:00:00Z', classNames: ['No', 'Yes'], ordinal: false,
  inputSize: 64, preprocessing: describePreprocessing('fov'), scenario: 'linear-top', epochs: [], weightsProvenance: {},
  customLayers: [], testTimeRotations: [0, 1, 2, 3],
} as unknown as FoveaManifest;

describe('the model package', () => {
  it('carries MODEL_CARD.md, read back on import with the manifest', async () => {
    const model = toyModel();
    const zip = await exportPackage(model, manifest, { [MODEL_CARD_FILE]: '# Model card: toy\n' });
    const imported = await importPackage(zip);
    expect(imported.modelCard).toBe('# Model card: toy\n');
    expect(imported.manifest.testTimeRotations).toEqual([0, 1, 2, 3]);
    expect(imported.manifest.preprocessing.crop).toBe('field-of-view');
    model.dispose();
    imported.model.dispose();
  });

  it('imports a package without a model card (exported before model cards) with modelCard null', async () => {
    const model = toyModel();
    const imported = await importPackage(await exportPackage(model, manifest));
    expect(imported.modelCard).toBeNull();
    model.dispose();
    imported.model.dispose();
  });
});
