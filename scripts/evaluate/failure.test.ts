import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEMO_DIR } from '../lib/demo-data';
import { PROJECT_ROOT } from '../lib/node-model';
import { describeFailure } from './failure';
import { InvalidEvaluateArgsError, parseEvaluateArgs } from './options';
import { takeParallelArgs } from './parallel-options';
import { EvaluateDataError } from './dataset';

describe('evaluate: how a failed run ends', () => {
  it('prints an expected error as its plain message and exits 1, a bug with its stack', () => {
    expect(describeFailure(new EvaluateDataError('data/x does not exist.'))).toEqual({ message: 'data/x does not exist.', exitCode: 1 });
    const bug = describeFailure(new TypeError('x is undefined'));
    expect(bug.exitCode).toBe(1);
    expect(bug.message).toMatch(/^evaluate failed: TypeError: x is undefined\n\s+at /);
  });

  it('shows the usage with --workers and --cache for --help, and exits 2 for bad arguments', () => {
    let help: unknown;
    try {
      parseEvaluateArgs(['--help']);
    } catch (e) {
      help = e;
    }
    expect(help).toBeInstanceOf(InvalidEvaluateArgsError);
    const { message, exitCode } = describeFailure(help);
    expect(exitCode).toBe(2);
    expect(message).toMatch(/--workers N/);
    expect(message).toMatch(/--cache \[DIR\]/);
  });

  it('says in plain words that the training folder does not exist, no stack trace, exit code 1', () => {
    const missing = `${DEMO_DIR}-missing`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/evaluate.ts', '--train', missing, '--workers', '0'], {
      cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${missing} does not exist.`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  }, 120_000);
});

describe('evaluate: --workers and --cache', () => {
  it('defaults to one thread per core and no cache, leaving the other flags to options.ts', () => {
    expect(takeParallelArgs(['--train', 'x', '--input', '64'], 4)).toEqual({ parallel: { workers: 4, cacheDir: null }, rest: ['--train', 'x', '--input', '64'] });
  });

  it('reads --workers N (0: none) and --cache with or without a folder', () => {
    expect(takeParallelArgs(['--workers', '0', '--cache', '--train', 'x'], 2)).toEqual({
      parallel: { workers: 0, cacheDir: 'results/.feature-cache' }, rest: ['--train', 'x'],
    });
    expect(takeParallelArgs(['--train', 'x', '--cache', '/tmp/f', '--workers=3'], 2).parallel).toEqual({ workers: 3, cacheDir: '/tmp/f' });
    expect(takeParallelArgs(['--train', 'x', '--cache'], 2).parallel.cacheDir).toBe('results/.feature-cache');
    expect(() => takeParallelArgs(['--workers', 'many'])).toThrow(/--workers is "many"/);
    expect(() => takeParallelArgs(['--workers', '-1'])).toThrow(InvalidEvaluateArgsError);
  });
});
