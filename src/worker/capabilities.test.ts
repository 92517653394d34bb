import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../core/train/config';
import { backendRefusal, backendTrainsConvolutions, GPU_REQUIRED_MESSAGE, runTrainsConvolutions } from './capabilities';

const scenario = (n: number) => SCENARIOS.find((s) => s.number === n)!;

describe('what each backend can train', () => {
  it("trains convolutions on the GPU backends and on wasm (Fovea's Conv2DBackpropFilter), not on tfjs's plain CPU backend", () => {
    expect(backendTrainsConvolutions('webgpu')).toBe(true);
    expect(backendTrainsConvolutions('webgl')).toBe(true);
    expect(backendTrainsConvolutions('wasm')).toBe(true);
    expect(backendTrainsConvolutions('cpu')).toBe(false);
  });

  it('counts every freeze but "all" as training convolutions', () => {
    expect(runTrainsConvolutions('all')).toBe(false);
    expect(runTrainsConvolutions('none')).toBe(true);
    expect(runTrainsConvolutions('conv2')).toBe(true);
  });

  it("refuses scenarios 2 and 4 on tfjs's plain CPU backend with the plain message, and lets 1 and 3 run", () => {
    const cpu = { trainsConvolutions: backendTrainsConvolutions('cpu') };
    expect(backendRefusal(cpu, scenario(1).freezeUpTo)).toBeNull();
    expect(backendRefusal(cpu, scenario(3).freezeUpTo)).toBeNull();
    expect(backendRefusal(cpu, scenario(2).freezeUpTo)).toBe(GPU_REQUIRED_MESSAGE);
    expect(backendRefusal(cpu, scenario(4).freezeUpTo)).toBe(GPU_REQUIRED_MESSAGE);
    expect(GPU_REQUIRED_MESSAGE).toMatch(/no usable GPU.*WebAssembly did not start.*Choose scenario 1 or 3.*WebGPU/s);
  });

  it('refuses nothing on wasm: every scenario trains there', () => {
    const wasm = { trainsConvolutions: backendTrainsConvolutions('wasm') };
    for (const s of SCENARIOS) expect(backendRefusal(wasm, s.freezeUpTo)).toBeNull();
    expect(backendRefusal(wasm, 'none')).toBeNull(); // from scratch
  });

  it('refuses nothing on a GPU, or before the backend is known', () => {
    expect(backendRefusal({ trainsConvolutions: true }, 'none')).toBeNull();
    expect(backendRefusal(null, 'none')).toBeNull();
  });
});
