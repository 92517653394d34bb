import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { flatDispatch, mainHeader } from './program_util';

/**
 * The forward product and the filter gradient of an NHWC, dilation-1 convolution as one implicit-GEMM program,
 * C[M, N] = A[M, K] B[K, N], with A read straight from the activations (no im2col buffer):
 *
 * | op           | M (rows of C)  | N        | K (reduced)    | A[m, k]                       | B[k, n]            |
 * |--------------|----------------|----------|----------------|-------------------------------|--------------------|
 * | `forward`    | N*OH*OW        | CO       | KH*KW*CI       | x patch at output pixel m     | W as [K, CO]       |
 * | `filterGrad` | KH*KW*CI       | CO       | N*OH*OW        | x patch, transposed           | dy as [K, CO]      |
 *
 * C is the result in its natural layout (y NHWC and dW [KH, KW, CI, CO] are both row-major [M, N]).
 * (The input gradient stays with tfjs's vectorised kernel, which was faster than this formulation.)
 *
 * Each 16x16 workgroup computes a (16*rowsPerThread) x (16*colsPerThread) block of C, each invocation a
 * rowsPerThread x colsPerThread register tile read as vectors from workgroup memory, staging K in slices of 16; neighbouring invocations stage neighbouring floats of
 * memory (along K for A of `forward`, along M or N otherwise), and each staged row's pixel coordinates are
 * computed once, before the K loop. Each slice is summed on its own before joining a compensated (Kahan)
 * running sum, which keeps float32 rounding well below that of one long running sum (tfjs's kernels and its
 * CPU backend). When the blocks of C are too few to fill a GPU and K is long (filter gradients; deep layers
 * on small images), K is split across workgroups (z) into partial sums that {@link SumSplitsProgram} adds up.
 */
export type ConvGemmOp = 'forward' | 'filterGrad';

const TILE_K = 16;
const WORKGROUP_SIDE = 16;
const THREADS = WORKGROUP_SIDE * WORKGROUP_SIDE;
/** Enough workgroups to fill a large GPU (an H200 has 132 SMs, each holding up to 8 of these). */
const TARGET_WORKGROUPS = 1024;
/** Below this many K elements per workgroup, splitting costs more in partial sums than it gains. */
const MIN_K_PER_SPLIT = 256;
const MAX_SPLITS = 256;
/** Cap on partial-sum floats (256 MiB); GoogLeNet at batch 32 needs at most 4.4M (inception 4c 3x3 dW). */
const MAX_PARTIAL_FLOATS = 64 * 1024 * 1024;

