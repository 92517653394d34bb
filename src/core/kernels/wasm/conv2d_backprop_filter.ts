import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropFilterInputs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmOps } from './ops';

/**
 * Filter gradient of an NHWC, dilation-1 convolution on tfjs-backend-wasm, which has none (tensorflow/tfjs#8474),
 * composed from the backend's own XNNPACK matrix product and native copies, as im2col^T @ dy on a grid:
 *  - x, padded, is split into its sh x sw stride phases, each an Hq x Wq image read at stride 1, and
 *    transposed (one native transpose) to rows of channels: xT [(phase, Cin), N*Hq*Wq];
 *  - dy sits in the top-left OH x OW corner of the same Hq x Wq grid, zeros elsewhere, as rows dy [N*Hq*Wq, Cout];
 *  - kernel offset (i, j) reads phase (i mod sh, j mod sw) shifted by o = (i div sh)*Wq + (j div sw) grid
 *    positions, so its gradient is xT_phase[:, o, o + L) @ dy[0, L): row pieces copied whole, no gather.
 *    Pairs that wrap across a grid row or an image meet a zero of dy. L = N*Hq*Wq - the largest shift.
 * Offsets' row pieces are stacked to [(i, j, Cin), L] and multiplied in one product, which is already dW's
 * [kh, kw, Cin, Cout] layout; the stack is built in chunks of at most {@link MAX_STACK_FLOATS}.
 * Every product is a plain [M, L] @ [L, Cout]: XNNPACK's fast path takes no transposed operand
 * (x^T dy with transposeA measured 10x slower here), and dy's packed copy is reused by every chunk.
 */
type Args = { inputs: Conv2DBackpropFilterInputs; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs };

/**
 * Thrown for a layout the wasm filter gradient does not implement (NCHW). Dilation needs no check: the op has no
 * dilation attribute, and tfjs's conv2d gradient refuses dilation > 1 before it is called.
 */
export class UnsupportedWasmConvolutionError extends Error {
  constructor(what: string) {
    super(`Fovea's wasm Conv2DBackpropFilter supports NHWC convolutions with dilation 1 only, got ${what}.`);
    this.name = 'UnsupportedWasmConvolutionError';
  }
}

/** Largest stack of shifted rows built at once (64 MB): GoogLeNet's conv2/3x3 at 224 px, batch 8, fits in one. */
const MAX_STACK_FLOATS = 16 * 1024 * 1024;

export function conv2DBackpropFilter({ inputs, backend, attrs }: Args): TensorInfo {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') throw new UnsupportedWasmConvolutionError(`dataFormat '${dataFormat}'`);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const ops = new WasmOps(backend);
  try {
    return ops.output(filterGradient(ops, x, dy, info), info.filterShape);
  } finally {
    ops.disposeIntermediates();
  }
}

function filterGradient(ops: WasmOps, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inChannels: cin, outChannels: cout, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const { strideHeight: sh, strideWidth: sw, inHeight, inWidth, outHeight: oh, outWidth: ow } = info;
  // The padded image, rounded up to whole strides: Hq x Wq positions per phase.
  const hq = Math.ceil((inHeight + padInfo.top + padInfo.bottom) / sh);
  const wq = Math.ceil((inWidth + padInfo.left + padInfo.right) / sw);
  const xPadded = ops.pad(x, [[0, 0], [padInfo.top, hq * sh - inHeight - padInfo.top],
    [padInfo.left, wq * sw - inWidth - padInfo.left], [0, 0]]);
  const positions = n * hq * wq;
  // [N, Hq, sh, Wq, sw, C] -> [sh, sw, C, N, Hq, Wq]: the phases' channel rows.
  const xT = ops.reshape(ops.transpose(ops.reshape(xPadded, [n, hq, sh, wq, sw, cin]), [2, 4, 5, 0, 1, 3]),
    [sh * sw * cin, positions]);
  const shiftOf = (i: number, j: number) => Math.floor(i / sh) * wq + Math.floor(j / sw);
  const length = positions - shiftOf(kh - 1, kw - 1);
  const dyGrid = ops.reshape(ops.pad(dy, [[0, 0], [0, hq - oh], [0, wq - ow], [0, 0]]), [positions, cout]);
  const dyRows = length === positions ? dyGrid : ops.stackBlocks(dyGrid, [{ row: 0, rows: length, col: 0 }], cout);

  const blockOf = ([i, j]: number[]) => ({ row: ((i % sh) * sw + (j % sw)) * cin, rows: cin, col: shiftOf(i, j) });
  const offsets = Array.from({ length: kh * kw }, (_, k) => [Math.floor(k / kw), k % kw]);
  const perChunk = Math.max(1, Math.floor(MAX_STACK_FLOATS / (cin * length)));
  const chunks: TensorInfo[] = [];
  for (let first = 0; first < offsets.length; first += perChunk) {
    const blocks = offsets.slice(first, first + perChunk).map(blockOf);
    const whole = blocks.length === 1 && sh * sw === 1 && blocks[0].col === 0 && length === positions;
    chunks.push(ops.matMul(whole ? xT : ops.stackBlocks(xT, blocks, length), dyRows));
  }
  return chunks.length === 1 ? chunks[0] : ops.concat(chunks, 0);
}

export const wasmConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
