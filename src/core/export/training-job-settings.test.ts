import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTorchPython, runPython } from '../../../scripts/lib/python-torch';
import { resolveTrainConfig } from '../train/config';
import { SETTING_NAMES, settingSpec } from '../train/settings';

// train.py as the job zip carries it (training-job.ts imports the same file).
const TORCH_DIR = join(__dirname, 'torch');
const TRAIN_PY = readFileSync(join(TORCH_DIR, 'train.py'), 'utf8');

/** The names in one of train.py's `NAME = { 'a', 'b', ... }` set literals. */
function pythonSet(name: string): string[] {
  const body = new RegExp(`^${name} = \\{([^}]*)\\}`, 'm').exec(TRAIN_PY)?.[1];
  expect(body, `train.py has no ${name} = {...}`).toBeDefined();
  return [...body!.replace(/#.*$/gm, '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

describe("train.py and the table of settings (each setting's job rule)", () => {
  const applied = SETTING_NAMES.flatMap((n) => { const job = settingSpec(n).job; return 'key' in job ? [job.key] : []; });
  const notNeeded = SETTING_NAMES.filter((n) => 'notNeeded' in settingSpec(n).job);

  it('lists, as applied or not needed, exactly the settings the table says', () => {
    expect(pythonSet('SETTINGS_APPLIED').sort()).toEqual([...applied].sort());
    expect(pythonSet('SETTINGS_NOT_NEEDED').sort()).toEqual([...notNeeded].sort());
  });

  it('reads every setting it applies from settings.json', () => {
    // The code after the two sets: a setting is read as s['key'], s.get('key', ...) or, nested, es['leaf'].
    const code = TRAIN_PY.slice(TRAIN_PY.indexOf('def setting_names'));
    const unread = applied.filter((key) => {
      const leaf = key.split('.').pop()!;
      return !code.includes(`['${leaf}']`) && !code.includes(`.get('${leaf}'`);
    });
    expect(unread).toEqual([]);
  });

  const python = findTorchPython();
  it.skipIf(!python)('refuses a settings.json with a setting it does not know, and one with a head it cannot build (needs python3 with torch)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fovea-train-settings-'));
    try {
      // One Python start (importing torch takes seconds): check_settings on each case, its outcome a line.
      const settings = resolveTrainConfig({ scenario: 'linear-top' });
      const cases = [
        settings,
        { ...settings, headDepth: 2 },
        { ...settings, earlyStopping: { ...settings.earlyStopping, warmup: 1 } },
        { ...settings, headFeatures: 'mean-max' },
      ];
      writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
      const out = runPython(python!, ['-c', [
        'import json, sys', `sys.path.insert(0, ${JSON.stringify(TORCH_DIR)})`, 'import train',
        'for s in json.load(open("cases.json")):',
        '    try:', '        train.check_settings(s); print("ok")', '    except ValueError as e:', '        print(e)',
      ].join('\n')], dir).trim().split('\n');
      expect(out).toHaveLength(4);
      expect(out[0]).toBe('ok');
      expect(out[1]).toMatch(/settings.json has 'headDepth', which this train.py does not apply/);
      expect(out[2]).toMatch(/'earlyStopping.warmup'/);
      expect(out[3]).toMatch(/headFeatures is 'mean-max'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
