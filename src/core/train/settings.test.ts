import { describe, expect, it } from 'vitest';
import { resolveTrainConfig, SCENARIOS } from './config';
import {
  defaultText, expectedText, isAllowed, SCENARIO_IDS, SETTING_NAMES, settingAt, settingSpec, TRAIN_SETTINGS, type SettingName,
} from './settings';

/** Every leaf of a config object by its path ('earlyStopping.patience'). */
const leaves = (o: object, prefix = ''): string[] => Object.entries(o).flatMap(([k, v]) =>
  typeof v === 'object' && v !== null ? leaves(v, `${prefix}${k}.`) : [`${prefix}${k}`]);

// The settings a checkpoint held when checkpoints were introduced (git show 4a3718e:src/core/train/config.ts).
const IN_THE_FIRST_CHECKPOINTS = [
  'scenario', 'freezeUpTo', 'headOn', 'inputSize', 'epochs', 'batchSize', 'optimizer', 'learningRate', 'momentum',
  'pretrainedLrMultiplier', 'weightDecay', 'lrSchedule', 'stepEpochs', 'stepGamma', 'rotations', 'earlyStopping.enabled',
  'earlyStopping.patience', 'earlyStopping.minDelta', 'dropout', 'seed', 'classWeighting', 'testTimeRotations', 'initialisation',
];

describe('the table of training settings', () => {
  it('has one entry per setting of a resolved config, and no other', () => {
    expect([...SETTING_NAMES].sort()).toEqual(leaves(resolveTrainConfig()).sort());
    expect(SCENARIOS.map((s) => s.id)).toEqual([...SCENARIO_IDS]);
  });

  it('takes its own defaults, and the values older checkpoints ran with', () => {
    const resolved = resolveTrainConfig();
    for (const name of SETTING_NAMES) {
      const spec = settingSpec(name);
      expect(isAllowed(name, settingAt(resolved, name)), name).toBe(true);
      if (spec.checkpoint.mustMatch && spec.checkpoint.before !== undefined) expect(isAllowed(name, spec.checkpoint.before), name).toBe(true);
    }
  });

  it('says, for every setting added after checkpoints existed, what those checkpoints ran with', () => {
    const later = SETTING_NAMES.filter((n) => !IN_THE_FIRST_CHECKPOINTS.includes(n));
    expect(later).toEqual(expect.arrayContaining(['headPooling', 'headFit']));
    for (const name of later) {
      const rule = settingSpec(name).checkpoint;
      expect(rule.mustMatch === false || rule.before !== undefined, `${name} needs checkpoint.before`).toBe(true);
    }
  });

  it('gives every setting its own command-line flag and form test id', () => {
    const flags = SETTING_NAMES.map((n) => settingSpec(n).cli.flag);
    expect(new Set(flags).size).toBe(flags.length);
    const ids = SETTING_NAMES.map((n) => settingSpec(n).form).flatMap((f) => (f.kind === 'none' ? [] : [f.testId]));
    expect(new Set(ids).size).toBe(ids.length);
    // A boolean's flag is a switch that turns it off, so it must default to on.
    for (const name of SETTING_NAMES.filter((n) => settingSpec(n).type.kind === 'boolean')) {
      expect(settingSpec(name).cli.flag, name).toMatch(/^no-/);
      expect(settingSpec(name).default, name).toBe(true);
    }
  });

  it('describes what each setting takes in the words resolveTrainConfig has always used', () => {
    const cases: [SettingName, string][] = [
      ['headPooling', "'average', 'max' or 'gem'"],
      ['optimizer', "'sgd-momentum' or 'adam'"],
      ['epochs', 'a whole number of at least 1'],
      ['seed', 'a whole number'],
      ['learningRate', 'a number in (0, 10)'],
      ['momentum', 'a number in [0, 1)'],
      ['pretrainedLrMultiplier', 'a number in [0, 10]'],
      ['stepGamma', 'a number in (0, 1]'],
      ['earlyStopping.minDelta', 'a number of at least 0'],
      ['testTimeRotations', 'true or false'],
      ['inputSize', 'a multiple of 32 from 64 to 512 px'],
    ];
    for (const [name, words] of cases) expect(expectedText(name), name).toBe(words);
  });

  it('checks bounds, open and closed, and whole numbers', () => {
    expect(isAllowed('learningRate', 0)).toBe(false);
    expect(isAllowed('learningRate', 1e-6)).toBe(true);
    expect(isAllowed('learningRate', 10)).toBe(false);
    expect(isAllowed('pretrainedLrMultiplier', 10)).toBe(true);
    expect(isAllowed('pretrainedLrMultiplier', Number.NaN)).toBe(false);
    expect(isAllowed('batchSize', 2.5)).toBe(false);
    expect(isAllowed('seed', -3)).toBe(true);
    expect(isAllowed('inputSize', 96)).toBe(true);
    expect(isAllowed('inputSize', 100)).toBe(false);
    expect(isAllowed('rotations', 'yes')).toBe(false);
  });

  it('words a derived default by what it depends on', () => {
    expect(defaultText('epochs')).toBe('10');
    expect(defaultText('learningRate')).toBe('0.01 with SGD, 0.001 with Adam');
    expect(Object.keys(TRAIN_SETTINGS)[0]).toBe('scenario'); // the order the card lists them in
  });
});
