import { imagesFrom } from '../core/data/image-source';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoImages, hasDemo, imageLookup } from '../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../scripts/lib/node-model';
import { writeCaffeInput } from '../core/data/preprocess';
import type { FoveaManifest } from '../core/export/package';
import { disposeNetwork } from '../core/model/classifier';
import { RunControl } from '../core/train/run-control';
import { trainClassifier } from '../core/train/trainer';
import { COMPARE_RUN_IDS, type CompareEvent, type TrainRequest } from './protocol';
import { resolveTrainConfig } from '../core/train/config';
import { ComparedRuns, compareAll, compareRunConfig, makeComparedRunCurrent } from './compare-all';
import { computeGradCam, GradCamCache, insideNetwork, type TeachingContext } from './network-views';

// The worker's teaching tools in Node on the CPU backend, real weights and demo photographs at 64 px (no
// canvas needed: the stored images are already at the run's size).
const SIZE = 64;

describe('compareRunConfig', () => {
  it("gives each run its scenario's freeze and head, and from scratch a random start that trains every layer", () => {
    const base = { inputSize: 128, epochs: 3, seed: 7 };
    expect(compareRunConfig('linear-early', base)).toMatchObject({ scenario: 'linear-early', freezeUpTo: 'all', headOn: 'inception_4c', epochs: 3, seed: 7 });
    expect(compareRunConfig('from-scratch', base, 64)).toMatchObject({
      freezeUpTo: 'none', headOn: 'pool5', initialisation: 'random', pretrainedLrMultiplier: 1, inputSize: 64, epochs: 3, seed: 7,
    });
    expect(compareRunConfig('from-scratch', base).inputSize).toBe(128);
  });

  it("applies the form's head training to scenarios 1 and 3 only: a fitted head does not reach the runs that train convolutions", () => {
    const form = { inputSize: 64, headFit: 'converged' as const };
    for (const id of COMPARE_RUN_IDS) expect(() => resolveTrainConfig(compareRunConfig(id, form))).not.toThrow();
    expect(resolveTrainConfig(compareRunConfig('finetune-all', form)).headFit).toBe('sgd');
    expect(resolveTrainConfig(compareRunConfig('linear-top', { ...form, headFit: 'sgd' })).headFit).toBe('sgd');
  });
});

