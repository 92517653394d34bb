import { describe, expect, it } from 'vitest';
import { BENCH_PARTS, BenchArgsError, InvalidBenchConfigError, parseBenchArgs, resolveBenchConfig } from './options';

describe('bench options', () => {
  it('defaults to issue 3: 224 px, batches 16 and 32, all four scenarios, every part', () => {
    const c = resolveBenchConfig();
    expect(c).toMatchObject({ size: 224, batches: [16, 32], scenarios: [1, 2, 3, 4], cacheSize: 224, numericsEpochs: 2, memoryEpochs: 3 });
    expect(c.parts).toEqual([...BENCH_PARTS]);
  });

  it('reads the short CPU run of the issue', () => {
    const cli = parseBenchArgs(['--size', '64', '--batch', '4', '--scenarios', '2,4', '--steps=3', '--warmup', '1', '--json']);
    expect(cli.config).toMatchObject({ size: 64, batches: [4], scenarios: [2, 4], steps: 3, warmup: 1, cacheSize: 64 });
    expect(cli.jsonOnly).toBe(true);
    expect(cli.browser).toBe(false);
  });

  it('switches parts with --only and --no-<part>, keeping their canonical order', () => {
    expect(parseBenchArgs(['--only', 'numerics,train']).config.parts).toEqual(['train', 'numerics']);
    expect(parseBenchArgs(['--no-numerics', '--no-memory', '--no-cache-vs-head']).config.parts)
      .toEqual(['train', 'no-cache', 'inference', 'profile', 'float16-cache']);
    expect(parseBenchArgs(['--only', 'memory,float16-cache']).config.parts).toEqual(['float16-cache', 'memory']);
  });

  it('names the bad flag or value', () => {
    expect(() => parseBenchArgs(['--bogus'])).toThrow(BenchArgsError);
    expect(() => parseBenchArgs(['--steps'])).toThrow('--steps needs a value');
    expect(() => parseBenchArgs(['--only', 'speed'])).toThrow("unknown part 'speed'");
    expect(() => parseBenchArgs(['--size', '100'])).toThrow(InvalidBenchConfigError);
    expect(() => parseBenchArgs(['--scenarios', '5'])).toThrow("'scenarios' is 5");
    expect(() => parseBenchArgs(['--batch', 'x'])).toThrow('--batch expects numbers');
  });
});