export interface ConvGemmPlan {
  op: ConvGemmOp;
  m: number;
  n: number;
  k: number;
  rowsPerThread: 1 | 2 | 4;
  colsPerThread: 1 | 2 | 4;
  /** Number of K ranges, each summed by its own workgroups; 1 writes the result directly. */
  splits: number;
  /** K slices of TILE_K per split (the last split may run past K and reads zeros). */
  tilesPerSplit: number;
  /** 1x1, stride 1, no padding: A is a plain matrix, no patch arithmetic. */
  pointwise: boolean;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function vectorType(n: 1 | 2 | 4): string {
  return n === 1 ? 'f32' : `vec${n}<f32>`;
}

function perThread(extent: number): 1 | 2 | 4 {
  return extent <= WORKGROUP_SIDE ? 1 : extent <= 2 * WORKGROUP_SIDE ? 2 : 4;
}

export function isPointwise(convInfo: backend_util.Conv2DInfo): boolean {
  return convInfo.filterHeight === 1 && convInfo.filterWidth === 1 &&
    convInfo.strideHeight === 1 && convInfo.strideWidth === 1 &&
    convInfo.padInfo.top === 0 && convInfo.padInfo.left === 0 &&
    convInfo.outHeight === convInfo.inHeight && convInfo.outWidth === convInfo.inWidth;
}

export function planConvGemm(op: ConvGemmOp, convInfo: backend_util.Conv2DInfo): ConvGemmPlan {
  const c = convInfo;
  const taps = c.filterHeight * c.filterWidth;
  const outPixels = c.batchSize * c.outHeight * c.outWidth;
  const [m, n, k] =
    op === 'forward' ? [outPixels, c.outChannels, taps * c.inChannels] : [taps * c.inChannels, c.outChannels, outPixels];
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
  return { op, m, n, k, rowsPerThread, colsPerThread, splits, tilesPerSplit, pointwise: isPointwise(convInfo) };
}

/** What the epilogue adds to C when it is the final result (forward only; FusedConv2D). */
export interface ConvEpilogue {
  bias: boolean;
  activation: 'linear' | 'relu';
}

const NO_EPILOGUE: ConvEpilogue = { bias: false, activation: 'linear' };

function epilogueKey(e: ConvEpilogue): string {
  return `${e.bias ? 'b' : ''}${e.activation}`;
}

/** WGSL applying bias (a buffer named `bias`, indexed by column) and activation to `value` at column `col`. */
function epilogueSnippet(e: ConvEpilogue, value: string, col: string): string {
  let v = e.bias ? `(${value} + bias[${col}])` : value;
  if (e.activation === 'relu') v = `max(${v}, 0.0)`;
  return v;
}

const UNIFORMS =
  'M : i32, N : i32, K : i32, tilesPerSplit : i32, inHeight : i32, inWidth : i32, inChannels : i32, ' +
  'outHeight : i32, outWidth : i32, outChannels : i32, kernelWidth : i32, strideHeight : i32, ' +
  'strideWidth : i32, padTop : i32, padLeft : i32,';

function uniformData(plan: ConvGemmPlan, c: backend_util.Conv2DInfo) {
  return [
    plan.m, plan.n, plan.k, plan.tilesPerSplit, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth,
    c.outChannels, c.filterWidth, c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left,
  ].map((v) => ({ type: 'int32', data: [v] }));
}

/** WGSL staging one K slice of A into element `kk * tileM + row` of tileA (`setTileA`) and of B into
 * element `kk * tileN + col` of tileB (`setTileB`). */
interface Staging {
  /** Before the K loop: per-invocation constants (which rows/columns it stages, their pixel coordinates). */
  setup: string;
  /** Inside the K loop, `kTile` being the slice's first K index. */
  stage: string;
}

interface KLoop extends Staging {
  /** At the end of each K tile, after the products. */
  advance: string;
}

/** forward's A staged with neighbouring invocations along K = (kh, kw, ci): invocation stages slice index
 * `kk` of rows `aRow0 + i * pitch`. */
function stageForwardA(plan: ConvGemmPlan, tileM: number): Staging {
  const rows = tileM / (THREADS / TILE_K);
  const passes = range(rows);
  const pitch = THREADS / TILE_K;
  if (plan.pointwise) {
    // A = x as a row-major [M, CI] matrix.
    return {
      setup: passes.map((i) => `let aM${i} = blockRow + aRow0 + ${i * pitch};`).join('\n'),
      stage: passes.map((i) => `
        setTileA(kk * ${tileM} + aRow0 + ${i * pitch},
          select(0.0, x[aM${i} * uniforms.K + k], aM${i} < uniforms.M && kValid));`).join(''),
    };
  }
  // Row m = (n, oh, ow) reads x[n, oh*sh - padTop + kh, ow*sw - padLeft + kw, ci], k = (kh, kw, ci).
  return {
      setup: passes.map((i) => `
        let aM${i} = blockRow + aRow0 + ${i * pitch};
        let aN${i} = aM${i} / outArea;
        let aOh${i} = (aM${i} - aN${i} * outArea) / uniforms.outWidth;
        let aOw${i} = aM${i} - aN${i} * outArea - aOh${i} * uniforms.outWidth;
        let aBase${i} = aN${i} * uniforms.inHeight;
        let aH${i} = aOh${i} * uniforms.strideHeight - uniforms.padTop;
        let aW${i} = aOw${i} * uniforms.strideWidth - uniforms.padLeft;
        let aValid${i} = aM${i} < uniforms.M;`).join(''),
      stage: passes.map((i) => `
        {
          let ih = aH${i} + kh;
          let iw = aW${i} + kw;
          var v = 0.0;
          if (aValid${i} && kValid && ih >= 0 && ih < uniforms.inHeight && iw >= 0 && iw < uniforms.inWidth) {
            v = x[((aBase${i} + ih) * uniforms.inWidth + iw) * uniforms.inChannels + kc];
          }
          setTileA(kk * ${tileM} + aRow0 + ${i * pitch}, v);
        }`).join(''),
  };
}

/** filterGrad's A (neighbouring invocations along M = (kh, kw, ci), i.e. along ci in x). */
function stageFilterGradA(plan: ConvGemmPlan, tileM: number): Staging {
  const rows = plan.rowsPerThread;
  const readX = plan.pointwise ? 'x[k * uniforms.inChannels + aCi]' : 'readPatch(k, aKh, aKw, aCi)';
  return {
    setup: `
        let aRow = flatLocal % ${tileM};
        let aK = flatLocal / ${tileM};
        let aM = blockRow + aRow;
        let aValid = aM < uniforms.M;
        let kwci = uniforms.kernelWidth * uniforms.inChannels;
        let aKh = aM / kwci;
        let aKw = (aM - aKh * kwci) / uniforms.inChannels;
        let aCi = aM - aKh * kwci - aKw * uniforms.inChannels;`,
    stage: `
        for (var i = 0; i < ${rows}; i++) {
          let kk = aK + i * ${THREADS / tileM};
          let k = kTile + kk;
          var v = 0.0;
          if (aValid && k < uniforms.K) {
            v = ${readX};
          }
          setTileA(kk * ${tileM} + aRow, v);
        }`,
  };
}

/** B stored as a row-major [K, N] matrix (`forward`: W; `filterGrad`: dy): neighbours along N. */
function stageBAlongN(source: string, tileN: number, cols: number): Staging {
  return {
    setup: `
        let bCol = flatLocal % ${tileN};
        let bK = flatLocal / ${tileN};
        let bValid = blockCol + bCol < uniforms.N;`,
    stage: `
        for (var j = 0; j < ${cols}; j++) {
          let kk = bK + j * ${THREADS / tileN};
          let k = kTile + kk;
          var v = 0.0;
          if (bValid && k < uniforms.K) {
            v = ${source}[k * uniforms.N + blockCol + bCol];
          }
          setTileB(kk * ${tileN} + bCol, v);
        }`,
  };
}

export class ConvGemmProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = UNIFORMS;
  workgroupSize: [number, number, number] = [WORKGROUP_SIDE, WORKGROUP_SIDE, 1];