describe.skipIf(!hasDemo())('teaching tools on the CPU backend (Node, 64 px)', () => {
  let request: TrainRequest;
  let image: (id: string) => ReturnType<ReturnType<typeof imageLookup>>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const all = demoImages();
    const pick = (grade: number) => all.filter((d) => d.grade === grade).slice(0, 5);
    const chosen = [...pick(0), ...pick(2)];
    image = imageLookup(chosen, SIZE);
    request = {
      config: { scenario: 'linear-top', inputSize: SIZE, epochs: 1, batchSize: 8, rotations: false, testTimeRotations: false },
      classNames: ['No DR', 'Moderate'], ordinal: false, presetId: 'referable-dr', dataset: { source: 'test' },
      items: chosen.map((d, i) => ({ id: d.id, classIndex: d.grade === 0 ? 0 : 1, split: i % 5 < 3 ? 'train' : 'val' })),
    };
  });

  const context = (current: ReturnType<TeachingContext['current']> = null): TeachingContext => ({
    current: () => current,
    datasetImages: () => imagesFrom(image),
    decode: async () => { throw new Error('not used'); },
    loadPretrained: loadGoogLeNet,
    backend: () => ({ backend: 'cpu', trainsConvolutions: false }),
    images: () => imagesFrom(image),
    provenance: () => ({ source: 'test' }),
    makeCurrent: (model, record) => {
      madeCurrent.push(model);
      return { classNames: record.manifest.classNames, inputSize: record.manifest.inputSize, origin: 'trained', manifest: record.manifest, modelCard: record.modelCard };
    },
  });
  const madeCurrent: tf.LayersModel[] = [];

  it('compares: scenarios 1 and 3 train, the runs that train convolutions are skipped with the reason, no tensor is left', async () => {
    const before = tf.memory().numTensors;
    const events: CompareEvent[] = [];
    const kept = new ComparedRuns();
    const results = await compareAll(context(), request, new RunControl(), (e) => events.push(e), kept, true);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['linear-top', 'done'], ['finetune-all', 'skipped'], ['linear-early', 'done'], ['finetune-pretrained', 'skipped'], ['from-scratch', 'skipped'],
    ]);
    // The head on pool5 reads 1024 features, on inception_4c 512: (features + 1) x 2 classes.
    expect(results[0].trainableParams).toBe(2050);
    expect(results[2].trainableParams).toBe(1026);
    for (const r of [results[0], results[2]]) {
      expect(r.report!.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.epochs).toHaveLength(1);
      expect(r.seconds).toBeGreaterThan(0);
    }
    expect(results[4].reason).toMatch(/cannot train convolution/);
    expect(events.filter((e) => e.type === 'run-end')).toHaveLength(5);
    expect(events.some((e) => e.type === 'run-progress')).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // The finished runs are kept as weights (off the GPU) with their predictions; the skipped ones are not.
    expect(results[2].keptBytes).toBeGreaterThan(0);
    expect(results[2].report?.predictions).toHaveLength(request.items.filter((i) => i.split === 'val').length);
    expect([kept.has('linear-top'), kept.has('finetune-all')]).toEqual([true, false]);
    // Any kept run becomes the current model through the same record as train(): manifest, summary, model card.
    const adopted = await makeComparedRunCurrent(context(), kept, 'linear-early');
    expect(adopted.model.manifest.scenario).toBe('linear-early');
    expect(adopted.model.manifest.training.headOn).toBe('inception_4c');
    expect(adopted.model.modelCard).toMatch(/scenario 3:/);
    expect(adopted.report.accuracy).toBe(results[2].report!.accuracy);
    expect(adopted.summary).toBeDefined();
    const model = madeCurrent.pop()!;
    // Its weights are the run's: the same validation predictions.
    const [first] = results[2].report!.predictions;
    const buf = new Float32Array(SIZE * SIZE * 3);
    writeCaffeInput(image(first.id), buf, 0);
    const x = tf.tensor4d(buf, [1, SIZE, SIZE, 3]);
    const y = model.predict(x) as tf.Tensor;
    const probs = Array.from(await y.data());
    tf.dispose([x, y]);
    probs.forEach((p, i) => expect(p).toBeCloseTo(first.probs[i], 4));
    disposeNetwork(model);
    expect(tf.memory().numTensors).toBe(before);
    kept.clear();
    await expect(makeComparedRunCurrent(context(), kept, 'linear-top')).rejects.toThrow(/not kept any more/);
  }, 300_000);

  it('answers a cancelled comparison with the runs not started marked cancelled', async () => {
    const control = new RunControl();
    control.cancel();
    const results = await compareAll(context(), request, control, () => {}, new ComparedRuns(), true);
    expect(results.every((r) => r.status === 'cancelled')).toBe(true);
  });

  it('computes Grad-CAM and the inside-the-network views of a trained model, freeing every tensor', async () => {
    const base = await loadGoogLeNet();
    const side = (s: string) => request.items.filter((i) => i.split === s).map(({ id, classIndex }) => ({ id, classIndex }));
    const outcome = await trainClassifier(base, { classNames: request.classNames, ordinal: false, train: side('train'), val: side('val'), images: imagesFrom(image) }, request.config);
    const manifest = {
      classNames: request.classNames, inputSize: SIZE, preprocessing: { crop: 'field-of-view' }, training: outcome.config,
    } as unknown as FoveaManifest;
    const ctx = context({ model: outcome.net.model, manifest });
    const cache = new GradCamCache();
    const before = tf.memory().numTensors;
    const answer = await computeGradCam(ctx, cache, { source: { imageId: side('val')[0].id } });
    // inception_5b at 64 px: 64 / 32 = 2.
    expect([answer.heatmap.width, answer.heatmap.height, answer.layerName]).toEqual([2, 2, 'inception_5b_output']);
    expect(Math.max(...answer.heatmap.values)).toBeLessThanOrEqual(1);
    expect([answer.image.width, answer.image.height]).toEqual([SIZE, SIZE]);
    const chosen = await computeGradCam(ctx, cache, { source: { imageId: side('val')[0].id }, classIndex: 1, block: 'inception_4c' });
    expect([chosen.classIndex, chosen.layerName, chosen.heatmap.width]).toEqual([1, 'inception_4c_output', 4]);
    expect(tf.memory().numTensors).toBe(before);

    const inside = await insideNetwork(ctx, side('val'));
    expect(inside.filtersIdentical).toBe(true); // scenario 1 freezes conv1
    expect(inside.pcaBefore.points).toHaveLength(side('val').length);
    expect(inside.filtersBefore.data.length).toBe(inside.filtersBefore.width * inside.filtersBefore.height * 4);
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(outcome.net.model, base);
  }, 300_000);
});
