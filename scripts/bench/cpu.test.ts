import { describe, expect, it } from 'vitest';
import { cpuBenchBatch } from './cpu-rates';
import { parseCpuBenchArgs } from './cpu';

describe('npm run bench -- --cpu options', () => {
  it('measures in Node, Chromium and PyTorch at 224 and 96 px by default; --no-browser leaves Chromium out', () => {
    const c = parseCpuBenchArgs(['--cpu']);
    expect(c).toMatchObject({ sizes: [224, 96], batch: 8, steps: 5, warmup: 1, browser: true, out: null });
    expect(parseCpuBenchArgs(['--cpu', '--no-browser', '--sizes', '96', '--batch=4']))
      .toMatchObject({ sizes: [96], batch: 4, browser: false });
    expect(() => parseCpuBenchArgs(['--batch', '0'])).toThrow(/whole number/);
    expect(() => parseCpuBenchArgs(['--browser', 'yes'])).toThrow(/Unknown option --browser/);
  });

  it('takes a batch of half no-DR and half referable photographs', () => {
    const demo = [0, 0, 1, 2, 0, 3, 4, 0, 2].map((grade, i) => ({ id: String(i), grade }));
    expect(cpuBenchBatch(demo, 4).map((d) => d.grade)).toEqual([0, 0, 2, 3]);
    expect(cpuBenchBatch(demo, 5).map((d) => d.id)).toEqual(['0', '1', '3', '5', '6']);
  });
});