  /** `resultShape`: the final result's shape, written directly when there is one split, else partial sums
   * [splits, M, N]; the epilogue only applies in the first case. */
  constructor(private readonly plan: ConvGemmPlan, resultShape: number[], private readonly epilogue = NO_EPILOGUE) {
    this.outputShape = plan.splits === 1 ? resultShape : [plan.splits, plan.m, plan.n];
    this.variableNames = plan.op === 'forward' ? ['x', 'W'] : ['x', 'dy'];
    if (plan.splits === 1 && epilogue.bias) this.variableNames.push('bias');
    // Only y and z being present matters to tfjs (main() without a flat index); it never reads these dims.
    this.dispatchLayout = { x: [2], y: [1], z: [0] };
    this.dispatch = [
      Math.ceil(plan.n / (WORKGROUP_SIDE * plan.colsPerThread)),
      Math.ceil(plan.m / (WORKGROUP_SIDE * plan.rowsPerThread)),
      plan.splits,
    ];
    const e = plan.splits === 1 ? epilogueKey(epilogue) : 'partial';
    this.shaderKey = `foveaConvGemm_${plan.op}_${plan.rowsPerThread}_${plan.colsPerThread}_${plan.pointwise}_${e}`;
  }

  private staging(tileM: number, tileN: number): KLoop {
    const { op, colsPerThread } = this.plan;
    if (op === 'filterGrad') {
      const a = stageFilterGradA(this.plan, tileM);
      const b = stageBAlongN('dy', tileN, colsPerThread);
      return { setup: a.setup + b.setup, stage: a.stage + b.stage, advance: '' };
    }
    const a = stageForwardA(this.plan, tileM);
    const b = stageBAlongN('W', tileN, colsPerThread);
    // A is staged at this invocation's slice index kk of each K tile: k = kTile + kk, which for patches is
    // the tap (kh, kw) and input channel kc, divided out once and then advanced by TILE_K per tile without
    // integer division.
    const patch = !this.plan.pointwise;
    const channels = 'uniforms.inChannels';
    return {
      setup: `
        let kk = flatLocal % ${TILE_K};
        let aRow0 = flatLocal / ${TILE_K};
        let outArea = uniforms.outHeight * uniforms.outWidth;` + (patch ? `
        let kFirst = kBegin + kk;
        let taps = kFirst / ${channels};
        var kc = kFirst - taps * ${channels};
        var kh = taps / uniforms.kernelWidth;
        var kw = taps - kh * uniforms.kernelWidth;` : '') + a.setup + b.setup,
      stage: `
        let k = kTile + kk;
        let kValid = k < uniforms.K;` + a.stage + b.stage,
      advance: patch ? `
        kc = kc + ${TILE_K};
        while (kc >= ${channels}) {
          kc = kc - ${channels};
          kw = kw + 1;
          if (kw == uniforms.kernelWidth) {
            kw = 0;
            kh = kh + 1;
          }
        }` : '',
    };
  }

