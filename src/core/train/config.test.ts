import { describe, expect, it } from 'vitest';
import { INPUT_SIZES, InvalidTrainConfigError, learningRateAt, resolveTrainConfig, type TrainConfig } from './config';

describe('resolveTrainConfig', () => {
  it('fills the documented defaults (scenario 4: fine-tune all but conv1/conv2)', () => {
    expect(resolveTrainConfig()).toEqual({
      scenario: 'finetune-pretrained', freezeUpTo: 'conv2', headOn: 'pool5', headPooling: 'average', headFeatures: 'last', inputSize: 224, epochs: 10, batchSize: 16,
      optimizer: 'sgd-momentum', learningRate: 0.01, momentum: 0.9, pretrainedLrMultiplier: 0.1, weightDecay: 5e-4,
      lrSchedule: 'cosine', stepEpochs: 4, stepGamma: 0.1, rotations: true,
      earlyStopping: { enabled: true, patience: 3, minDelta: 0 }, dropout: 0.4, seed: 42,
      classWeighting: 'loss', testTimeRotations: true, initialisation: 'pretrained', headFit: 'sgd',
    } satisfies TrainConfig);
  });

  it("fits a frozen backbone's head to convergence by default, keeps SGD when asked, refuses it on a trainable backbone", () => {
    expect(resolveTrainConfig({ scenario: 'linear-top' }).headFit).toBe('converged');
    expect(resolveTrainConfig({ scenario: 'linear-early' }).headFit).toBe('converged');
    expect(resolveTrainConfig({ scenario: 'linear-top', headFit: 'sgd' }).headFit).toBe('sgd');
    expect(resolveTrainConfig({ scenario: 'finetune-all' }).headFit).toBe('sgd');
    expect(() => resolveTrainConfig({ scenario: 'finetune-pretrained', headFit: 'converged' })).toThrow(InvalidTrainConfigError);
    expect(() => resolveTrainConfig({ scenario: 'linear-top', headFit: 'newton' as never })).toThrow(/headFit/);
  });

  it("takes freeze and head from the scenario, and Adam's default rate 1e-3", () => {
    const c = resolveTrainConfig({ scenario: 'linear-early', optimizer: 'adam' });
    expect([c.freezeUpTo, c.headOn, c.learningRate]).toEqual(['all', 'inception_4c', 1e-3]);
    expect(resolveTrainConfig({ earlyStopping: { patience: 5 } as TrainConfig['earlyStopping'] }).earlyStopping)
      .toEqual({ enabled: true, patience: 5, minDelta: 0 });
  });

  const bad: [Partial<TrainConfig>, string][] = [
    [{ inputSize: 100 }, 'inputSize'],
    [{ inputSize: 544 }, 'inputSize'],
    [{ headPooling: 'median' as never }, 'headPooling'],
    [{ scenario: 'linear-early', headFeatures: 'all' as never }, 'headFeatures'],
    // Richer features are for a frozen backbone only; mean-max pools both ways itself.
    [{ scenario: 'finetune-pretrained', headFeatures: 'mean-max' }, 'headFeatures'],
    [{ scenario: 'linear-early', headFeatures: 'mean-max', headPooling: 'gem' }, 'headPooling'],
    [{ epochs: 0 }, 'epochs'],
    [{ batchSize: 2.5 }, 'batchSize'],
    [{ stepEpochs: -1 }, 'stepEpochs'],
    [{ earlyStopping: { enabled: true, patience: 0, minDelta: 0 } }, 'earlyStopping.patience'],
    [{ earlyStopping: { enabled: true, patience: 2, minDelta: -1 } }, 'earlyStopping.minDelta'],
    [{ learningRate: 0 }, 'learningRate'],
    [{ learningRate: 10 }, 'learningRate'],
    [{ momentum: 1 }, 'momentum'],
    [{ pretrainedLrMultiplier: -0.1 }, 'pretrainedLrMultiplier'],
    [{ weightDecay: 1 }, 'weightDecay'],
    [{ stepGamma: 0 }, 'stepGamma'],
    [{ dropout: 1 }, 'dropout'],
    [{ optimizer: 'rmsprop' as never }, 'optimizer'],
    [{ lrSchedule: 'linear' as never }, 'lrSchedule'],
    [{ freezeUpTo: 'conv3' as never }, 'freezeUpTo'],
    [{ headOn: 'fc7' as never }, 'headOn'],
    [{ headOn: 'inception_4a', freezeUpTo: 'inception_4c' }, 'freezeUpTo'],
    [{ classWeighting: 'focal' as never }, 'classWeighting'],
    [{ testTimeRotations: 'yes' as never }, 'testTimeRotations'],
    [{ seed: 1.5 }, 'seed'],
    [{ scenario: 'scenario-5' as never }, 'scenario'],
  ];
  it.each(bad)('rejects %j naming the field %s and the bad value', (partial, field) => {
    let error: unknown;
    try {
      resolveTrainConfig(partial);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTrainConfigError);
    expect((error as InvalidTrainConfigError).field).toBe(field);
    expect((error as Error).message).toContain(`'${field}'`);
  });
});

