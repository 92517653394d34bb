import type { KernelFunc, SplitVAttrs, SplitVInputs, TensorInfo } from '@tensorflow/tfjs';
import { backend_util, SplitV, util } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * SplitV on tfjs-backend-wasm as runs copied inside the heap: each output takes, for every index before the axis,
 * one contiguous run of x (its share of the axis times everything after it). The gradient of every inception
 * module's channel concatenation is one: the stock kernel slices each part through its Slice, which copies all of
 * x per part (49 ms a scenario-4 step at 224 px, batch 8, in Node; 82 ms in Chromium on two threads; this: 5 ms).
 * Strings and complex numbers, which do not live in the heap, are left to the stock kernel.
 */
type Args = { inputs: SplitVInputs; backend: BackendWasm; attrs: SplitVAttrs };

export function makeSplitV(stock: KernelFunc): KernelFunc {
  function splitV(args: Args): TensorInfo[] {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo[];
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const along = x.shape[axis];
    const outs = sizes.map((s) => backend.makeOutput(x.shape.map((d, i) => (i === axis ? s : d)), x.dtype));
    // One view of the whole heap, of x's element type, taken after the allocations (which may grow it).
    const xs = backend.typedArrayFromHeap(x);
    const heap = new (xs.constructor as new (buffer: ArrayBufferLike) => typeof xs)(xs.buffer);
    const base = xs.byteOffset / xs.BYTES_PER_ELEMENT;
    let first = 0;
    outs.forEach((out, k) => {
      const run = sizes[k] * inner;
      if (run > 0) {
        const to = backend.typedArrayFromHeap(out);
        let at = to.byteOffset / to.BYTES_PER_ELEMENT;
        for (let o = 0; o < outer; o++, at += run) {
          const from = base + (o * along + first) * inner;
          heap.copyWithin(at, from, from + run);
        }
      }
      first += sizes[k];
    });
    return outs;
  }
  return splitV as unknown as KernelFunc;
}

export const wasmSplitVKernel = {
  kernelName: SplitV,
  make: (stock: KernelFunc) => ({ kernelName: SplitV, backendName: 'wasm', kernelFunc: makeSplitV(stock) }),
};
