import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasDemo, DEMO_DIR } from '../lib/demo-data';
import { findTorchPython } from '../lib/python-torch';
import { planExperiment } from './folds';
import { parseEvaluateArgs } from './options';
import { PytorchJobError, runPytorchEvaluation } from './pytorch-job';

const python = findTorchPython();

describe.skipIf(!hasDemo() || !python)('npm run evaluate:pytorch: the same experiment, trained by the exported PyTorch job (needs python3-torch)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('trains the split npm run evaluate would use and scores exactly its validation and test images', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fovea-pytorch-job-'));
    // 30 demo photographs at 64 px, one epoch: scenario 4 (conv3 onwards trains) in seconds on one thread.
    const config = parseEvaluateArgs(['--train', DEMO_DIR, '--task', 'any-dr', '--scenario', '4', '--input', '64', '--epochs', '1',
      '--batch', '8', '--limit', '30', '--bootstrap', '100', '--no-export', '--out', out]);
    const lines: string[] = [];
    const { metrics } = await runPytorchEvaluation({ config, command: 'test', log: (l) => lines.push(l) }, { python: python!, threads: 1 });

    const [fold] = planExperiment(config).folds;
    const csv = Papa.parse<Record<string, string>>(readFileSync(join(out, 'predictions.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    const idsOf = (set: string) => csv.filter((r) => r.set === set).map((r) => r.image).sort();
    expect(idsOf('test')).toEqual(fold.test.map((it) => it.id).sort());
    expect(idsOf('validation')).toEqual(fold.val.map((it) => it.id).sort());
    for (const row of csv) {
      const sum = Object.entries(row).filter(([k]) => k.startsWith('p_')).reduce((a, [, v]) => a + Number(v), 0);
      expect(sum).toBeCloseTo(1, 4); // softmax averaged over rotations, written with 6 significant digits
    }
    const test = metrics.test as { count: number; set: string };
    expect(test.set).toBe('test');
    expect(test.count).toBe(fold.test.length);

    // The job ran the studio's settings (train.py echoes settings.json) and one epoch of it.
    const trained = JSON.parse(readFileSync(join(out, 'train-py-metrics.json'), 'utf8'));
    expect(trained.settings.inputSize).toBe(64);
    expect(trained.settings.freezeUpTo).toBe('conv2'); // scenario 4: conv1 and conv2 frozen (config.ts SCENARIOS)
    expect(trained.epochs).toHaveLength(1);
    expect(lines.some((l) => l.includes('train.py {"epoch": 0'))).toBe(true);
    // The raw-pixel job folder is removed; the weights and train.py's metrics stay.
    expect(existsSync(join(out, 'pytorch-job'))).toBe(false);
    expect(existsSync(join(out, 'weights.safetensors'))).toBe(true);
  }, 300_000);

  it('refuses --cv and a Python that will not start, in plain words', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fovea-pytorch-job-'));
    const args = ['--train', DEMO_DIR, '--task', 'any-dr', '--input', '64', '--epochs', '1', '--limit', '30', '--bootstrap', '100', '--out', out];
    const log = () => undefined;
    await expect(runPytorchEvaluation({ config: parseEvaluateArgs([...args, '--cv', '3']), command: 'test', log }, { python: python!, threads: 1 }))
      .rejects.toThrow(PytorchJobError);
    await expect(runPytorchEvaluation({ config: parseEvaluateArgs(args), command: 'test', log }, { python: join(out, 'no-python'), threads: 1 }))
      .rejects.toThrow(/no-python did not start/);
  }, 120_000);
});
