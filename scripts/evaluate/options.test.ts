import { describe, expect, it } from 'vitest';
import { InvalidEvaluateArgsError, parseEvaluateArgs } from './options';

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
  ])('rejects %j with a message naming the bad value', (argv, message) => {
    expect(() => parseEvaluateArgs(argv as string[], NOW)).toThrow(InvalidEvaluateArgsError);
    expect(() => parseEvaluateArgs(argv as string[], NOW)).toThrow(message);
  });
});
