import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { BatchMatMul, Concat, Conv2D, getKernel, PadV2, Reshape, Slice, StridedSlice, Transpose } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The stock wasm kernels Fovea's wasm kernels are composed of. */
export const WASM_BUILDING_BLOCKS = [BatchMatMul, Concat, Conv2D, PadV2, Reshape, Slice, StridedSlice, Transpose] as const;

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

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(Transpose, { x }, { perm });
  }

  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    if (paddings.every(([before, after]) => before === 0 && after === 0)) return x;
    return this.run(PadV2, { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run(Slice, { x }, { begin, size });
  }

  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    return this.run(StridedSlice, { x }, {
      begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
    });
  }

  /** Stride-1, dilation-1 NHWC convolution with explicit [top, bottom] and [left, right] zero padding (XNNPACK). */
  conv2d(x: TensorInfo, filter: TensorInfo, padding: { top: number; bottom: number; left: number; right: number }): TensorInfo {
    const pad = [[0, 0], [padding.top, padding.bottom], [padding.left, padding.right], [0, 0]];
    return this.run(Conv2D, { x, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] });
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
