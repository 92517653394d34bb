import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasDemo, twoGradeTrainingData } from '../../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../../scripts/lib/node-model';
import { disposeNetwork, type FoveaNet } from '../model/classifier';
import {
  checkCheckpointFits, CheckpointMismatchError, configDifference, type SavedTensor, savedConfig, type TrainingCheckpoint, withBatchSize,
} from './checkpoint';
import { resolveTrainConfig, type TrainConfig } from './config';
import { isAllowed, SETTING_NAMES, settingAt, settingSpec } from './settings';
import type { EpochSummary } from './events';
import { RunControl } from './run-control';
import { trainClassifier, type TrainerHooks, type TrainingData } from './trainer';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

// Real weights and real demo photographs, on the wasm backend at 64 px, as in trainer.test.ts.
const SIZE = 64;

/** Largest absolute difference between two lists of saved tensors of the same shapes. */
function maxDifference(a: SavedTensor[], b: SavedTensor[]): number {
  expect(b.map((t) => t.shape)).toEqual(a.map((t) => t.shape));
  let max = 0;
  a.forEach((t, i) => t.values.forEach((v, j) => { max = Math.max(max, Math.abs(v - b[i].values[j])); }));
  return max;
}

const netWeights = (net: FoveaNet): SavedTensor[] => [...net.headVariables, ...net.pretrainedVariables]
  .map((v) => ({ name: v.originalName, shape: v.shape as number[], values: Float32Array.from(v.read().dataSync()) }));

/** Epoch summaries without their wall-clock seconds (which differ from run to run). */
const curves = (epochs: EpochSummary[]) => epochs.map(({ seconds: _s, ...rest }) => rest);

describe('configDifference', () => {
  it('names the first differing setting, nested ones by their path', () => {
    const a = resolveTrainConfig({ epochs: 3 });
    expect(configDifference(a, resolveTrainConfig({ epochs: 3 }))).toBeNull();
    expect(configDifference(a, { ...a, learningRate: 0.02 })).toEqual({ field: 'learningRate', saved: 0.01, current: 0.02 });
    expect(configDifference(a, { ...a, earlyStopping: { ...a.earlyStopping, patience: 5 } }))
      .toEqual({ field: 'earlyStopping.patience', saved: 3, current: 5 });
  });
});

describe('withBatchSize', () => {
  const config = resolveTrainConfig({ epochs: 3, batchSize: 16 });
  const checkpoint: TrainingCheckpoint = {
    format: 'fovea-training-checkpoint', version: 1, config, classCount: 2, epoch: 0,
    epochs: [{ epoch: 0, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, learningRate: 0.01, seconds: 1 }],
    earlyStopping: { bestLoss: 1, bestEpoch: 0, wait: 0 }, featureScale: 1, weights: [], optimizers: { head: [], pretrained: [] },
    best: null, dropoutDraws: 3, pace: { imagesDone: 8, trainSeconds: 1 },
  };
  it('lets a run continue at a smaller batch size, and only that setting', () => {
    const smaller = { ...config, batchSize: 8 };
    expect(() => checkCheckpointFits(checkpoint, smaller, 2)).toThrow(CheckpointMismatchError);
    expect(() => checkCheckpointFits(withBatchSize(checkpoint, 8), smaller, 2)).not.toThrow();
    expect(() => checkCheckpointFits(withBatchSize(checkpoint, 8), { ...smaller, learningRate: 0.02 }, 2)).toThrow(/learningRate/);
    expect(checkpoint.config.batchSize).toBe(16); // the saved one is left as it was
    expect(() => withBatchSize(checkpoint, 0)).toThrow(CheckpointMismatchError);
  });
});