  getUserCode(): string {
    const rows = this.plan.rowsPerThread;
    const cols = this.plan.colsPerThread;
    const tileM = WORKGROUP_SIDE * rows;
    const tileN = WORKGROUP_SIDE * cols;
    const { setup, stage, advance } = this.staging(tileM, tileN);
    const epilogue = this.plan.splits === 1 ? this.epilogue : NO_EPILOGUE;
    // Invocation (tx, ty) owns rows ty*rows + i and columns tx*cols + j of the block: the tiles are arrays
    // of vectors (vec4 for 4 per invocation), so each K step reads its rows of A and columns of B with one
    // load each and updates a row of accumulators with one vector fma.
    const aType = vectorType(rows);
    const bType = vectorType(cols);
    const component = (n: number, v: string, i: number) => (n === 1 ? v : `${v}[${i}]`);
    const accumulators = range(rows).map((i) => `acc${i}`);
    const readPatch = this.plan.op === 'filterGrad' ? `
    fn readPatch(k : i32, kh : i32, kw : i32, ci : i32) -> f32 {
      let outArea = uniforms.outHeight * uniforms.outWidth;
      let n = k / outArea;
      let ohw = k - n * outArea;
      let oh = ohw / uniforms.outWidth;
      let ow = ohw - oh * uniforms.outWidth;
      let ih = oh * uniforms.strideHeight + kh - uniforms.padTop;
      let iw = ow * uniforms.strideWidth + kw - uniforms.padLeft;
      if (ih < 0 || ih >= uniforms.inHeight || iw < 0 || iw >= uniforms.inWidth) {
        return 0.0;
      }
      return x[((n * uniforms.inHeight + ih) * uniforms.inWidth + iw) * uniforms.inChannels + ci];
    }` : '';
    const setter = (name: string, n: number) => n === 1 ?
      `fn set${name}(i : i32, v : f32) { ${name.charAt(0).toLowerCase()}${name.slice(1)}[i] = v; }` :
      `fn set${name}(i : i32, v : f32) { ${name.charAt(0).toLowerCase()}${name.slice(1)}[i / ${n}][i % ${n}] = v; }`;
    return `
    var<workgroup> tileA : array<${aType}, ${TILE_K * WORKGROUP_SIDE}>;
    var<workgroup> tileB : array<${bType}, ${TILE_K * WORKGROUP_SIDE}>;
    ${setter('TileA', rows)}
    ${setter('TileB', cols)}
    ${readPatch}

    // Kahan summation of the per-tile sums: the running sum's rounding error stays at a few ulps however
    // long K is (108 tiles at inception 5b's 3x3), at 4 adds per tile instead of 1.
    fn compensatedAdd(sum : ${bType}, value : ${bType}, lost : ptr<function, ${bType}>) -> ${bType} {
      let y = value - *lost;
      let t = sum + y;
      *lost = (t - sum) - y;
      return t;
    }

    fn writeResult(splitOffset : i32, row : i32, col : i32, value : f32) {
      if (row < uniforms.M && col < uniforms.N) {
        setOutputAtIndex(splitOffset + row * uniforms.N + col, ${epilogueSnippet(epilogue, 'value', 'col')});
      }
    }

    ${mainHeader()} {
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      let flatLocal = ty * ${WORKGROUP_SIDE} + tx;
      let blockRow = i32(workgroupId.y) * ${tileM};
      let blockCol = i32(workgroupId.x) * ${tileN};
      let kBegin = i32(workgroupId.z) * uniforms.tilesPerSplit * ${TILE_K};
      ${setup}

      ${accumulators.map((a) => `var ${a} = ${bType}(0.0); var lost_${a} = ${bType}(0.0);`).join(' ')}

      for (var t = 0; t < uniforms.tilesPerSplit; t++) {
        let kTile = kBegin + t * ${TILE_K};
        ${stage}
        workgroupBarrier();

        ${accumulators.map((a) => `var tile_${a} = ${bType}(0.0);`).join(' ')}
        for (var j = 0; j < ${TILE_K}; j++) {
          let a = tileA[j * ${WORKGROUP_SIDE} + ty];
          let b = tileB[j * ${WORKGROUP_SIDE} + tx];
          ${accumulators.map((acc, i) => `tile_${acc} = fma(${bType}(${component(rows, 'a', i)}), b, tile_${acc});`).join('\n          ')}
        }
        ${accumulators.map((a) => `${a} = compensatedAdd(${a}, tile_${a}, &lost_${a});`).join('\n        ')}
        workgroupBarrier();
        ${advance}
      }

      let splitOffset = i32(workgroupId.z) * uniforms.M * uniforms.N;
      ${accumulators.map((acc, i) => range(cols).map((j) => `writeResult(splitOffset, blockRow + ty * ${rows} + ${i}, blockCol + tx * ${cols} + ${j}, ${component(cols, acc, j)});`).join('\n      ')).join('\n      ')}
    }
    `;
  }
}

