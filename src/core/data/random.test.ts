import { describe, expect, it } from 'vitest';
import { mulberry32, randomInt, shuffleInPlace, shuffled } from './random';

describe('mulberry32 seeded random numbers', () => {
  it('matches the reference mulberry32 stream', () => {
    // Pinned from the public-domain reference (bryc/code, jshash/PRNGs.md) run in Node 20:
    //   function mulberry32(a){return function(){var t=a+=0x6D2B79F5;t=Math.imul(t^t>>>15,t|1);
    //     t^=t+Math.imul(t^t>>>7,t|61);return((t^t>>>14)>>>0)/4294967296}}
    const random = mulberry32(42);
    expect([random(), random(), random()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const zero = mulberry32(0);
    expect([zero(), zero()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
  });

  it('repeats exactly for the same seed', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    for (let i = 0; i < 100; i++) expect(a()).toBe(b());
  });

  it('gives different streams for different seeds', () => {
    const a = mulberry32(1);
    const b = mulberry32(2);
    expect(Array.from({ length: 5 }, a)).not.toEqual(Array.from({ length: 5 }, b));
  });

  it('stays in [0, 1) and fills ten equal bins evenly', () => {
    const random = mulberry32(123);
    const bins = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random();
      if (!(x >= 0 && x < 1)) outside++;
      else bins[Math.floor(x * 10)]++;
    }
    expect(outside).toBe(0);
    // 10,000 expected per bin; the binomial standard deviation is sqrt(100000 * 0.1 * 0.9) ≈ 95, so ±500 is > 5 sigma.
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('draws whole numbers below n', () => {
    const random = mulberry32(5);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(random, 6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('shuffling', () => {
  it('permutes in place, keeping every element', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const result = shuffleInPlace(items, mulberry32(1));
    expect(result).toBe(items);
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('is repeatable for a seed', () => {
    const base = Array.from({ length: 20 }, (_, i) => `img${i}`);
    expect(shuffled(base, mulberry32(3))).toEqual(shuffled(base, mulberry32(3)));
    expect(shuffled(base, mulberry32(3))).not.toEqual(shuffled(base, mulberry32(4)));
  });

  it('leaves the input alone when asked for a shuffled copy', () => {
    const base = [1, 2, 3, 4, 5];
    shuffled(base, mulberry32(9));
    expect(base).toEqual([1, 2, 3, 4, 5]);
  });

  it('makes every order of three items about equally likely (Fisher-Yates, not the biased sort trick)', () => {
    const random = mulberry32(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = shuffleInPlace(['a', 'b', 'c'], random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // 10,000 expected each; sd = sqrt(60000 * 1/6 * 5/6) ≈ 91, so ±500 is > 5 sigma.
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('handles empty and single-item lists', () => {
    expect(shuffleInPlace([], mulberry32(1))).toEqual([]);
    expect(shuffleInPlace(['only'], mulberry32(1))).toEqual(['only']);
  });
});