describe('checkpoints saved before a setting existed', () => {
  const config = resolveTrainConfig({ epochs: 3 });
  const { headPooling: _absent, ...older } = config;
  const checkpoint: TrainingCheckpoint = {
    format: 'fovea-training-checkpoint', version: 1, config: older as TrainConfig, classCount: 2, epoch: 0,
    epochs: [{ epoch: 0, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, learningRate: 0.01, seconds: 1 }],
    earlyStopping: { bestLoss: 1, bestEpoch: 0, wait: 0 }, featureScale: 1, weights: [], optimizers: { head: [], pretrained: [] },
    best: null, dropoutDraws: 0, pace: { imagesDone: 4, trainSeconds: 1 },
  };

  it("resume with headPooling 'average' (what they trained with), and only with it", () => {
    expect(() => checkCheckpointFits(checkpoint, config, 2)).not.toThrow();
    expect(savedConfig(checkpoint).headPooling).toBe('average');
    expect(() => checkCheckpointFits(checkpoint, resolveTrainConfig({ epochs: 3, headPooling: 'gem' }), 2))
      .toThrow(/'headPooling' is "average" in the checkpoint but "gem" here/);
  });

  it("resume with headFit 'sgd' (the epochs they ran), and only with it", () => {
    const frozen = resolveTrainConfig({ scenario: 'linear-top', epochs: 3 });
    const { headFit: _none, ...beforeHeadFit } = frozen;
    const saved = { ...checkpoint, config: beforeHeadFit as TrainConfig };
    expect(savedConfig(saved).headFit).toBe('sgd');
    expect(() => checkCheckpointFits(saved, { ...frozen, headFit: 'sgd' }, 2)).not.toThrow();
    expect(() => checkCheckpointFits(saved, frozen, 2)).toThrow(/'headFit' is "sgd" in the checkpoint but "converged" here/);
  });

  /** The config without one setting, as a checkpoint saved before the setting existed holds it. */
  const without = (c: TrainConfig, name: string): TrainConfig => {
    const copy = structuredClone(c) as unknown as Record<string, Record<string, unknown>>;
    const [group, leaf] = name.split('.');
    if (leaf) delete copy[group][leaf];
    else delete copy[group];
    return copy as unknown as TrainConfig;
  };
  const withValue = (c: TrainConfig, name: string, value: unknown): TrainConfig => {
    const copy = structuredClone(c) as unknown as Record<string, unknown>;
    const [group, leaf] = name.split('.');
    if (leaf) copy[group] = { ...(copy[group] as object), [leaf]: value };
    else copy[name] = value;
    return copy as unknown as TrainConfig;
  };

  it('resume, for every setting the table says checkpoints may predate, with the value runs had then, and only with it', () => {
    const later = SETTING_NAMES.filter((n) => { const r = settingSpec(n).checkpoint; return r.mustMatch && r.before !== undefined; });
    expect(later).toEqual(expect.arrayContaining(['headPooling', 'headFit', 'headFeatures']));
    for (const name of later) {
      const rule = settingSpec(name).checkpoint as { before: unknown };
      const saved = { ...checkpoint, config: without(config, name) };
      expect(() => checkCheckpointFits(saved, withValue(config, name, rule.before), 2), name).not.toThrow();
      const type = settingSpec(name).type;
      const other = type.kind === 'choice' ? type.values.find((v) => v !== rule.before) : !rule.before;
      expect(isAllowed(name, other), name).toBe(true);
      expect(() => checkCheckpointFits(saved, withValue(config, name, other), 2), name)
        .toThrow(`the training setting '${name}' is ${JSON.stringify(rule.before)} in the checkpoint but ${JSON.stringify(other)} here`);
    }
  });

  it('are refused plainly when they lack a setting checkpoints have always held', () => {
    const saved = { ...checkpoint, config: without(config, 'earlyStopping.patience') };
    expect(() => checkCheckpointFits(saved, config, 2)).toThrow("the training setting 'earlyStopping.patience' is absent in the checkpoint but 3 here");
    expect(() => checkCheckpointFits({ ...checkpoint, config: without(config, 'dropout') }, config, 2)).toThrow(/'dropout' is absent/);
  });

  it('are refused when saved by a version with a setting this one does not know', () => {
    const newer = { ...checkpoint, config: { ...config, headDepth: 2 } as TrainConfig };
    expect(() => checkCheckpointFits(newer, config, 2)).toThrow("the training setting 'headDepth' is 2 in the checkpoint but absent here");
  });

  it('resume under another scenario label when freeze and head are the same (the table: scenario may differ)', () => {
    const linearTop = resolveTrainConfig({ scenario: 'linear-top', epochs: 3 });
    const custom = resolveTrainConfig({ scenario: 'custom', freezeUpTo: 'all', headOn: 'pool5', epochs: 3 });
    expect(settingAt(custom, 'scenario')).toBe('custom');
    expect(() => checkCheckpointFits({ ...checkpoint, config: linearTop }, custom, 2)).not.toThrow();
    expect(() => checkCheckpointFits({ ...checkpoint, config: linearTop }, { ...custom, headOn: 'inception_4c' }, 2)).toThrow(/'headOn'/);
  });

  it("keep a saved headPooling over the default", () => {
    const gem = { ...checkpoint, config: resolveTrainConfig({ epochs: 3, headPooling: 'gem' }) };
    expect(() => checkCheckpointFits(gem, config, 2)).toThrow(/headPooling/);
  });
});

