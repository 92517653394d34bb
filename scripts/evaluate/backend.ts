/** The evaluate command's tfjs backend: wasm (any CPU, SIMD, Fovea's filter gradient), WebGPU through dawn.node with Fovea's kernels, or cpu. */
import * as tf from '@tensorflow/tfjs';
import type { EvaluateBackend } from './options';

/** Activates the backend and says what it is, for the log and metrics.json. */
export async function installBackend(backend: EvaluateBackend): Promise<string> {
  if (backend === 'webgpu') {
    const { installWebGPU } = await import('../bench/node-host');
    const platform = await installWebGPU();
    const { registerFoveaKernels } = await import('../../src/core/kernels/index');
    registerFoveaKernels();
    return `webgpu (${platform}, Fovea kernels)`;
  }
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('The wasm backend did not start.');
    await tf.ready();
    const { registerFoveaWasmKernels } = await import('../../src/core/kernels/wasm/index');
    registerFoveaWasmKernels(); // tfjs-backend-wasm has no Conv2DBackpropFilter: Fovea's lets convolutions train
    return `wasm (${wasm.getThreadsCount()} thread${wasm.getThreadsCount() === 1 ? '' : 's'})`;
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu (tfjs plain JavaScript backend)';
}
