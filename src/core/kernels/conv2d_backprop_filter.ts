import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropFilterInputs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { type FoveaKernel, flatDispatch, mainHeader } from './program_util';

/**
 * Filter gradient of an NHWC, dilation-1 convolution as one matrix product over the N*OH*OW positions:
 *   dW[m, co] = sum_k A[m, k] * dy[k, co],  m = (kh, kw, ci),  k = (n, oh, ow),
 *   A[m, k] = x[n, oh*sh + kh - padTop, ow*sw + kw - padLeft, ci]  (0 outside the image).
 * dW laid out [KH, KW, CI, CO] is exactly the [M, CO] result, and dy is already a [K, CO] matrix.
 * A 1x1 stride-1 unpadded convolution reads A straight from x viewed as [K, CI] (x^T dy).
 *
 * Each 16x16 workgroup computes a (16*rowsPerThread) x (16*colsPerThread) block of dW, staging K in
 * slices of 16 through workgroup memory; each slice is summed on its own before joining the running sum,
 * which keeps float32 rounding error well below that of one long running sum (stock tfjs's). K is huge
 * (batch*56*56 at GoogLeNet's second stage) and M*CO small, so K is split across workgroups (z) into
 * partial sums that {@link SumSplitsProgram} adds up.
 */
const TILE_K = 16;
const WORKGROUP_SIDE = 16;
/** Enough workgroups to fill a large GPU (an H200 has 132 SMs, each holding up to 8 of these). */
const TARGET_WORKGROUPS = 1024;
/** Below this many K elements per workgroup, splitting costs more in partial sums than it gains. */
const MIN_K_PER_SPLIT = 256;
const MAX_SPLITS = 256;
/** Cap on partial-sum floats (256 MiB); GoogLeNet at batch 32 needs at most 4.4M (inception 4c 3x3). */
const MAX_PARTIAL_FLOATS = 64 * 1024 * 1024;