describe.skipIf(!hasDemo())('epoch-end checkpoints and exact resume (Node, wasm backend, 64 px)', () => {
  let data: TrainingData;
  beforeAll(async () => {
    await useWasmBackend();
    data = twoGradeTrainingData(SIZE);
  });

  /** Trains on a freshly loaded GoogLeNet, collecting the run's checkpoints; the caller frees net and base. */
  async function run(config: Partial<TrainConfig>, hooks: TrainerHooks = {}, runData = data) {
    const base = await loadGoogLeNet();
    const checkpoints: TrainingCheckpoint[] = [];
    const outcome = await trainClassifier(base, runData, config, {
      ...hooks,
      onCheckpoint: async (c) => {
        checkpoints.push(c);
        await hooks.onCheckpoint?.(c);
      },
    });
    return { base, outcome, checkpoints };
  }

  // inception_5b trains beside the head (so the pretrained optimizer has slots), with dropout and rotations drawing
  // randomness; 4 training images in batches of 2: 2 steps an epoch. (Caching inception_5a's features of each
  // image at each rotation is most of a run's time on the wasm backend: the data is kept this small.)
  const resumable = (optimizer: TrainConfig['optimizer']): Partial<TrainConfig> => ({
    scenario: 'custom', freezeUpTo: 'inception_5a', headOn: 'pool5', inputSize: SIZE, epochs: 3, batchSize: 2,
    optimizer, dropout: 0.4, rotations: true, testTimeRotations: false, seed: 5,
    earlyStopping: { enabled: false, patience: 1, minDelta: 0 },
  });
  const small = (): TrainingData => {
    const twoOf = (items: TrainingData['train'], c: number) => items.filter((it) => it.classIndex === c).slice(0, 2);
    return { ...data, train: [...twoOf(data.train, 0), ...twoOf(data.train, 1)], val: [...twoOf(data.val, 0), ...twoOf(data.val, 1)] };
  };

  it.each([
    { optimizer: 'sgd-momentum', how: 'cancelled after epoch 2' },
    { optimizer: 'adam', how: 'restarted from epoch 2' },
  ] as const)(
    'a seeded $optimizer run $how and resumed ends as the uninterrupted run: same weights, curves and best epoch',
    async ({ optimizer }) => {
      const config = resumable(optimizer);
      const whole = await run(config, {}, small());
      expect(whole.checkpoints.map((c) => c.epoch)).toEqual([0, 1, 2]);

      let stored: TrainingCheckpoint;
      if (optimizer === 'sgd-momentum') {
        // A tab that dies after epoch 2's checkpoint was stored: the run stops before epoch 3's first batch.
        const control = new RunControl();
        const cut = await run(config, { control, onCheckpoint: (c) => { if (c.epoch === 1) control.cancel(); } }, small());
        expect(cut.outcome.stoppedBecause).toBe('cancelled');
        expect(cut.checkpoints).toHaveLength(2);
        stored = structuredClone(cut.checkpoints[1]); // as IndexedDB gives it back
        disposeNetwork(cut.outcome.net.model, cut.base);
      } else {
        stored = structuredClone(whole.checkpoints[1]);
      }
      expect(stored.dropoutDraws).toBe(4); // one mask per training step: 2 epochs x 2 batches
      expect(stored.optimizers.pretrained.length).toBeGreaterThan(1); // iterations + inception_5b's slots

      const resumed = await run(config, { resumeFrom: stored }, small());
      expect(resumed.checkpoints.map((c) => c.epoch)).toEqual([2]);
      const [a, b] = [whole.checkpoints[2], resumed.checkpoints[0]];
      // The same state after epoch 3: weights, momentum / Adam moments (and iterations), dropout stream, pace.
      expect(maxDifference(a.weights, b.weights)).toBeLessThan(1e-5);
      expect(maxDifference(a.optimizers.head, b.optimizers.head)).toBeLessThan(1e-5);
      expect(maxDifference(a.optimizers.pretrained, b.optimizers.pretrained)).toBeLessThan(1e-5);
      expect(b.dropoutDraws).toBe(a.dropoutDraws);
      expect(b.pace.imagesDone).toBe(a.pace.imagesDone);
      expect(b.earlyStopping).toEqual(a.earlyStopping);
      // The same curves (the resumed run's epochs 1 and 2 come from the checkpoint, epoch 3 is trained again).
      expect(resumed.outcome.epochs).toHaveLength(3);
      curves(resumed.outcome.epochs).forEach((e, i) => {
        const w = curves(whole.outcome.epochs)[i];
        for (const key of Object.keys(w) as (keyof typeof w)[]) expect(e[key]).toBeCloseTo(w[key], 6);
      });
      // The same outcome: best epoch and the weights the net holds (that epoch's).
      expect(resumed.outcome.bestEpoch).toBe(whole.outcome.bestEpoch);
      expect(resumed.outcome.stoppedBecause).toBe('completed');
      expect(maxDifference(netWeights(whole.outcome.net), netWeights(resumed.outcome.net))).toBeLessThan(1e-5);
      disposeNetwork(whole.outcome.net.model, whole.base);
      disposeNetwork(resumed.outcome.net.model, resumed.base);
    },
    600_000,
  );

  // Cheap runs for the remaining checks: a linear head on cached pool5 features, no rotations, trained by SGD
  // epochs (a converged head fit is one step: trainer-head-fit.test.ts checks its checkpoint).
  const quick: Partial<TrainConfig> = {
    scenario: 'linear-top', inputSize: SIZE, epochs: 2, batchSize: 8, rotations: false, testTimeRotations: false,
    earlyStopping: { enabled: false, patience: 1, minDelta: 0 }, headFit: 'sgd',
  };

  it('refuses a checkpoint of another config, class count or variable shape (CheckpointMismatchError), and frees what it built', async () => {
    const first = await run(quick);
    const checkpoint = first.checkpoints[0];
    disposeNetwork(first.outcome.net.model, first.base);
    const base = await loadGoogLeNet();
    const before = tf.memory().numTensors;
    const refusal = (config: Partial<TrainConfig>, resumeFrom: TrainingCheckpoint) =>
      trainClassifier(base, data, config, { resumeFrom }).then(() => null, (e: unknown) => e as Error);

    const rate = await refusal({ ...quick, learningRate: 0.02 }, checkpoint);
    expect(rate).toBeInstanceOf(CheckpointMismatchError);
    expect(rate?.message).toBe("The checkpoint does not fit this run: the training setting 'learningRate' is 0.01 in the checkpoint " +
      'but 0.02 here. Resume with the settings and dataset the checkpoint was saved with, or start a new run.');
    expect(await refusal(quick, { ...checkpoint, classCount: 3 }))
      .toHaveProperty('message', expect.stringContaining('the number of classes is 3 in the checkpoint but 2 here'));
    // Found only once the net is built: what was built is freed.
    const kernel = checkpoint.weights[0];
    const wrongShape = { ...checkpoint, weights: [{ ...kernel, shape: [kernel.shape[0] / 2, 4] }, ...checkpoint.weights.slice(1)] };
    const shape = await refusal(quick, wrongShape);
    expect(shape).toBeInstanceOf(CheckpointMismatchError);
    expect(shape?.message).toContain("the shape of trainable weights 'fovea_classifier/kernel' is [512, 4] in the checkpoint but [1024, 2] here");
    const slots = checkpoint.optimizers.head;
    const wrongSlots = { ...checkpoint, optimizers: { ...checkpoint.optimizers, head: slots.slice(0, -1) } };
    expect(await refusal(quick, wrongSlots)).toBeInstanceOf(CheckpointMismatchError);
    expect(tf.memory().numTensors).toBe(before);
    disposeNetwork(base);
  }, 300_000);

  it('leaks no tensor in a resumed run, and a run resumed after its last epoch just finishes (best weights, test split)', async () => {
    const test = data.val.slice(0, 2);
    const first = await run(quick, {}, { ...data, test });
    const firstWeights = netWeights(first.outcome.net);
    disposeNetwork(first.outcome.net.model, first.base);
    const beforeBase = tf.memory().numTensors;
    const base = await loadGoogLeNet();
    const withBase = tf.memory().numTensors;
    const counts: number[] = [];
    const resumed = await trainClassifier(base, { ...data, test }, quick, {
      resumeFrom: structuredClone(first.checkpoints[0]),
      onCheckpoint: () => { counts.push(tf.memory().numTensors); },
    });
    expect(counts).toHaveLength(1);
    expect(curves(resumed.epochs)).toEqual(curves(first.outcome.epochs));
    // The run's net adds only the head's kernel and bias to what the caller holds.
    expect(tf.memory().numTensors).toBe(withBase + 2);
    disposeNetwork(resumed.net.model, base);
    expect(tf.memory().numTensors).toBe(beforeBase);

    const finishedBase = await loadGoogLeNet();
    const finished = await trainClassifier(finishedBase, { ...data, test }, quick, { resumeFrom: structuredClone(first.checkpoints[1]) });
    expect(finished.epochs).toEqual(first.outcome.epochs);
    expect(finished.bestEpoch).toBe(first.outcome.bestEpoch);
    expect(finished.stoppedBecause).toBe('completed');
    expect(finished.test!.predictions).toEqual(first.outcome.test!.predictions);
    expect(maxDifference(netWeights(finished.net), firstWeights)).toBe(0);
    disposeNetwork(finished.net.model, finishedBase);
    expect(tf.memory().numTensors).toBe(beforeBase);
  }, 300_000);
});
