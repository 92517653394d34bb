import type { KernelConfig } from '@tensorflow/tfjs';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import { conv2DKernel, fusedConv2DKernel } from './conv2d';
import { conv2DBackpropFilterKernel } from './conv2d_backprop_filter';
import { lrnKernel } from './lrn';
import { lrnGradKernel } from './lrn_grad';
import type { FoveaKernel } from './program_util';

/**
 * Fovea's WebGPU kernels, each replacing the stock tfjs-backend-webgpu kernel of the same name and given
 * the stock kernel function for the inputs it leaves to it.
 */
const FOVEA_KERNELS: readonly FoveaKernel[] = [
  lrnKernel, lrnGradKernel, conv2DKernel, fusedConv2DKernel, conv2DBackpropFilterKernel,
];

const BACKEND = 'webgpu';

/** Stock configs replaced by {@link registerFoveaKernels}, by kernel name, while ours are registered. */
const stockKernels = new Map<string, KernelConfig>();

/** Thrown when the stock WebGPU kernels to replace are not registered yet. */
export class WebGPUKernelsMissingError extends Error {
  constructor(kernelName: string) {
    super(`The stock WebGPU kernel '${kernelName}' is not registered: import '@tensorflow/tfjs-backend-webgpu' ` +
      '(after navigator.gpu exists) before calling registerFoveaKernels().');
    this.name = 'WebGPUKernelsMissingError';
  }
}

/**
 * Replaces tfjs-backend-webgpu's LRN, LRNGrad, Conv2D, FusedConv2D and Conv2DBackpropFilter with Fovea's
 * faster kernels for the 'webgpu' backend (other backends are untouched). Idempotent. tfjs looks kernels up
 * on every call, so this takes effect immediately, also on an already initialised backend.
 */
export function registerFoveaKernels(): void {
  if (stockKernels.size > 0) return;
  const stock = FOVEA_KERNELS.map(({ kernelName }) => {
    const config = getKernel(kernelName, BACKEND);
    if (config === undefined) throw new WebGPUKernelsMissingError(kernelName);
    return config;
  });
  FOVEA_KERNELS.forEach(({ kernelName, make }, i) => {
    const original = stock[i];
    unregisterKernel(kernelName, BACKEND);
    registerKernel(make(original.kernelFunc));
    stockKernels.set(kernelName, original);
  });
}

/** Puts the stock tfjs kernels back (the bench measures both in one run). Idempotent. */
export function unregisterFoveaKernels(): void {
  for (const [kernelName, config] of stockKernels) {
    unregisterKernel(kernelName, BACKEND);
    registerKernel(config);
  }
  stockKernels.clear();
}

/** Whether Fovea's kernels are the ones registered for 'webgpu'. */
export function foveaKernelsRegistered(): boolean {
  return stockKernels.size > 0;
}
