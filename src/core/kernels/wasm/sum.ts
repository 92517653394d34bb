import type { KernelFunc, SumAttrs, SumInputs, TensorInfo } from '@tensorflow/tfjs';
import { backend_util, Sum, util } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Sum over leading axes on tfjs-backend-wasm, as a bias gradient is (dy summed over N, H, W): rows of the trailing
 * axes added up in one pass, in float64. The stock kernel first transposes x so that the reduced axes come last
 * (a full copy of every convolution's dy: 38 ms of a scenario-4 step at 224 px, batch 8; 154 ms of scenario 2's,
 * whose conv1 dy is 8 x 112 x 112 x 64). Any other reduction, and other dtypes, go to the stock kernel.
 */
type Args = { inputs: SumInputs; backend: BackendWasm; attrs: SumAttrs };

export function makeSum(stock: KernelFunc): KernelFunc {
  function sum(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const width = util.sizeFromShape(x.shape.slice(axes.length));
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(attrs.keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept, 'float32');
    // Views taken after the allocation, which may grow (and so replace) the heap.
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const acc = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      const row = r * width;
      for (let c = 0; c < width; c++) acc[c] += xs[row + c];
    }
    (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
    return out;
  }
  return sum as unknown as KernelFunc;
}

export const wasmSumKernel = {
  kernelName: Sum,
  make: (stock: KernelFunc) => ({ kernelName: Sum, backendName: 'wasm', kernelFunc: makeSum(stock) }),
};
