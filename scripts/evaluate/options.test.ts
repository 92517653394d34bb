import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../../src/core/train/config';
import { isAllowed, SETTING_NAMES, settingAt, settingSpec } from '../../src/core/train/settings';
import { EVALUATE_USAGE, InvalidEvaluateArgsError, parseEvaluateArgs } from './options';

const NOW = new Date('2026-11-30T12:34:56Z');

describe('npm run evaluate: the command line', () => {
  it('fills the documented defaults: fov preprocessing, wasm, 15%/15% held out, 90% sensitivity', () => {
    const c = parseEvaluateArgs(['--train', 'data/x'], NOW);
    expect(c).toMatchObject({
      train: 'data/x', eval: null, task: null, preprocessing: 'fov', backend: 'wasm', cv: 0,
      valFraction: 0.15, testFraction: 0.15, targetSensitivity: 0.9, limit: 0, bootstrap: 1000, seed: 42,
      out: 'results/2026-11-30-12-34-56', exportModel: true, model: null,
    });
    expect(c.training).toEqual({});
  });

  it('maps scenario numbers to the core scenarios and passes training knobs through', () => {
    const c = parseEvaluateArgs(['--train', 'x', '--scenario', '3', '--input=96', '--epochs', '2', '--lr', '0.02',
      '--class-weighting', 'sampling', '--no-tta', '--no-rotations', '--patience', '5'], NOW);
    expect(c.training).toEqual({
      scenario: 'linear-early', inputSize: 96, epochs: 2, learningRate: 0.02, classWeighting: 'sampling',
      testTimeRotations: false, rotations: false, earlyStopping: { enabled: true, patience: 5, minDelta: 0 },
    });
  });

  it('takes input sizes up to 512 px and the head pooling', () => {
    expect(parseEvaluateArgs(['--train', 'x', '--input', '512', '--pooling', 'gem'], NOW).training).toEqual({ inputSize: 512, headPooling: 'gem' });
    expect(parseEvaluateArgs(['--train', 'x', '--pooling=max'], NOW).training).toEqual({ headPooling: 'max' });
  });

  it('takes how a frozen backbone\'s head trains: fitted to convergence or SGD epochs', () => {
    expect(parseEvaluateArgs(['--train', 'x', '--scenario', '1', '--head-fit', 'sgd'], NOW).training).toEqual({ scenario: 'linear-top', headFit: 'sgd' });
    expect(parseEvaluateArgs(['--train', 'x', '--head-fit=converged'], NOW).training).toEqual({ headFit: 'converged' });
  });

  it('takes a custom freeze and head position as scenario "custom"', () => {
    const c = parseEvaluateArgs(['--train', 'x', '--freeze', 'inception_4e', '--head-on', 'pool5'], NOW);
    expect(c.training).toMatchObject({ scenario: 'custom', freezeUpTo: 'inception_4e', headOn: 'pool5' });
  });

  it('sets every training setting through its flag from the table of settings (and lists it in the usage)', () => {
    const defaults = resolveTrainConfig();
    for (const name of SETTING_NAMES.filter((n) => n !== 'scenario')) {
      const spec = settingSpec(name);
      const current = settingAt(defaults, name);
      expect(EVALUATE_USAGE, name).toContain(`--${spec.cli.flag}`);
      if (spec.type.kind === 'boolean') {
        expect(settingAt(parseEvaluateArgs(['--train', 'x', `--${spec.cli.flag}`], NOW).training, name), name).toBe(false);
        continue;
      }
      // Some other value the setting takes: another of its choices, or a nearby number.
      const candidates = spec.type.kind === 'choice' ? spec.type.values : [Number(current) + 1, Number(current) / 2, 0.5, 2];
      const value = candidates.find((v) => v !== current && isAllowed(name, v));
      expect(settingAt(parseEvaluateArgs(['--train', 'x', `--${spec.cli.flag}`, String(value)], NOW).training, name), name).toBe(value);
    }
    expect(parseEvaluateArgs(['--train', 'x', '--scenario', '2'], NOW).training).toEqual({ scenario: 'finetune-all' });
  });

  it('takes the settings that had no flag before the table: momentum, step schedule, min delta, initialisation', () => {
    const c = parseEvaluateArgs(['--train', 'x', '--momentum', '0.8', '--schedule', 'step', '--step-epochs', '2', '--step-gamma=0.5',
      '--min-delta', '0.01', '--init', 'random', '--scenario', '2', '--train-seed', '-7'], NOW);
    expect(c.training).toEqual({
      momentum: 0.8, lrSchedule: 'step', stepEpochs: 2, stepGamma: 0.5, initialisation: 'random', scenario: 'finetune-all', seed: -7,
      earlyStopping: { enabled: true, patience: 3, minDelta: 0.01 },
    });
    expect(resolveTrainConfig(c.training).pretrainedLrMultiplier).toBe(1); // from scratch: every layer at the full rate
  });

  it('holds out no test split when an external --eval set is given', () => {
    expect(parseEvaluateArgs(['--train', 'x', '--eval', 'y'], NOW).testFraction).toBe(0);
  });

  it.each([
    [[], /--train is required/],
    [['--train', 'x', '--scenario', '5'], /--scenario is "5"/],
    [['--train', 'x', '--backend', 'tpu'], /--backend is "tpu"; expected one of webgpu, wasm, cpu/],
    [['--train', 'x', '--cv', '1'], /--cv is 1/],
    [['--train', 'x', '--val', '0.6', '--test', '0.5'], /--val \+ --test < 1/],
    [['--train', 'x', '--scenario', '4', '--freeze', 'all'], /either --scenario or --freeze/],
    [['--train', 'x', '--epochs', 'ten'], /--epochs is "ten"; expected a number/],
    [['--train', 'x', '--input', '544'], /--input is 544; expected a multiple of 32 from 64 to 512/],
    [['--train', 'x', '--input', '100'], /--input is 100/],
    [['--train', 'x', '--pooling', 'median'], /--pooling is "median"; expected one of average, max, gem/],
    [['--train', 'x', '--head-fit', 'newton'], /--head-fit is "newton"; expected one of sgd, converged/],
    [['--train', 'x', '--colour'], /Unexpected argument|Unknown option --colour|needs a value/],
    [['--train', 'x', 'stray'], /Unexpected argument "stray"/],
    [['--train', 'x', '--epochs'], /--epochs needs a value/],
    [['--train', 'x', '--epochs', '0'], /--epochs is 0; expected a whole number of at least 1/],
    [['--train', 'x', '--lr', '10'], /--lr is 10; expected a number in \(0, 10\)/],
    [['--train', 'x', '--freeze', 'conv3'], /--freeze is "conv3"; expected one of none, conv1/],
    [['--train', 'x', '--no-tta=yes'], /--no-tta takes no value/],
  ])('rejects %j with a message naming the bad value', (argv, message) => {
    expect(() => parseEvaluateArgs(argv as string[], NOW)).toThrow(InvalidEvaluateArgsError);
    expect(() => parseEvaluateArgs(argv as string[], NOW)).toThrow(message);
  });
});
