import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_DIR, hasDemo } from '../lib/demo-data';
import { describeFailure } from './failure';
import { EvalClassesMismatchError, foldDatasetSummary, planExperiment } from './folds';
import { parseEvaluateArgs } from './options';

describe.skipIf(!hasDemo())('evaluate: the experiment plan (data, split, folds)', () => {
  it('splits the 94 demo photographs once, patient-aware, every image on one side', () => {
    const plan = planExperiment(parseEvaluateArgs(['--train', DEMO_DIR, '--task', 'any-dr']));
    const [fold] = plan.folds;
    const ids = [...fold.train, ...fold.val, ...fold.test].map((it) => it.id);
    expect(new Set(ids).size).toBe(94);
    const sideOf = new Map<string, string>();
    for (const [side, items] of [['train', fold.train], ['val', fold.val], ['test', fold.test]] as const) for (const it of items) sideOf.set(it.id, side);
    for (const [id, patient] of plan.patients) {
      for (const [other, p2] of plan.patients) if (p2 === patient) expect(sideOf.get(other)).toBe(sideOf.get(id));
    }
    const data = foldDatasetSummary(plan, fold);
    expect(data.counts.train.reduce((a, b) => a + b, 0)).toBe(fold.train.length);
  });

  it('refuses an --eval set whose classes differ, in plain words (no stack trace)', () => {
    const evalDir = mkdtempSync(join(tmpdir(), 'fovea-eval-classes-'));
    const grade0 = join(DEMO_DIR, '0_No_DR');
    for (const cls of ['cataract', 'normal']) {
      mkdirSync(join(evalDir, cls));
      const f = readdirSync(grade0).find((n) => n.endsWith('.jpg'))!;
      copyFileSync(join(grade0, f), join(evalDir, cls, f));
    }
    let error: unknown;
    try {
      planExperiment(parseEvaluateArgs(['--train', DEMO_DIR, '--task', 'as-is', '--eval', evalDir]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EvalClassesMismatchError);
    const { message, exitCode } = describeFailure(error);
    expect(exitCode).toBe(1);
    expect(message).toMatch(/^--eval gives classes cataract, normal; training has /);
    expect(message).not.toMatch(/\n\s+at /);
  });
});
