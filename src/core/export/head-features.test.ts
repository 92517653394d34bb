import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGoogLeNet, MODEL_DIR } from '../../../scripts/lib/node-model';
import { mulberry32 } from '../data/random';
import { buildClassifier, disposeNetwork, disposeNewLayers, type FoveaNet } from '../model/classifier';
import { classifierConfigOf, resolveTrainConfig, type HeadFeatures } from '../train/config';
import { HeadFeaturesNotExportableError } from './head-features';
import { exportOnnx } from './onnx/export';
import { describePreprocessing, exportPackage, type FoveaManifest, importPackage } from './package';
import { exportTrainingJob } from './training-job';
import { exportSafetensors } from './weights-file';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('exporting a head that reads concatenated features (real GoogLeNet, 64 px)', () => {
  let base: tf.LayersModel;
  let x: tf.Tensor4D;
  const nets: FoveaNet[] = [];
  const build = (headFeatures: HeadFeatures) => {
    const net = buildClassifier(base, classifierConfigOf(resolveTrainConfig({ scenario: 'linear-early', headFeatures }), 2, 0.01));
    nets.push(net);
    return net;
  };
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
    const rand = mulberry32(3);
    x = tf.tensor4d(Float32Array.from({ length: 64 * 64 * 3 }, () => 255 * rand() - 120), [1, 64, 64, 3]);
  });
  afterAll(() => {
    nets.forEach(disposeNewLayers);
    x.dispose();
    disposeNetwork(base);
  });

  it('the TF.js package carries the whole graph: a mean-max head survives export and import, predicting the same', async () => {
    const net = build('mean-max');
    const manifest = {
      format: 'fovea-model', version: 1, createdAt: '2026-01-01T00:00:00Z', classNames: ['No', 'Yes'], ordinal: false, inputSize: 64,
      preprocessing: describePreprocessing('fov'), scenario: 'linear-early', training: {}, epochs: [], weightsProvenance: {},
      validation: { classNames: ['No', 'Yes'], count: 0, accuracy: 0, loss: 0, confusion: [], perClass: [], macroAuc: 0 },
      customLayers: ['LRN'], testTimeRotations: [0],
    } as unknown as FoveaManifest;
    const imported = await importPackage(await exportPackage(net.model, manifest));
    const [a, b] = tf.tidy(() => [(net.model.predict(x) as tf.Tensor).arraySync(), (imported.model.predict(x) as tf.Tensor).arraySync()]);
    expect(b).toEqual(a);
    disposeNetwork(imported.model);
  }, 60_000);

  it('ONNX and the safetensors weights refuse it by name, saying which features and what to do instead', async () => {
    for (const headFeatures of ['mean-max', 'multi-block'] as const) {
      const net = build(headFeatures);
      const onnx = await exportOnnx(net.model, { inputSize: 64, classNames: ['No', 'Yes'] }).then(() => null, (e: unknown) => e);
      expect(onnx).toBeInstanceOf(HeadFeaturesNotExportableError);
      expect((onnx as Error).message).toContain(`ONNX export cannot write a head that reads '${headFeatures}' features`);
      expect((onnx as Error).message).toContain('TF.js model package');
      await expect(exportSafetensors(net.model)).rejects.toThrow(HeadFeaturesNotExportableError);
    }
  });

  it('the PyTorch training job refuses the setting before it builds anything', async () => {
    const net = build('multi-block');
    const job = exportTrainingJob({
      model: net.model, config: resolveTrainConfig({ scenario: 'linear-early', headFeatures: 'multi-block' }), classNames: ['No', 'Yes'],
      ordinal: false, items: [{ id: 'a', classIndex: 0, split: 'train', patientId: 'a' }, { id: 'b', classIndex: 1, split: 'val', patientId: 'b' }],
    });
    await expect(job).rejects.toThrow(/PyTorch training job cannot write a head that reads 'multi-block' features/);
  });
});
