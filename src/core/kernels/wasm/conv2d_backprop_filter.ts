import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropFilterInputs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { useWinograd } from './conv2d';
import { WasmOps } from './ops';
import { winogradFilterGradient3x3 } from './winograd';

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
 * 3x3 stride-1 ones over enough output blocks go to Winograd ({@link winogradFilterGradient3x3}).
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
  if (useWinograd(info)) return winogradFilterGradient3x3(backend, x, dy, info.padInfo);
  const ops = new WasmOps(backend);
  try {
    const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
    const gradient = !stride1 ? filterGradient(ops, x, dy, info) :
      info.filterHeight * info.filterWidth === 1 && !hasPadding(info) ? pointwiseFilterGradient(ops, x, dy, info) :
      stride1FilterGradient(backend, ops, x, dy, info);
    return ops.output(gradient, info.filterShape);
  } finally {
    ops.disposeIntermediates();
  }
}

const hasPadding = ({ padInfo: p }: backend_util.Conv2DInfo) => p.top + p.bottom + p.left + p.right > 0;

/**
 * A 1x1, stride-1 convolution's filter gradient is x^T dy over the N*H*W positions. Of the two operands laid out
 * as rows of positions, the one with fewer channels is transposed (a strided copy, slower than XNNPACK's packing
 * of the other): dy when Cout < Cin (every inception 1x1 reduction), giving dW^T, which is small to turn back.
 */
function pointwiseFilterGradient(ops: WasmOps, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { inChannels: cin, outChannels: cout } = info;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const x2 = ops.reshape(x, [positions, cin]);
  const dy2 = ops.reshape(dy, [positions, cout]);
  if (cin <= cout) return ops.matMul(ops.transpose(x2, [1, 0]), dy2);
  return ops.transpose(ops.matMul(ops.transpose(dy2, [1, 0]), x2), [1, 0]);
}

/**
 * Filter gradient of a stride-1 convolution as one exact im2col^T @ dy: x, padded, is transposed to channel rows
 * [Cin, N, Hp, Wp]; kernel offset (i, j)'s rows read each image row h + i from column j, OW values long, so the
 * stack [(i, j, Cin), N*OH*OW] holds only real output positions (the grid of {@link filterGradient} also
 * multiplies its padding: +15% at 28 px, +65% at 7 px for 3x3). Built in chunks of offsets as there.
 */
function stride1FilterGradient(
  backend: BackendWasm, ops: WasmOps, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inChannels: cin, outChannels: cout, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const { outHeight: oh, outWidth: ow } = info;
  const hp = info.inHeight + padInfo.top + padInfo.bottom;
  const wp = info.inWidth + padInfo.left + padInfo.right;
  const xPadded = ops.pad(x, [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]]);
  const xT = ops.transpose(xPadded, [3, 0, 1, 2]);
  const positions = n * oh * ow;
  const dyRows = ops.reshape(dy, [positions, cout]);
  const perChunk = Math.max(1, Math.floor(MAX_STACK_FLOATS / (cin * positions)));
  const chunks: TensorInfo[] = [];
  for (let first = 0; first < kh * kw; first += perChunk) {
    const offsets = Math.min(perChunk, kh * kw - first);
    const stack = ops.empty([offsets * cin, positions]);
    // Both live in the wasm heap: runs are moved by copyWithin on one view of it (2x a JS loop's speed here),
    // taken after the allocation, which may grow (and so replace) the heap.
    const from = backend.typedArrayFromHeap(xT) as Float32Array;
    const heap = new Float32Array(from.buffer);
    const base = from.byteOffset / 4;
    let at = (backend.typedArrayFromHeap(stack) as Float32Array).byteOffset / 4;
    for (let k = first; k < first + offsets; k++) {
      const [i, j] = [Math.floor(k / kw), k % kw];
      for (let c = 0; c < cin; c++) {
        for (let b = 0; b < n; b++) {
          for (let h = 0; h < oh; h++, at += ow) {
            const src = base + ((c * n + b) * hp + h + i) * wp + j;
            heap.copyWithin(at, src, src + ow);
          }
        }
      }
    }
    chunks.push(ops.matMul(stack, dyRows));
  }
  return chunks.length === 1 ? chunks[0] : ops.concat(chunks, 0);
}

/** Any stride: the padded image split into stride phases on a grid (see the file's comment). */
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
