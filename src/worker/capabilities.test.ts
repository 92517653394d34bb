import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../core/train/config';
import { backendRefusal, backendTrainsConvolutions, GPU_REQUIRED_MESSAGE, runTrainsConvolutions } from './capabilities';

const scenario = (n: number) => SCENARIOS.find((s) => s.number === n)!;

describe('what each backend can train', () => {
  it('trains convolutions on the GPU backends only (tfjs-backend-wasm has no Conv2DBackpropFilter)', () => {
    expect(backendTrainsConvolutions('webgpu')).toBe(true);
    expect(backendTrainsConvolutions('webgl')).toBe(true);
    expect(backendTrainsConvolutions('wasm')).toBe(false);
    expect(backendTrainsConvolutions('cpu')).toBe(false);
  });

  it('counts every freeze but "all" as training convolutions', () => {
    expect(runTrainsConvolutions('all')).toBe(false);
    expect(runTrainsConvolutions('none')).toBe(true);
    expect(runTrainsConvolutions('conv2')).toBe(true);
  });

  it('refuses scenarios 2 and 4 on wasm with the plain message, and lets 1 and 3 run', () => {
    const wasm = { trainsConvolutions: false };
    expect(backendRefusal(wasm, scenario(1).freezeUpTo)).toBeNull();
    expect(backendRefusal(wasm, scenario(3).freezeUpTo)).toBeNull();
    expect(backendRefusal(wasm, scenario(2).freezeUpTo)).toBe(GPU_REQUIRED_MESSAGE);
    expect(backendRefusal(wasm, scenario(4).freezeUpTo)).toBe(GPU_REQUIRED_MESSAGE);
    expect(GPU_REQUIRED_MESSAGE).toMatch(/no usable GPU.*Choose scenario 1 or 3.*WebGPU/s);
  });

  it('refuses nothing on a GPU, or before the backend is known', () => {
    expect(backendRefusal({ trainsConvolutions: true }, 'none')).toBeNull();
    expect(backendRefusal(null, 'none')).toBeNull();
  });
});
