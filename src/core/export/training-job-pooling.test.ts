import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { buildClassifier, disposeNetwork, type FoveaNet } from '../model/classifier';
import { resolveTrainConfig } from '../train/config';
import { decodeSafetensors } from './safetensors';
import { exportTrainingJob, type TrainingJobItem } from './training-job';
import { loadGoogLeNet, MODEL_DIR } from '../../../scripts/lib/node-model';
import { findTorchPython, runPython } from '../../../scripts/lib/python-torch';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

// A GeM head travels to PyTorch: in settings.json and in start.safetensors' metadata, which model.py builds from.
const SIZE = 64;
const config = resolveTrainConfig({
  scenario: 'linear-top', headPooling: 'gem', inputSize: SIZE, epochs: 1, batchSize: 2, testTimeRotations: false, seed: 3,
});
const items: TrainingJobItem[] = ['a', 'b', 'c', 'd'].map((id, i) => ({
  id, classIndex: i % 2, split: i < 2 ? 'train' : 'val', patientId: id,
}));

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('a training job with a GeM head (real weights, 64 px)', () => {
  let base: tf.LayersModel;
  let start: FoveaNet;
  let job: Uint8Array;
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
    start = buildClassifier(base, { numClasses: 2, headOn: 'pool5', headPooling: 'gem', freezeUpTo: 'all', dropout: 0.4, seed: 3, featureScale: 0.1 });
    job = await exportTrainingJob({ model: start.model, config, classNames: ['No DR', 'DR'], ordinal: false, items });
  });
  afterAll(() => disposeNetwork(start?.model, base));

  it('says gem in settings.json and in the starting weights', () => {
    const files = unzipSync(job);
    expect(JSON.parse(strFromU8(files['job/settings.json'])).headPooling).toBe('gem');
    expect(decodeSafetensors(files['job/start.safetensors']).metadata).toMatchObject({ head_on: 'pool5', head_pooling: 'gem' });
  });

  const python = findTorchPython();
  it.skipIf(!python)('train.py trains a GeM head and writes it back as one; it refuses settings that disagree with the weights (needs python3 with torch)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fovea-job-gem-'));
    try {
      for (const [name, bytes] of Object.entries(unzipSync(job))) {
        if (name.endsWith('/')) continue;
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), bytes);
      }
      const rand = mulberry32(5);
      mkdirSync(join(dir, 'images'));
      items.forEach((_, i) => writeFileSync(join(dir, 'images', `${String(i).padStart(6, '0')}.rgb`),
        Uint8Array.from({ length: SIZE * SIZE * 3 }, () => Math.floor(256 * rand()))));
      runPython(python!, ['train.py', '--images', '../images', '--out', 'result'], join(dir, 'job'), 300_000);
      const result = readFileSync(join(dir, 'job', 'result', 'weights.safetensors'));
      expect(decodeSafetensors(new Uint8Array(result)).metadata).toMatchObject({ head_pooling: 'gem' });
      // Scenario 1 fits its head to convergence in the studio; train.py has no such fit, trains by SGD and says so.
      expect(config.headFit).toBe('converged');
      expect(JSON.parse(readFileSync(join(dir, 'job', 'result', 'metrics.json'), 'utf8')).settings.headFit).toBe('sgd');

      const settings = JSON.parse(readFileSync(join(dir, 'job', 'settings.json'), 'utf8'));
      writeFileSync(join(dir, 'job', 'settings.json'), JSON.stringify({ ...settings, headPooling: 'average' }));
      expect(() => runPython(python!, ['train.py', '--images', '../images', '--out', 'again'], join(dir, 'job')))
        .toThrow(/headPooling is 'average' but start.safetensors' head pools by 'gem'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