export interface FilterGemmShape {
  /** KH * KW * CI: rows of dW. */
  m: number;
  /** CO: columns of dW. */
  n: number;
  /** N * OH * OW: the reduced dimension. */
  k: number;
  rowsPerThread: 1 | 2 | 4;
  colsPerThread: 1 | 2 | 4;
  /** Number of K ranges, each summed by its own workgroups; 1 writes dW directly. */
  splits: number;
  /** K slices of TILE_K per split (the last split may run past K and reads zeros). */
  tilesPerSplit: number;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function perThread(extent: number): 1 | 2 | 4 {
  return extent <= WORKGROUP_SIDE ? 1 : extent <= 2 * WORKGROUP_SIDE ? 2 : 4;
}

export function planFilterGemm(convInfo: backend_util.Conv2DInfo): FilterGemmShape {
  const m = convInfo.filterHeight * convInfo.filterWidth * convInfo.inChannels;
  const n = convInfo.outChannels;
  const k = convInfo.batchSize * convInfo.outHeight * convInfo.outWidth;
  const rowsPerThread = perThread(m);
  const colsPerThread = perThread(n);
  const blocks = Math.ceil(m / (WORKGROUP_SIDE * rowsPerThread)) * Math.ceil(n / (WORKGROUP_SIDE * colsPerThread));
  const kTiles = Math.ceil(k / TILE_K);
  let splits = Math.min(
    Math.ceil(TARGET_WORKGROUPS / blocks),
    Math.floor(k / MIN_K_PER_SPLIT),
    MAX_SPLITS,
    Math.floor(MAX_PARTIAL_FLOATS / (m * n)),
  );
  splits = Math.max(1, splits);
  const tilesPerSplit = Math.ceil(kTiles / splits);
  splits = Math.ceil(kTiles / tilesPerSplit);
  return { m, n, k, rowsPerThread, colsPerThread, splits, tilesPerSplit };
}

export class Conv2DBackpropFilterGemmProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 'dy'];
  uniforms =
    'M : i32, N : i32, K : i32, tilesPerSplit : i32, kernelWidth : i32, inChannels : i32, ' +
    'outWidth : i32, outArea : i32, inHeight : i32, inWidth : i32, strideHeight : i32, strideWidth : i32, ' +
    'padTop : i32, padLeft : i32,';
  workgroupSize: [number, number, number] = [WORKGROUP_SIDE, WORKGROUP_SIDE, 1];
  private readonly plan: FilterGemmShape;
  private readonly pointwise: boolean;

  /** Output is dW itself ([KH, KW, CI, CO]) for one split, else partial sums [splits, M, N]. */
  constructor(convInfo: backend_util.Conv2DInfo, plan: FilterGemmShape) {
    this.plan = plan;
    this.pointwise = convInfo.filterHeight === 1 && convInfo.filterWidth === 1 &&
      convInfo.strideHeight === 1 && convInfo.strideWidth === 1 &&
      convInfo.padInfo.top === 0 && convInfo.padInfo.left === 0 &&
      convInfo.outHeight === convInfo.inHeight && convInfo.outWidth === convInfo.inWidth;
    this.outputShape = plan.splits === 1 ? convInfo.filterShape : [plan.splits, plan.m, plan.n];
    // Only y and z being present matters to tfjs (main() without a flat index); it never reads these dims.
    this.dispatchLayout = { x: [2], y: [1], z: [0] };
    this.dispatch = [
      Math.ceil(plan.n / (WORKGROUP_SIDE * plan.colsPerThread)),
      Math.ceil(plan.m / (WORKGROUP_SIDE * plan.rowsPerThread)),
      plan.splits,
    ];
    this.shaderKey =
      `foveaConv2DBackpropFilterGemm_${plan.rowsPerThread}_${plan.colsPerThread}_${this.pointwise}`;
  }

  getUserCode(): string {
    const rows = this.plan.rowsPerThread;
    const cols = this.plan.colsPerThread;
    const tileM = WORKGROUP_SIDE * rows;
    const tileN = WORKGROUP_SIDE * cols;
    const threads = WORKGROUP_SIDE * WORKGROUP_SIDE;
    // Unrolled by hand: per-invocation arrays indexed in loops may land in slow local memory.
    const accumulators = range(rows * cols).map((ij) => `acc${Math.floor(ij / cols)}_${ij % cols}`);
    // x[n, ih, iw, ci] for reduction index k and this invocation's row (kh, kw, ci) of A.
    const readX = this.pointwise ?
      `x[k * uniforms.inChannels + aCi]` :
      `readPatch(k, aKh, aKw, aCi)`;
    return `
    var<workgroup> tileA : array<f32, ${TILE_K * tileM}>;
    var<workgroup> tileB : array<f32, ${TILE_K * tileN}>;

    fn readPatch(k : i32, kh : i32, kw : i32, ci : i32) -> f32 {
      let n = k / uniforms.outArea;
      let ohw = k - n * uniforms.outArea;
      let oh = ohw / uniforms.outWidth;
      let ow = ohw - oh * uniforms.outWidth;
      let ih = oh * uniforms.strideHeight + kh - uniforms.padTop;
      let iw = ow * uniforms.strideWidth + kw - uniforms.padLeft;
      if (ih < 0 || ih >= uniforms.inHeight || iw < 0 || iw >= uniforms.inWidth) {
        return 0.0;
      }
      return x[((n * uniforms.inHeight + ih) * uniforms.inWidth + iw) * uniforms.inChannels + ci];
    }

    fn writeResult(splitOffset : i32, row : i32, col : i32, value : f32) {
      if (row < uniforms.M && col < uniforms.N) {
        setOutputAtIndex(splitOffset + row * uniforms.N + col, value);
      }
    }

    ${mainHeader()} {
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      let flatLocal = ty * ${WORKGROUP_SIDE} + tx;
      let blockRow = i32(workgroupId.y) * ${tileM};
      let blockCol = i32(workgroupId.x) * ${tileN};
      let kBegin = i32(workgroupId.z) * uniforms.tilesPerSplit * ${TILE_K};

      // The row of A this invocation stages: fixed for the whole K loop.
      let aRow = flatLocal % ${tileM};
      let aK = flatLocal / ${tileM};
      let m = blockRow + aRow;
      let aValid = m < uniforms.M;
      let kwci = uniforms.kernelWidth * uniforms.inChannels;
      let aKh = m / kwci;
      let aKw = (m - aKh * kwci) / uniforms.inChannels;
      let aCi = m - aKh * kwci - aKw * uniforms.inChannels;
      // The column of dy this invocation stages.
      let bCol = flatLocal % ${tileN};
      let bK = flatLocal / ${tileN};
      let bValid = blockCol + bCol < uniforms.N;

      ${accumulators.map((a) => `var ${a} = 0.0;`).join(' ')}

      for (var t = 0; t < uniforms.tilesPerSplit; t++) {
        let kTile = kBegin + t * ${TILE_K};
        for (var i = 0; i < ${rows}; i++) {
          let kk = aK + i * ${threads / tileM};
          let k = kTile + kk;
          var v = 0.0;
          if (aValid && k < uniforms.K) {
            v = ${readX};
          }
          tileA[kk * ${tileM} + aRow] = v;
        }
        for (var i = 0; i < ${cols}; i++) {
          let kk = bK + i * ${threads / tileN};
          let k = kTile + kk;
          var v = 0.0;
          if (bValid && k < uniforms.K) {
            v = dy[k * uniforms.N + blockCol + bCol];
          }
          tileB[kk * ${tileN} + bCol] = v;
        }
        workgroupBarrier();

        ${accumulators.map((a) => `var tile_${a} = 0.0;`).join(' ')}
        for (var kk = 0; kk < ${TILE_K}; kk++) {
          ${range(rows).map((i) => `let a${i} = tileA[kk * ${tileM} + ty + ${i * WORKGROUP_SIDE}];`).join(' ')}
          ${range(cols).map((j) => `let b${j} = tileB[kk * ${tileN} + tx + ${j * WORKGROUP_SIDE}];`).join(' ')}
          ${accumulators.map((a, ij) => `tile_${a} = fma(a${Math.floor(ij / cols)}, b${ij % cols}, tile_${a});`).join('\n          ')}
        }
        ${accumulators.map((a) => `${a} = ${a} + tile_${a};`).join(' ')}
        workgroupBarrier();
      }

      let splitOffset = i32(workgroupId.z) * uniforms.M * uniforms.N;
      ${accumulators.map((a, ij) => `writeResult(splitOffset, blockRow + ty + ${Math.floor(ij / cols) * WORKGROUP_SIDE}, blockCol + tx + ${(ij % cols) * WORKGROUP_SIDE}, ${a});`).join('\n      ')}
    }
    `;
  }
}

