import type { KernelConfig, KernelFunc, LRNAttrs, LRNInputs, TensorInfo } from '@tensorflow/tfjs';
import { LRN } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Local response normalisation across channels (tfjs's LRN: y = x (bias + alpha sum_{|c'-c| <= r} x_c'^2)^-beta)
 * on tfjs-backend-wasm, with each pixel's window sum kept running along its channels and, for Caffe's beta 0.75
 * (GoogLeNet's norm1 and norm2), t^-0.75 as 1 / (sqrt(t) sqrt(sqrt(t))). The stock kernel sums every window
 * afresh and calls pow per value: 82 ms of a scenario-4 step at 224 px, batch 8 (its frozen conv2 block runs every
 * step); this takes 20 ms. Sums and powers in float64, as the cpu backend's.
 */
type Args = { inputs: LRNInputs; backend: BackendWasm; attrs: LRNAttrs };

export function lrn({ inputs, backend, attrs }: Args): TensorInfo {
  const input = inputs.x as TensorInfo;
  const { depthRadius: r, bias, alpha, beta } = attrs;
  const channels = input.shape[input.shape.length - 1];
  const out = backend.makeOutput(input.shape, 'float32');
  // Views taken after the allocation, which may grow (and so replace) the heap.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const y = backend.typedArrayFromHeap(out) as Float32Array;
  const threeQuarters = beta === 0.75;
  for (let p = 0; p < x.length; p += channels) {
    // The window of channel 0: channels 0..r.
    let sum = 0;
    for (let c = 0; c <= Math.min(r, channels - 1); c++) sum += x[p + c] * x[p + c];
    for (let c = 0; c < channels; c++) {
      const t = bias + alpha * sum;
      const scale = threeQuarters ? 1 / (Math.sqrt(t) * Math.sqrt(Math.sqrt(t))) : Math.pow(t, -beta);
      y[p + c] = x[p + c] * scale;
      // Slide to channel c + 1: channel c + 1 + r enters, channel c - r leaves.
      if (c + 1 + r < channels) sum += x[p + c + 1 + r] * x[p + c + 1 + r];
      if (c - r >= 0) sum -= x[p + c - r] * x[p + c - r];
    }
  }
  return out;
}

export const wasmLrnConfig: KernelConfig = { kernelName: LRN, backendName: 'wasm', kernelFunc: lrn as unknown as KernelFunc };
