import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ConvGemmProgram, planConvGemm, type ConvGemmOp } from './conv_gemm';

/** WebGPU's default (and usual) maxComputeWorkgroupsPerDimension. tfjs folds an oversized flat dispatch (LRN,
 * the split sums) into y and z itself, but refuses a 3-D layout such as the GEMM's that exceeds it. */
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Every convolution of GoogLeNet at `size` px (conv1 on its zero-padded input, conv2, each inception branch). */
function googLeNetConvs(size: number, batch: number) {
  const convs: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; stride: number; pad: 'same' | 'valid' }[] = [
    { name: 'conv1', x: [batch, size + 6, size + 6, 3], w: [7, 7, 3, 64], stride: 2, pad: 'valid' },
    { name: 'conv2_reduce', x: [batch, size / 4, size / 4, 64], w: [1, 1, 64, 64], stride: 1, pad: 'same' },
    { name: 'conv2', x: [batch, size / 4, size / 4, 64], w: [3, 3, 64, 192], stride: 1, pad: 'same' },
  ];
  // [side divisor, input channels, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj] (deploy.prototxt)
  const inception: [number, number, number, number, number, number, number, number][] = [
    [8, 192, 64, 96, 128, 16, 32, 32], [8, 256, 128, 128, 192, 32, 96, 64],
    [16, 480, 192, 96, 208, 16, 48, 64], [16, 528, 256, 160, 320, 32, 128, 128],
    [32, 832, 256, 160, 320, 32, 128, 128], [32, 832, 384, 192, 384, 48, 128, 128],
  ];
  for (const [div, cin, c1, r3, c3, r5, c5, pp] of inception) {
    const side = size / div;
    const x = (c: number): [number, number, number, number] => [batch, side, side, c];
    convs.push(
      { name: `1x1@${side}`, x: x(cin), w: [1, 1, cin, Math.max(c1, r3, r5, pp)], stride: 1, pad: 'same' },
      { name: `3x3@${side}`, x: x(r3), w: [3, 3, r3, c3], stride: 1, pad: 'same' },
      { name: `5x5@${side}`, x: x(r5), w: [5, 5, r5, c5], stride: 1, pad: 'same' },
    );
  }
  return convs;
}

function largestDispatch(size: number, batch: number) {
  let largest = { count: 0, where: '' };
  for (const c of googLeNetConvs(size, batch)) {
    const info = tf.backend_util.computeConv2DInfo(c.x, c.w, c.stride, 1, c.pad);
    for (const op of ['forward', 'filterGrad'] as ConvGemmOp[]) {
      const plan = planConvGemm(op, info);
      const resultShape = op === 'forward' ? [info.batchSize, info.outHeight, info.outWidth, info.outChannels] : c.w;
      const program = new ConvGemmProgram(plan, resultShape);
      program.dispatch.forEach((count, axis) => {
        if (count > largest.count) largest = { count, where: `${c.name} ${op} axis ${axis}` };
      });
    }
  }
  return largest;
}

describe('ConvGemmProgram dispatch within WebGPU limits', () => {
  it.each([[224, 16], [224, 64], [448, 16], [512, 16], [512, 32]])('at %i px, batch %i: every GoogLeNet convolution dispatches at most 65535 workgroups per dimension', (size, batch) => {
    const largest = largestDispatch(size, batch);
    expect(largest.count, largest.where).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIMENSION);
  });

  it("is largest at conv1's forward rows: batch x (size/2)^2 / 64, 16,384 at 512 px and batch 16", () => {
    expect(largestDispatch(512, 16)).toEqual({ count: 16 * 256 * 256 / 64, where: 'conv1 forward axis 1' });
  });
});
