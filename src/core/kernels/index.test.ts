import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { afterEach, describe, expect, it } from 'vitest';
import { foveaKernelsRegistered, registerFoveaKernels, unregisterFoveaKernels } from './index';

// In Node the WebGPU backend itself is not created (no navigator.gpu), but its kernels are registered,
// so the swapping can be checked here; the kernels' results are checked in Chromium (e2e/kernels.spec.mjs).
const NAMES = ['LRN', 'LRNGrad', 'Conv2DBackpropFilter'];
const registered = () => NAMES.map((name) => tf.getKernel(name, 'webgpu')?.kernelFunc);

describe('registerFoveaKernels', () => {
  afterEach(() => unregisterFoveaKernels());

  it('replaces the stock webgpu kernels and unregisterFoveaKernels puts them back', () => {
    const stock = registered();
    registerFoveaKernels();
    const ours = registered();
    expect(foveaKernelsRegistered()).toBe(true);
    ours.forEach((f, i) => {
      expect(f).toBeDefined();
      expect(f).not.toBe(stock[i]);
    });
    unregisterFoveaKernels();
    expect(registered()).toEqual(stock);
    expect(foveaKernelsRegistered()).toBe(false);
  });

  it('is idempotent both ways', () => {
    const stock = registered();
    registerFoveaKernels();
    const ours = registered();
    registerFoveaKernels();
    expect(registered()).toEqual(ours);
    unregisterFoveaKernels();
    unregisterFoveaKernels();
    expect(registered()).toEqual(stock);
  });

  it('leaves other backends alone', () => {
    const cpu = NAMES.map((name) => tf.getKernel(name, 'cpu')?.kernelFunc);
    registerFoveaKernels();
    expect(NAMES.map((name) => tf.getKernel(name, 'cpu')?.kernelFunc)).toEqual(cpu);
  });
});
