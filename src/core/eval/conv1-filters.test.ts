import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadGoogLeNet, MODEL_DIR } from '../../../scripts/lib/node-model';
import { disposeNetwork } from '../model/classifier';
import { type FilterBank, filterGrid, InvalidFilterBankError, readFilters, sameFilters } from './conv1-filters';

/** Two 2x2x3 filters: filter 0 ramps 0..11 over (y, x, channel), filter 1 is constant. */
function tinyBank(): FilterBank {
  const values = new Float32Array(2 * 2 * 3 * 2);
  for (let i = 0; i < 12; i++) {
    values[i * 2] = i; // filter 0: value at (y, x, c) = (y * 2 + x) * 3 + c
    values[i * 2 + 1] = 5;
  }
  return { values, shape: [2, 2, 3, 2] };
}

const pixel = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('filterGrid', () => {
  it('lays filters out in a grid with transparent gaps, each min-max scaled to 0..255, BGR shown as RGB', () => {
    const img = filterGrid(tinyBank(), { columns: 2, gap: 1 });
    expect([img.width, img.height]).toEqual([5, 2]); // two 2 px cells and a 1 px gap
    // Filter 0's values 0..11 scale by 255 / 11; pixel (0, 0) holds B=0, G=1, R=2 -> shown R=2, G=1, B=0.
    expect(pixel(img, 0, 0)).toEqual([Math.round(510 / 11), Math.round(255 / 11), 0, 255]);
    // Its last pixel (1, 1) holds B=9, G=10, R=11.
    expect(pixel(img, 1, 1)).toEqual([255, Math.round(2550 / 11), Math.round(2295 / 11), 255]);
    expect(pixel(img, 2, 0)).toEqual([0, 0, 0, 0]); // the gap
    expect(pixel(img, 3, 0)).toEqual([128, 128, 128, 255]); // a constant filter is mid-grey
  });

  it('enlarges each value to scale x scale pixels and wraps rows', () => {
    const img = filterGrid(tinyBank(), { columns: 1, gap: 2, scale: 3 });
    expect([img.width, img.height]).toEqual([6, 14]); // one column, two 6 px rows, a 2 px gap
    expect(pixel(img, 2, 2)).toEqual(pixel(img, 0, 0)); // still the value at (0, 0)
    expect(pixel(img, 3, 3)).toEqual(pixel(img, 5, 5)); // the value at (1, 1)
    expect(pixel(img, 0, 8)).toEqual([128, 128, 128, 255]); // filter 1, second row
  });

  it('rejects kernels that are not 3-channel or whose values do not match the shape', () => {
    expect(() => filterGrid({ values: new Float32Array(8), shape: [2, 2, 1, 2] })).toThrow(InvalidFilterBankError);
    expect(() => filterGrid({ values: new Float32Array(5), shape: [2, 2, 3, 2] })).toThrow(/24/);
  });

  it('tells identical filter banks from changed ones', () => {
    const a = tinyBank();
    const b = tinyBank();
    expect(sameFilters(a, b)).toBe(true);
    b.values[3] += 1e-6;
    expect(sameFilters(a, b)).toBe(false);
  });
});

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('conv1 of the real GoogLeNet', () => {
  it('reads its 64 filters of 7x7x3 into an 8 x 8 grid of 63 x 63 px, no tensor left behind', async () => {
    await tf.setBackend('cpu');
    const model = await loadGoogLeNet();
    const before = tf.memory().numTensors;
    const bank = await readFilters(model);
    expect(tf.memory().numTensors).toBe(before);
    expect(bank.shape).toEqual([7, 7, 3, 64]);
    const img = filterGrid(bank);
    expect([img.width, img.height]).toEqual([8 * 7 + 7, 8 * 7 + 7]);
    // Every filter reaches both ends of the scale in some channel.
    for (let f = 0; f < 64; f++) {
      const x0 = (f % 8) * 8;
      const y0 = Math.floor(f / 8) * 8;
      const bytes: number[] = [];
      for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) bytes.push(...pixel(img, x0 + x, y0 + y).slice(0, 3));
      expect([Math.min(...bytes), Math.max(...bytes)]).toEqual([0, 255]);
    }
    disposeNetwork(model);
  });
});