describe('resolveTrainConfig: input size and head pooling', () => {
  it('takes every multiple of 32 from 64 to 512 px, and refuses 544 saying the range', () => {
    expect(INPUT_SIZES[0]).toBe(64);
    expect(INPUT_SIZES.at(-1)).toBe(512);
    expect(INPUT_SIZES).toHaveLength(15);
    for (const inputSize of INPUT_SIZES) expect(resolveTrainConfig({ inputSize }).inputSize).toBe(inputSize);
    expect(() => resolveTrainConfig({ inputSize: 544 })).toThrow('a multiple of 32 from 64 to 512 px');
    expect(() => resolveTrainConfig({ inputSize: 96.5 })).toThrow(InvalidTrainConfigError);
  });

  it("keeps 'max' and 'gem' pooling at every head position", () => {
    for (const headPooling of ['average', 'max', 'gem'] as const) {
      expect(resolveTrainConfig({ headPooling }).headPooling).toBe(headPooling);
      expect(resolveTrainConfig({ scenario: 'linear-early', headPooling }).headPooling).toBe(headPooling);
    }
    expect(() => resolveTrainConfig({ headPooling: 'median' as never })).toThrow(/'headPooling' is "median"; expected 'average', 'max' or 'gem'/);
  });
});

describe('resolveTrainConfig: initialisation (from scratch)', () => {
  it("defaults to 'pretrained'; 'random' trains every layer at the full rate unless told otherwise", () => {
    expect(resolveTrainConfig().initialisation).toBe('pretrained');
    const scratch = resolveTrainConfig({ scenario: 'finetune-all', initialisation: 'random' });
    expect(scratch.freezeUpTo).toBe('none');
    expect(scratch.pretrainedLrMultiplier).toBe(1);
    expect(resolveTrainConfig({ scenario: 'finetune-all', initialisation: 'random', pretrainedLrMultiplier: 0.5 }).pretrainedLrMultiplier).toBe(0.5);
  });

  it('refuses a random start with frozen layers, and an unknown initialisation, naming the value', () => {
    expect(() => resolveTrainConfig({ scenario: 'linear-top', initialisation: 'random' })).toThrow(InvalidTrainConfigError);
    expect(() => resolveTrainConfig({ initialisation: 'imagenet' as never })).toThrow(/'initialisation' is "imagenet"/);
  });
});

describe('learningRateAt', () => {
  it('constant: the same rate every epoch', () => {
    const c = resolveTrainConfig({ lrSchedule: 'constant', learningRate: 0.02 });
    expect([0, 5, 9].map((e) => learningRateAt(c, e))).toEqual([0.02, 0.02, 0.02]);
  });

  it('step: x gamma every stepEpochs epochs', () => {
    const c = resolveTrainConfig({ lrSchedule: 'step', learningRate: 0.01, stepEpochs: 3, stepGamma: 0.5 });
    // By hand: epochs 0-2 at 0.01, 3-5 at 0.005, 6 at 0.0025.
    expect([0, 2, 3, 5, 6].map((e) => learningRateAt(c, e))).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025]);
  });

  it('cosine: lr x (1 + cos(pi x epoch / epochs)) / 2', () => {
    const c = resolveTrainConfig({ lrSchedule: 'cosine', learningRate: 0.01, epochs: 4 });
    // By hand: cos 0 = 1 -> 0.01; cos(pi/4) = 0.7071 -> 0.0085355; cos(pi/2) = 0 -> 0.005; cos(3pi/4) -> 0.0014645.
    const rates = [0, 1, 2, 3].map((e) => learningRateAt(c, e));
    [0.01, 0.0085355339, 0.005, 0.0014644661].forEach((r, i) => expect(rates[i]).toBeCloseTo(r, 9));
  });
});