/** result[i] = sum over splits of partial[s, i] (+ bias, activation): one invocation per element, reads
 * coalesced per split. */
export class SumSplitsProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['partial'];
  uniforms = 'splits : i32, columns : i32,';
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(outputShape: number[], private readonly epilogue = NO_EPILOGUE) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = flatDispatch(outputShape.reduce((a, b) => a * b, 1), this.workgroupSize);
    if (epilogue.bias) this.variableNames.push('bias');
    this.shaderKey = `foveaSumSplits_${epilogueKey(epilogue)}`;
  }

  getUserCode(): string {
    return `
    ${mainHeader('index')} {
      if (index < uniforms.size) {
        var sum = 0.0;
        for (var s = 0; s < uniforms.splits; s++) {
          sum = sum + partial[s * uniforms.size + index];
        }
        let col = index % uniforms.columns;
        setOutputAtIndex(index, ${epilogueSnippet(this.epilogue, 'sum', 'col')});
      }
    }
    `;
  }
}

/**
 * Runs one conv product on `backend`: `inputs` in the program's order (forward: x, W; filterGrad: x, dy), plus the bias for a forward epilogue with bias. Returns a new float32 tensor of
 * `resultShape`; intermediate partial sums are freed.
 */
export function runConvGemm(
  backend: WebGPUBackend, op: ConvGemmOp, convInfo: backend_util.Conv2DInfo, inputs: TensorInfo[],
  resultShape: number[], epilogue: ConvEpilogue = NO_EPILOGUE,
): TensorInfo {
  const plan = planConvGemm(op, convInfo);
  const [a, b, bias] = inputs;
  const gemm = new ConvGemmProgram(plan, resultShape, epilogue);
  const gemmInputs = plan.splits === 1 && epilogue.bias ? [a, b, bias] : [a, b];
  const product = backend.runWebGPUProgram(gemm, gemmInputs, 'float32', uniformData(plan, convInfo));
  if (plan.splits === 1) return product;
  const sum = new SumSplitsProgram(resultShape, epilogue);
  const result = backend.runWebGPUProgram(sum, epilogue.bias ? [product, bias] : [product], 'float32',
    [{ type: 'int32', data: [plan.splits] }, { type: 'int32', data: [plan.n] }]);
  backend.disposeData(product.dataId);
  return result;
}

/** Whether the implicit GEMM handles a convolution; anything else goes to the stock kernel. */
export function convGemmSupports(convInfo: backend_util.Conv2DInfo, ...tensors: TensorInfo[]): boolean {
  return convInfo.dataFormat === 'channelsLast' && convInfo.dilationHeight === 1 && convInfo.dilationWidth === 1 &&
    tensors.every((t) => t.dtype === 'float32' && t.shape.length === 4);
}
