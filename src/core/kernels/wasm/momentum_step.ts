import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from './simd/simd';

/**
 * One SGD-with-momentum step of one variable, L2 decay included, in one pass (Fovea's kernel, wasm only):
 *   g' = gradient + value * decay (decay 0: gradient);  accumulation' = momentum * accumulation + g';
 *   value' = (-learningRate) * accumulation' + value
 * in float32, in the order tfjs's MomentumOptimizer and Fovea's decay compute it with six element-wise kernels
 * (each a pass over every weight, 550 kernel calls a scenario-4 step): the same numbers. Outputs
 * [accumulation', value']. SIMD (kernels.wat) where it runs; the loop below is its reference.
 */
export const MOMENTUM_STEP = 'FoveaMomentumStep';

export interface MomentumStepInputs extends NamedTensorInfoMap {
  value: TensorInfo;
  accumulation: TensorInfo;
  gradient: TensorInfo;
}

export interface MomentumStepAttrs extends NamedAttrMap {
  learningRate: number;
  momentum: number;
  decay: number;
}

type Args = { inputs: MomentumStepInputs; backend: BackendWasm; attrs: MomentumStepAttrs };

export function momentumStep({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { value, accumulation, gradient } = inputs;
  const round = Math.fround;
  const [negLr, momentum, decay] = [round(-attrs.learningRate), round(attrs.momentum), round(attrs.decay)];
  const accOut = backend.makeOutput(value.shape, 'float32');
  const valueOut = backend.makeOutput(value.shape, 'float32');
  // Views taken after the allocations, which may grow (and so replace) the heap.
  const v = backend.typedArrayFromHeap(value) as Float32Array;
  const a = backend.typedArrayFromHeap(accumulation) as Float32Array;
  const g = backend.typedArrayFromHeap(gradient) as Float32Array;
  const a2 = backend.typedArrayFromHeap(accOut) as Float32Array;
  const v2 = backend.typedArrayFromHeap(valueOut) as Float32Array;
  const simd = simdKernels(backend);
  if (simd) {
    simd.momentum_step(v.byteOffset, a.byteOffset, g.byteOffset, a2.byteOffset, v2.byteOffset, v.length, negLr, momentum, decay);
  } else {
    for (let i = 0; i < v.length; i++) {
      const gi = decay === 0 ? g[i] : round(g[i] + round(v[i] * decay));
      const acc = round(round(momentum * a[i]) + gi);
      a2[i] = acc;
      v2[i] = round(negLr * acc) + v[i];
    }
  }
  return [accOut, valueOut];
}

export const wasmMomentumStepConfig: KernelConfig = {
  kernelName: MOMENTUM_STEP,
  backendName: 'wasm',
  kernelFunc: momentumStep as unknown as KernelFunc,
};
