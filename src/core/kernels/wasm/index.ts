import { getKernel, registerKernel } from '@tensorflow/tfjs';
import { wasmConv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { stockWasmKernel, WASM_BUILDING_BLOCKS } from './ops';

export { UnsupportedWasmConvolutionError } from './conv2d_backprop_filter';
export { WasmKernelsMissingError } from './ops';

/** Kernels tfjs-backend-wasm lacks and training needs, added by Fovea for the 'wasm' backend. */
const FOVEA_WASM_KERNELS = [wasmConv2DBackpropFilterConfig];

/**
 * Adds Fovea's wasm kernels (today Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks: tensorflow/tfjs#8474),
 * so convolutions train on the CPU. Call after importing '@tensorflow/tfjs-backend-wasm'; idempotent, and a
 * kernel a later tfjs-backend-wasm brings itself is left in place.
 */
export function registerFoveaWasmKernels(): void {
  WASM_BUILDING_BLOCKS.forEach(stockWasmKernel);
  for (const config of FOVEA_WASM_KERNELS) {
    if (getKernel(config.kernelName, 'wasm') === undefined) registerKernel(config);
  }
}

/** Whether the 'wasm' backend's Conv2DBackpropFilter is Fovea's. */
export function foveaWasmKernelsRegistered(): boolean {
  return FOVEA_WASM_KERNELS.every((config) => getKernel(config.kernelName, 'wasm')?.kernelFunc === config.kernelFunc);
}
