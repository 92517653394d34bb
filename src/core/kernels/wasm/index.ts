import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import { wasmConv2DKernel, wasmFusedConv2DKernel } from './conv2d';
import { wasmConv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { wasmConv2DBackpropInputKernel } from './conv2d_backprop_input';
import { wasmIdentityConfig } from './identity';
import { wasmLrnConfig } from './lrn';
import { wasmMaxPoolGradConfig } from './max_pool_grad';
import { wasmMomentumStepConfig } from './momentum_step';
import { wasmSplitVKernel } from './split_v';
import { wasmSumKernel } from './sum';
import { stockWasmKernel, WASM_BUILDING_BLOCKS } from './ops';

export { UnsupportedWasmConvolutionError } from './conv2d_backprop_filter';
export { WasmKernelsMissingError } from './ops';

/** Kernels tfjs-backend-wasm lacks and training needs, and Fovea's fused optimizer step, added for the 'wasm' backend. */
const ADDED: readonly KernelConfig[] = [wasmConv2DBackpropFilterConfig, wasmMomentumStepConfig];

/** Stock wasm kernels Fovea replaces, each built from the stock function it leaves some inputs to. */
const REPLACED: readonly { kernelName: string; make: (stock: KernelFunc) => KernelConfig }[] = [
  wasmConv2DKernel,
  wasmFusedConv2DKernel,
  wasmConv2DBackpropInputKernel,
  { kernelName: wasmMaxPoolGradConfig.kernelName, make: () => wasmMaxPoolGradConfig },
  { kernelName: wasmIdentityConfig.kernelName, make: () => wasmIdentityConfig },
  wasmSplitVKernel,
  { kernelName: wasmLrnConfig.kernelName, make: () => wasmLrnConfig },
  wasmSumKernel,
];

/** Fovea's replacements while registered, by kernel name (to tell them from the stock ones). */
const replacements = new Map<string, KernelFunc>();

/**
 * Adds Fovea's wasm kernels so that convolutions train on the CPU: Conv2DBackpropFilter, which
 * tfjs-backend-wasm 4.22 lacks (tensorflow/tfjs#8474), and in place of stock ones Conv2D and FusedConv2D that run
 * 3x3 stride-1 convolutions by Winograd (winograd.ts; filter and input gradients too), a stride-1
 * Conv2DBackpropInput on XNNPACK, a scatter MaxPoolGrad, an Identity that shares its input's data instead of copying it, and SplitV,
 * LRN and a leading-axes Sum that run several times faster (each file says by how much). Call after importing '@tensorflow/tfjs-backend-wasm' (WasmKernelsMissingError
 * otherwise); idempotent; a Conv2DBackpropFilter a later tfjs-backend-wasm brings itself is left in place.
 */
export function registerFoveaWasmKernels(): void {
  WASM_BUILDING_BLOCKS.forEach(stockWasmKernel);
  for (const config of ADDED) {
    if (getKernel(config.kernelName, 'wasm') === undefined) registerKernel(config);
  }
  for (const { kernelName, make } of REPLACED) {
    if (replacements.has(kernelName)) continue;
    const stockFunc = stockWasmKernel(kernelName);
    // The stock setup (binding its wasm function) still runs when the backend starts after this call.
    const config = { ...make(stockFunc), setupFunc: getKernel(kernelName, 'wasm')?.setupFunc };
    unregisterKernel(kernelName, 'wasm');
    registerKernel(config);
    replacements.set(kernelName, config.kernelFunc);
  }
}

/** Whether the 'wasm' backend's convolution gradients are Fovea's. */
export function foveaWasmKernelsRegistered(): boolean {
  return ADDED.every((config) => getKernel(config.kernelName, 'wasm')?.kernelFunc === config.kernelFunc) &&
    REPLACED.every(({ kernelName }) => getKernel(kernelName, 'wasm')?.kernelFunc === replacements.get(kernelName));
}