/** dW[i] = sum over splits of partial[s, i]: one invocation per element of dW, reads coalesced per split. */
export class SumSplitsProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'foveaSumSplits';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['partial'];
  uniforms = 'splits : i32,';
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(outputShape: number[]) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = flatDispatch(outputShape.reduce((a, b) => a * b, 1), this.workgroupSize);
  }

  getUserCode(): string {
    return `
    ${mainHeader('index')} {
      if (index < uniforms.size) {
        var sum = 0.0;
        for (var s = 0; s < uniforms.splits; s++) {
          sum = sum + partial[s * uniforms.size + index];
        }
        setOutputAtIndex(index, sum);
      }
    }
    `;
  }
}

type Conv2DBackpropFilterArgs = {
  inputs: Conv2DBackpropFilterInputs;
  backend: WebGPUBackend;
  attrs: Conv2DBackpropFilterAttrs;
};

/** Whether the GEMM path handles this call; anything else goes to the stock kernel. */
export function gemmSupports(x: TensorInfo, dy: TensorInfo, convInfo: backend_util.Conv2DInfo): boolean {
  return convInfo.dataFormat === 'channelsLast' && x.dtype === 'float32' && dy.dtype === 'float32' &&
    x.shape.length === 4 && convInfo.dilationHeight === 1 && convInfo.dilationWidth === 1 &&
    dy.shape[1] === convInfo.outHeight && dy.shape[2] === convInfo.outWidth;
}

/** Builds the kernel function; `fallback` is the stock tfjs kernel for configurations we do not handle. */
export function makeConv2DBackpropFilter(fallback: KernelFunc): KernelFunc {
  function conv2DBackpropFilter(args: Conv2DBackpropFilterArgs): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const convInfo = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false,
      backend_util.convertConv2DDataFormat(dataFormat));
    if (!gemmSupports(x, dy, convInfo)) {
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const plan = planFilterGemm(convInfo);
    const uniformData = [
      plan.m, plan.n, plan.k, plan.tilesPerSplit, convInfo.filterWidth, convInfo.inChannels,
      convInfo.outWidth, convInfo.outHeight * convInfo.outWidth, convInfo.inHeight, convInfo.inWidth,
      convInfo.strideHeight, convInfo.strideWidth, convInfo.padInfo.top, convInfo.padInfo.left,
    ].map((v) => ({ type: 'int32', data: [v] }));
    const gemm = new Conv2DBackpropFilterGemmProgram(convInfo, plan);
    const product = backend.runWebGPUProgram(gemm, [x, dy], 'float32', uniformData);
    if (plan.splits === 1) return product;
    const sum = new SumSplitsProgram(convInfo.filterShape);
    const result = backend.runWebGPUProgram(sum, [product], 'float32', [{ type: 'int32', data: [plan.splits] }]);
    backend.disposeData(product.dataId);
    return result;
  }
  return conv2DBackpropFilter as unknown as KernelFunc;
}

export const conv2DBackpropFilterKernel: FoveaKernel = {
  kernelName: Conv2DBackpropFilter,
  make: (stock: KernelFunc): KernelConfig =>
    ({ kernelName: Conv2DBackpropFilter, backendName: 'webgpu', kernelFunc: makeConv2DBackpropFilter(stock) }),
};
