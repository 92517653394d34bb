import { imagesFrom } from '../data/image-source';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeNetwork, type FoveaNet } from '../model/classifier';
import { resolveTrainConfig } from '../train/config';
import { inputBatch, type TrainingData } from '../train/trainer';
import { decodeSafetensors } from './safetensors';
import {
  exportTrainingImages, exportTrainingJob, importTrainingResult, prepareStartingNetwork, type TrainingJobItem, type TrainingJobManifest,
} from './training-job';
import { demoImages, hasDemo, imageLookup } from '../../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../../scripts/lib/node-model';
import { findTorchPython, runPython } from '../../../scripts/lib/python-torch';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

const SIZE = 64;
const CLASSES = ['No DR', 'DR'];
const config = resolveTrainConfig({
  scenario: 'custom', freezeUpTo: 'inception_4e', headOn: 'pool5', inputSize: SIZE, epochs: 1, batchSize: 4,
  classWeighting: 'loss', rotations: true, testTimeRotations: true, seed: 11,
});

/** 8 demo images (4 without DR, 4 with), two of them (one per class, other patients) for validation. */
function demoJob() {
  const all = demoImages();
  const pick = [...all.filter((im) => im.grade === 0).slice(0, 4), ...all.filter((im) => im.grade >= 2).slice(0, 4)];
  const items: TrainingJobItem[] = pick.map((im, i) => ({
    id: im.id, classIndex: im.grade === 0 ? 0 : 1, split: i === 3 || i === 7 ? 'val' : 'train',
    patientId: im.id.split('/')[1].split('_')[0],
  }));
  const image = imageLookup(pick, SIZE);
  const data: TrainingData = {
    classNames: CLASSES, ordinal: false, images: imagesFrom(image),
    train: items.filter((it) => it.split === 'train'), val: items.filter((it) => it.split === 'val'),
  };
  return { items, data, image };
}

function unzipTo(dir: string, zip: Uint8Array) {
  for (const [path, bytes] of Object.entries(unzipSync(zip))) {
    if (path.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
}

describe.skipIf(!hasDemo())('Export training job: a zip PyTorch trains with torchrun, and its result back in the studio', () => {
  let base: tf.LayersModel;
  let start: FoveaNet;
  let job: Uint8Array;
  let images: Uint8Array;
  const { items, data, image } = hasDemo() ? demoJob() : ({} as ReturnType<typeof demoJob>);
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
    start = await prepareStartingNetwork(base, data, config);
    job = await exportTrainingJob({ model: start.model, config, classNames: CLASSES, ordinal: false, items });
    images = await exportTrainingImages(items, imagesFrom(image), SIZE);
  });
  afterAll(() => disposeNetwork(start?.model, base));

  it('holds the manifest (files, labels, split, patients), the settings, the starting weights and the Python package', () => {
    const files = unzipSync(job);
    expect(Object.keys(files).filter((f) => !f.endsWith('/')).sort()).toEqual(
      ['job/README.md', 'job/manifest.json', 'job/model.py', 'job/settings.json', 'job/start.safetensors', 'job/train.py'],
    );
    const manifest = JSON.parse(strFromU8(files['job/manifest.json'])) as TrainingJobManifest;
    expect(manifest).toMatchObject({ format: 'fovea-training-job', classNames: CLASSES, inputSize: SIZE });
    expect(manifest.items[0]).toMatchObject({ ...items[0], className: 'No DR', pixels: '000000.rgb' });
    expect(JSON.parse(strFromU8(files['job/settings.json']))).toEqual(config);
    const { metadata, tensors } = decodeSafetensors(files['job/start.safetensors']);
    expect(metadata).toMatchObject({ head_on: 'pool5', num_classes: '2' });
    expect(tensors.get('fovea_classifier.weight')!.shape).toEqual([2, 1024]);
    const pixels = unzipSync(images);
    expect(pixels['images/000007.rgb']).toEqual(image(items[7].id).data); // the studio's own crop and resize
  });

  const python = findTorchPython();
  it.skipIf(!python)('trains one epoch with torchrun --nproc_per_node=2 (gloo), and the imported net predicts as PyTorch within 1e-4 (needs python3 with torch, else skipped: apt-get install python3-torch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fovea-job-'));
    try {
      unzipTo(dir, job);
      unzipTo(dir, images);
      // torchrun is `python -m torch.distributed.run`. `-r 1 -t 1` (tee stdout, prefixed by [default<rank>]:) works
      // around torch 1.13 on Python 3.11 (Debian 12), whose default '-r 0' fails to parse (enum Flag iteration).
      const log = runPython(python!, [
        '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '-r', '1', '-t', '1',
        'train.py', '--images', '../images', '--out', 'result',
      ], join(dir, 'job'), 110_000);
      const epochLines = log.split('\n').map((l) => l.replace(/^\[default\d+\]:/, '')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      expect(epochLines).toHaveLength(1); // one JSON line per epoch, from rank 0 only
      expect(Object.keys(epochLines[0]).sort()).toEqual(['epoch', 'learningRate', 'seconds', 'trainAccuracy', 'trainLoss', 'valAccuracy', 'valLoss']);

      const files = new Map(['weights.safetensors', 'metrics.json'].map((f) => [f, new Uint8Array(readFileSync(join(dir, 'job', 'result', f)))]));
      const base2 = await loadGoogLeNet();
      const result = importTrainingResult(base2, files, { classNames: CLASSES, ordinal: false });
      try {
        expect(result.metrics.worldSize).toBe(2);
        expect(result.epochs).toHaveLength(1);
        expect(result.bestEpoch).toBe(0);
        expect(result.report.count).toBe(2);
        expect(result.report.loss).toBeCloseTo(result.metrics.val.loss, 6);
        // It trained: the head moved from the starting weights.
        const startHead = start.model.getLayer('fovea_classifier').getWeights()[0].dataSync();
        const trainedHead = result.net.model.getLayer('fovea_classifier').getWeights()[0].dataSync();
        expect(Math.max(...trainedHead.map((v, i) => Math.abs(v - startHead[i])))).toBeGreaterThan(1e-6);

        // The studio's prediction with the imported weights: mean softmax over the 4 rotations, as PyTorch's.
        const val = data.val;
        const x = await inputBatch(data, val.flatMap((it) => [0, 1, 2, 3].map((rotation) => ({ id: it.id, rotation }))), SIZE);
        const probs = tf.tidy(() => tf.mean(tf.reshape(result.net.model.predict(x) as tf.Tensor, [val.length, 4, 2]), 1));
        const studio = probs.arraySync() as number[][];
        tf.dispose([x, probs]);
        expect(result.metrics.val.ids).toEqual(val.map((it) => it.id));
        const diff = Math.max(...studio.flatMap((row, i) => row.map((p, j) => Math.abs(p - result.metrics.val.probs[i][j]))));
        expect(diff).toBeLessThan(1e-4);
      } finally {
        disposeNetwork(result.net.model, base2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
