import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { planConvGemm } from './conv_gemm';

// Correctness of the kernel itself is checked against the CPU backend in Chromium (e2e/kernels.spec.mjs);
// here only the work split, which must cover K exactly once whatever the shape.
function plan(xShape: [number, number, number, number], filterShape: [number, number, number, number],
  strides: number, pad: 'same' | 'valid') {
  return planConvGemm('filterGrad', tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad));
}

describe('planConvGemm', () => {
  it('maps dW to an [KH*KW*CI, CO] product reduced over N*OH*OW', () => {
    const p = plan([32, 230, 230, 3], [7, 7, 3, 64], 2, 'valid');
    expect([p.m, p.n, p.k]).toEqual([147, 64, 32 * 112 * 112]);
  });

  it('splits a long K so that every slice of 16 belongs to exactly one split', () => {
    for (const p of [
      plan([32, 230, 230, 3], [7, 7, 3, 64], 2, 'valid'), // conv1: 3 blocks of dW, K = 401k
      plan([32, 56, 56, 64], [3, 3, 64, 192], 1, 'same'), // conv2/3x3
      plan([2, 7, 7, 832], [1, 1, 832, 384], 1, 'same'), // inception 5b 1x1 at batch 2: K = 98
      plan([1, 3, 3, 5], [3, 3, 5, 7], 1, 'same'),
    ]) {
      const kTiles = Math.ceil(p.k / 16);
      expect(p.splits * p.tilesPerSplit).toBeGreaterThanOrEqual(kTiles);
      expect((p.splits - 1) * p.tilesPerSplit).toBeLessThan(kTiles);
      expect(p.splits).toBeGreaterThanOrEqual(1);
    }
  });

  it('does not split a short K', () => {
    expect(plan([2, 7, 7, 832], [1, 1, 832, 384], 1, 'same').splits).toBe(1);
  });

  it('uses narrower blocks for few output channels', () => {
    const p = plan([32, 28, 28, 192], [1, 1, 192, 16], 1, 'same'); // inception 3a 5x5_reduce
    expect([p.rowsPerThread, p.colsPerThread]).toEqual([4, 1]);
  });
});
