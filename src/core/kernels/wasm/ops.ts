import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { BatchMatMul, Concat, Conv2D, getKernel, PadV2, Reshape, Transpose } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The stock wasm kernels Fovea's wasm kernels are composed of. */
export const WASM_BUILDING_BLOCKS = [BatchMatMul, Concat, Conv2D, PadV2, Reshape, Transpose] as const;

/** Thrown when a stock wasm kernel is missing: tfjs-backend-wasm is not imported yet. */
export class WasmKernelsMissingError extends Error {
  constructor(kernelName: string) {
    super(`The stock wasm kernel '${kernelName}' is not registered: import '@tensorflow/tfjs-backend-wasm' before ` +
      'calling registerFoveaWasmKernels().');
    this.name = 'WasmKernelsMissingError';
  }
}

export function stockWasmKernel(kernelName: string): KernelFunc {
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) throw new WasmKernelsMissingError(kernelName);
  return config.kernelFunc;
}

/**
 * The wasm backend's own kernels called directly inside a kernel (no engine, no tensors): every result is
 * an intermediate owned by this object until {@link output} hands one out; {@link disposeIntermediates}
 * frees the rest (a reshape shares its input's data and holds one reference of it, freed the same way).
 */
export class WasmOps {
  private readonly intermediates: TensorInfo[] = [];

  constructor(private readonly backend: BackendWasm) {}

  private run(kernelName: string, inputs: Record<string, TensorInfo | TensorInfo[]>, attrs: object): TensorInfo {
    const kernelFunc = stockWasmKernel(kernelName) as unknown as
      (args: { inputs: typeof inputs; backend: BackendWasm; attrs: object }) => TensorInfo;
    const out = kernelFunc({ inputs, backend: this.backend, attrs });
    this.intermediates.push(out);
    return out;
  }

  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run(BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(Reshape, { x }, { shape });
  }

  /**
   * x with its axes permuted, on the fewest axes that describe the move: size-1 axes dropped, and axes that stay
   * next to each other in the same order merged (the stock kernel drops size-1 axes only, and its general
   * loop is several times slower than its 2-D one: a 1x1 convolution's [N, H, W, C] -> [C, N, H, W] is [NHW, C]^T).
   */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const { shape, perm: merged } = mergeTransposeAxes(x.shape, perm);
    const outShape = perm.map((axis) => x.shape[axis]);
    if (merged.every((axis, i) => axis === i)) return this.reshape(x, outShape); // moves no data
    return this.reshape(this.run(Transpose, { x: this.reshape(x, shape) }, { perm: merged }), outShape);
  }

  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    if (paddings.every(([before, after]) => before === 0 && after === 0)) return x;
    return this.run(PadV2, { x }, { paddings, constantValue: 0 });
  }

  /**
   * Stride-1, dilation-1 NHWC convolution with explicit [top, bottom] and [left, right] zero padding: the registered
   * wasm Conv2D, so Fovea's (conv2d.ts: Winograd for large 3x3 ones, XNNPACK for the rest) once registered.
   */
  conv2d(x: TensorInfo, filter: TensorInfo, padding: { top: number; bottom: number; left: number; right: number }): TensorInfo {
    const pad = [[0, 0], [padding.top, padding.bottom], [padding.left, padding.right], [0, 0]];
    return this.run(Conv2D, { x, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] });
  }

  /**
   * Blocks of a 2-D float32 `x` stacked into one [sum of rows, width] matrix: block b is rows [row, row + rows)
   * of x, columns [col, col + width). What Slice then Concat would give, copied once, straight from the heap
   * (the Slice kernel first copies all of x for every slice).
   */
  stackBlocks(x: TensorInfo, blocks: { row: number; rows: number; col: number }[], width: number): TensorInfo {
    const out = this.backend.makeOutput([blocks.reduce((n, b) => n + b.rows, 0), width], 'float32');
    this.intermediates.push(out);
    // Views taken after the allocation, which may grow (and so replace) the heap.
    const from = this.backend.typedArrayFromHeap(x) as Float32Array;
    const to = this.backend.typedArrayFromHeap(out) as Float32Array;
    const stride = x.shape[1];
    let at = 0;
    for (const { row, rows, col } of blocks) {
      for (let r = row; r < row + rows; r++, at += width) to.set(from.subarray(r * stride + col, r * stride + col + width), at);
    }
    return out;
  }

  /** A new float32 intermediate of `shape`, its contents unset: the caller fills it from the heap. */
  empty(shape: number[]): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.intermediates.push(out);
    return out;
  }

  concat(xs: TensorInfo[], axis: number): TensorInfo {
    return this.run(Concat, xs as unknown as Record<string, TensorInfo>, { axis });
  }

  /** The kernel's result, `x` reshaped to `shape`; it survives {@link disposeIntermediates}. */
  output(x: TensorInfo, shape: number[]): TensorInfo {
    this.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype: x.dtype };
  }

  disposeIntermediates(): void {
    for (const t of this.intermediates) this.backend.disposeData(t.dataId);
    this.intermediates.length = 0;
  }
}

/**
 * The same permutation on fewer axes: size-1 axes dropped, then each run of input axes that lands consecutively
 * and in order in the output merged into one. Returns the input's reshaped shape and the permutation on it.
 */
export function mergeTransposeAxes(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  if (kept.length === 0) return { shape: [], perm: [] };
  // Runs in output order: an axis joins the previous one's run when it directly follows it in the input.
  const runs: number[][] = [];
  for (const axis of kept) {
    const last = runs[runs.length - 1];
    const prev = last?.[last.length - 1];
    // Input axes between prev and axis all have size 1 (dropped) when the next kept input axis after prev is axis.
    if (last && axis > prev! && shape.slice(prev! + 1, axis).every((d) => d === 1)) last.push(axis);
    else runs.push([axis]);
  }
  const byInput = [...runs].sort((a, b) => a[0] - b[0]);
  return {
    shape: byInput.map((run) => run.reduce((n, axis) => n * shape[axis], 1)),
    perm: runs.map((run) => byInput.indexOf(run)),
  };
}
