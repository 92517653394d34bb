/**
 * The tfjs backend of the Node tests that train GoogLeNet: WebAssembly (SIMD) with Fovea's convolution-gradient
 * kernels (src/core/kernels/wasm), several times faster than tfjs's plain CPU backend. The wasm kernels themselves
 * are checked against the CPU backend in their own tests (conv2d_backprop_filter.test.ts, trainer-wasm.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFoveaWasmKernels } from '../../src/core/kernels/wasm';

export async function useWasmBackend(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  await tf.ready();
  registerFoveaWasmKernels();
}
