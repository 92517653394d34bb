import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmOps } from './ops';
import { simdKernels } from './simd/simd';

/**
 * A 3x3, stride-1, dilation-1 NHWC convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016),
 * on tfjs-backend-wasm: each 2x2 block of outputs is A^T [(G g G^T) ⊙ (B^T d B)] A over its 4x4 input tile d,
 * so the products become 16 matrix products, one per tile position k, V_k [tiles, Cin] @ U_k [Cin, Cout] on
 * XNNPACK: 2.25x fewer multiplications than the direct convolution, whose speed (35 GFLOP/s, WebAssembly SIMD
 * without FMA) bounds a training step on the CPU. The transforms are additions over contiguous channel runs.
 * Rounding: each output sums 16 products of transformed values instead of 9; error measured against the
 * direct convolution in winograd.test.ts. With WebAssembly SIMD and channels in fours the input, output and dy
 * transforms run in kernels.wat (simd/), 4 channels at a time; the loops here are their reference.
 */

/** Zero padding of the input, in pixels. */
export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Added to the output in the output transform: FusedConv2D's bias and ReLU, free there. */
export interface Epilogue {
  bias?: TensorInfo;
  relu?: boolean;
}

/**
 * Where the transformed filter's 3x3 taps come from: a forward convolution's HWIO filter as it is, or, for the
 * input gradient (dy correlated with the filter turned half a turn, channels swapped), the same filter read
 * turned: U[k][co][ci] from W[2 - i][2 - j][ci][co], with no turned copy made.
 */
export type FilterReading = 'as-is' | 'turned';

/** How a transform lays out each of its 16 matrices: [tiles, C] ('rows') or [C, tiles] ('columns'). */
type Layout = 'rows' | 'columns';

/** Largest transformed input or product held at once, in floats (32 MB): images are processed in chunks below it. */
const MAX_CHUNK_FLOATS = 8 * 1024 * 1024;

export interface WinogradOptions {
  reading?: FilterReading;
  epilogue?: Epilogue;
  /** Default {@link MAX_CHUNK_FLOATS}; tests set it lower to exercise chunks. */
  maxChunkFloats?: number;
}

/** Whether a convolution is one {@link winogradConv3x3} computes. */
export function isWinogradShape(filterShape: readonly number[], strides: readonly number[] | number, dilations: readonly number[] | number): boolean {
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  return filterShape[0] === 3 && filterShape[1] === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1;
}

/**
 * conv2d(x, filter) for a 3x3 filter, stride 1, dilation 1, with explicit zero padding; x is NHWC float32,
 * filter [3, 3, Cin, Cout] (read as {@link FilterReading}). Returns a new tensor the caller owns.
 */
export function winogradConv3x3(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, padding: Padding,
  { reading = 'as-is', epilogue = {}, maxChunkFloats = MAX_CHUNK_FLOATS }: WinogradOptions = {},
): TensorInfo {
  const [n, h, w, cin] = x.shape;
  const cout = reading === 'as-is' ? filter.shape[3] : filter.shape[2];
  const oh = h + padding.top + padding.bottom - 2;
  const ow = w + padding.left + padding.right - 2;
  const out = backend.makeOutput([n, oh, ow, cout], 'float32');
  if (n * oh * ow * cout === 0) return out;
  const ops = new WasmOps(backend);
  try {
    const { th, tw, hp, wp, xp } = tileGrid(ops, x, padding, oh, ow);
    const u = transformFilter(backend, ops, filter, reading);
    const perImage = th * tw * Math.max(cin, cout) * 16;
    const chunk = Math.max(1, Math.min(n, Math.floor(maxChunkFloats / perImage)));
    for (let first = 0; first < n; first += chunk) {
      const images = Math.min(chunk, n - first);
      const step = new WasmOps(backend);
      try {
        const tiles = images * th * tw;
        const v = Array.from({ length: 16 }, () => step.empty([tiles, cin]));
        transformInput(backend, xp, v, first, images, hp, wp, th, tw);
        const m = v.map((vk, k) => step.matMul(vk, u[k]));
        transformOutput(backend, m, out, first, images, th, tw, oh, ow, epilogue);
      } finally {
        step.disposeIntermediates();
      }
    }
    return out;
  } finally {
    ops.disposeIntermediates();
  }
}

/**
 * The grid of 2x2 output blocks (th x tw) over an oh x ow output and x padded to match: (2 th + 2) x (2 tw + 2), so that
 * every block's 4x4 input tile lies inside (the extra rows and columns zeros).
 */
function tileGrid(ops: WasmOps, x: TensorInfo, padding: Padding, oh: number, ow: number) {
  const [, h, w] = x.shape;
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const hp = 2 * th + 2;
  const wp = 2 * tw + 2;
  const xp = ops.pad(x, [[0, 0], [padding.top, hp - h - padding.top], [padding.left, wp - w - padding.left], [0, 0]]);
  return { th, tw, hp, wp, xp };
}

/** The heap as one Float32Array and the float offset of a tensor's data in it. */
function heapOf(backend: BackendWasm, t: TensorInfo): { heap: Float32Array; at: number } {
  const view = backend.typedArrayFromHeap(t) as Float32Array;
  // Not >> 2: offsets past 2 GB (a 448-px training step gets there) would turn negative.
  return { heap: new Float32Array(view.buffer), at: view.byteOffset / 4 };
}

/** U_k = (G g G^T)_k for every (ci, co): 16 matrices [Cin, Cout]. G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]. */
function transformFilter(backend: BackendWasm, ops: WasmOps, filter: TensorInfo, reading: FilterReading): TensorInfo[] {
  const [, , fin, fout] = filter.shape;
  // Rows (ci) and columns (co) of each U_k; turned, the filter's output channels are U's rows.
  const [rows, cols] = reading === 'as-is' ? [fin, fout] : [fout, fin];
  const u = Array.from({ length: 16 }, () => ops.empty([rows, cols]));
  const { heap, at: g0 } = heapOf(backend, filter);
  const tap = fin * fout; // distance between taps (i, j) and (i, j + 1)
  // Turned, tap (i, j) is read from (2 - i, 2 - j): the taps in reverse order.
  const [t0, dt] = reading === 'as-is' ? [0, tap] : [8 * tap, -tap];
  // Consecutive pairs (r, c) and (r, c + 1) are this far apart in the filter.
  const [rowStep, colStep] = reading === 'as-is' ? [fout, 1] : [1, fout];
  const [u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15] = u.map((t) => heapOf(backend, t).at);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const at = g0 + t0 + r * rowStep + c * colStep;
      const a0 = heap[at], a1 = heap[at + dt], a2 = heap[at + 2 * dt];
      const b0 = heap[at + 3 * dt], b1 = heap[at + 4 * dt], b2 = heap[at + 5 * dt];
      const d0 = heap[at + 6 * dt], d1 = heap[at + 7 * dt], d2 = heap[at + 8 * dt];
      // G g: 4 rows of 3 (rows a, b, d of the filter combined).
      const e0 = 0.5 * (a0 + b0 + d0), e1 = 0.5 * (a1 + b1 + d1), e2 = 0.5 * (a2 + b2 + d2);
      const f0 = 0.5 * (a0 - b0 + d0), f1 = 0.5 * (a1 - b1 + d1), f2 = 0.5 * (a2 - b2 + d2);
      // (G g) G^T: each row of 3 to 4.
      const o = r * cols + c;
      heap[u0 + o] = a0; heap[u1 + o] = 0.5 * (a0 + a1 + a2); heap[u2 + o] = 0.5 * (a0 - a1 + a2); heap[u3 + o] = a2;
      heap[u4 + o] = e0; heap[u5 + o] = 0.5 * (e0 + e1 + e2); heap[u6 + o] = 0.5 * (e0 - e1 + e2); heap[u7 + o] = e2;
      heap[u8 + o] = f0; heap[u9 + o] = 0.5 * (f0 + f1 + f2); heap[u10 + o] = 0.5 * (f0 - f1 + f2); heap[u11 + o] = f2;
      heap[u12 + o] = d0; heap[u13 + o] = 0.5 * (d0 + d1 + d2); heap[u14 + o] = 0.5 * (d0 - d1 + d2); heap[u15 + o] = d2;
    }
  }
  return u;
}

/**
 * V_k[tile][c] = (B^T d B)_k over each 4x4 tile d of the padded input, images [first, first + images), each V_k
 * [tiles, C] or, laid out by 'columns', V_k^T [C, tiles]. B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
 */
function transformInput(
  backend: BackendWasm, xp: TensorInfo, v: TensorInfo[], first: number, images: number, hp: number, wp: number, th: number, tw: number,
  layout: Layout = 'rows',
): void {
  const cin = xp.shape[3];
  const { heap, at: x0 } = heapOf(backend, xp);
  const vAt = v.map((t) => heapOf(backend, t).at);
  const simd = layout === 'rows' && cin % 4 === 0 ? simdKernels(backend) : null;
  if (simd) return simd.winograd_input(4 * x0, hp, wp, cin, first, images, th, tw, ...vAt.map((a) => 4 * a));
  const [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15] = vAt;
  const col = cin; // distance between horizontally adjacent pixels
  const [tileStride, cStride] = layout === 'rows' ? [cin, 1] : [1, images * th * tw];
  let o = 0; // tile * tileStride
  for (let b = first; b < first + images; b++) {
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx++, o += tileStride) {
        const r0 = x0 + ((b * hp + 2 * ty) * wp + 2 * tx) * cin;
        const r1 = r0 + wp * cin, r2 = r1 + wp * cin, r3 = r2 + wp * cin;
        for (let c = 0; c < cin; c++) {
          // Rows of B^T d: t_r = combinations of input rows, 4 columns each.
          const a0 = r0 + c, a1 = r1 + c, a2 = r2 + c, a3 = r3 + c;
          const d00 = heap[a0], d01 = heap[a0 + col], d02 = heap[a0 + 2 * col], d03 = heap[a0 + 3 * col];
          const d10 = heap[a1], d11 = heap[a1 + col], d12 = heap[a1 + 2 * col], d13 = heap[a1 + 3 * col];
          const d20 = heap[a2], d21 = heap[a2 + col], d22 = heap[a2 + 2 * col], d23 = heap[a2 + 3 * col];
          const d30 = heap[a3], d31 = heap[a3 + col], d32 = heap[a3 + 2 * col], d33 = heap[a3 + 3 * col];
          const t00 = d00 - d20, t01 = d01 - d21, t02 = d02 - d22, t03 = d03 - d23;
          const t10 = d10 + d20, t11 = d11 + d21, t12 = d12 + d22, t13 = d13 + d23;
          const t20 = d20 - d10, t21 = d21 - d11, t22 = d22 - d12, t23 = d23 - d13;
          const t30 = d10 - d30, t31 = d11 - d31, t32 = d12 - d32, t33 = d13 - d33;
          const at = o + c * cStride;
          // (B^T d) B: the same combinations across each row.
          heap[v0 + at] = t00 - t02; heap[v1 + at] = t01 + t02; heap[v2 + at] = t02 - t01; heap[v3 + at] = t01 - t03;
          heap[v4 + at] = t10 - t12; heap[v5 + at] = t11 + t12; heap[v6 + at] = t12 - t11; heap[v7 + at] = t11 - t13;
          heap[v8 + at] = t20 - t22; heap[v9 + at] = t21 + t22; heap[v10 + at] = t22 - t21; heap[v11 + at] = t21 - t23;
          heap[v12 + at] = t30 - t32; heap[v13 + at] = t31 + t32; heap[v14 + at] = t32 - t31; heap[v15 + at] = t31 - t33;
        }
      }
    }
  }
}

/**
 * y's 2x2 blocks = A^T m A from the 16 products M_k [tiles, Cout], A^T = [[1, 1, 1, 0], [0, 1, -1, -1]], plus the
 * bias and ReLU; blocks that overhang an odd-sized output keep their inside part.
 */
function transformOutput(
  backend: BackendWasm, m: TensorInfo[], out: TensorInfo, first: number, images: number, th: number, tw: number, oh: number, ow: number,
  { bias, relu = false }: Epilogue,
): void {
  const cout = out.shape[3];
  const { heap, at: y0 } = heapOf(backend, out);
  const mAt = m.map((t) => heapOf(backend, t).at);
  const b0 = bias ? heapOf(backend, bias).at : -1;
  const low = relu ? 0 : -Infinity;
  const simd = cout % 4 === 0 ? simdKernels(backend) : null;
  if (simd) {
    return simd.winograd_output(...mAt.map((a) => 4 * a), 4 * y0, bias ? 4 * b0 : -1, low, cout, first, images, th, tw, oh, ow);
  }
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = mAt;
  let o = 0; // tile * cout
  for (let b = first; b < first + images; b++) {
    for (let ty = 0; ty < th; ty++) {
      const down = 2 * ty + 1 < oh; // the block's second row is inside
      for (let tx = 0; tx < tw; tx++, o += cout) {
        const across = 2 * tx + 1 < ow;
        const y00 = y0 + ((b * oh + 2 * ty) * ow + 2 * tx) * cout;
        const y10 = y00 + ow * cout;
        for (let c = 0; c < cout; c++) {
          const at = o + c;
          const p0 = heap[m0 + at], p1 = heap[m1 + at], p2 = heap[m2 + at], p3 = heap[m3 + at];
          const p4 = heap[m4 + at], p5 = heap[m5 + at], p6 = heap[m6 + at], p7 = heap[m7 + at];
          const p8 = heap[m8 + at], p9 = heap[m9 + at], p10 = heap[m10 + at], p11 = heap[m11 + at];
          const p12 = heap[m12 + at], p13 = heap[m13 + at], p14 = heap[m14 + at], p15 = heap[m15 + at];
          // A^T m: two rows of four.
          const s0 = p0 + p4 + p8, s1 = p1 + p5 + p9, s2 = p2 + p6 + p10, s3 = p3 + p7 + p11;
          const e0 = p4 - p8 - p12, e1 = p5 - p9 - p13, e2 = p6 - p10 - p14, e3 = p7 - p11 - p15;
          const add = b0 >= 0 ? heap[b0 + c] : 0;
          heap[y00 + c] = Math.max(low, s0 + s1 + s2 + add);
          if (across) heap[y00 + cout + c] = Math.max(low, s1 - s2 - s3 + add);
          if (down) {
            heap[y10 + c] = Math.max(low, e0 + e1 + e2 + add);
            if (across) heap[y10 + cout + c] = Math.max(low, e1 - e2 - e3 + add);
          }
        }
      }
    }
  }
}

/**
 * The filter gradient of a 3x3, stride-1, dilation-1 NHWC convolution, dW[i][j][ci][co] = sum over (n, y, x) of
 * x_padded[n][y + i][x + j][ci] dy[n][y][x][co], by the transpose of F(2x2, 3x3), F(3x3, 2x2): each 2x2 block e of
 * dy with its 4x4 input tile d adds G^T [(A e A^T) ⊙ (B^T d B)] G, so dW = G^T [sum over tiles of V_k^T E_k] G:
 * 16 products [Cin, tiles] @ [tiles, Cout] on XNNPACK (its fast path takes no transposed operand: the narrower
 * of V_k and E_k is written turned by its transform, the product then being M_k or M_k^T). Returns [3, 3, Cin, Cout].
 */
export function winogradFilterGradient3x3(
  backend: BackendWasm, x: TensorInfo, dy: TensorInfo, padding: Padding, { maxChunkFloats = MAX_CHUNK_FLOATS }: WinogradOptions = {},
): TensorInfo {
  const [n, , , cin] = x.shape;
  const [, oh, ow, cout] = dy.shape;
  const ops = new WasmOps(backend);
  try {
    const { th, tw, hp, wp, xp } = tileGrid(ops, x, padding, oh, ow);
    const perImage = th * tw * (cin + cout) * 16;
    const chunk = Math.max(1, Math.min(n, Math.floor(maxChunkFloats / perImage)));
    // The products are M_k [Cin, Cout] when V_k is turned, else M_k^T [Cout, Cin]: (row, column) strides of (ci, co).
    const turnV = cin <= cout;
    const [ciStride, coStride] = turnV ? [cout, 1] : [1, cin];
    const pairs = cin * cout;
    // With more than one chunk of images, the sums of their products (laid out as the products).
    const sums = n > chunk ? new Float32Array(16 * pairs) : null;
    let products: TensorInfo[] = [];
    for (let first = 0; first < n; first += chunk) {
      const images = Math.min(chunk, n - first);
      const step = first + chunk >= n ? ops : new WasmOps(backend); // the last chunk's products are read below
      try {
        const tiles = images * th * tw;
        // The narrower of V_k and E_k is made turned, [C, tiles], by its transform.
        const v = Array.from({ length: 16 }, () => step.empty(turnV ? [cin, tiles] : [tiles, cin]));
        const e = Array.from({ length: 16 }, () => step.empty(turnV ? [tiles, cout] : [cout, tiles]));
        transformInput(backend, xp, v, first, images, hp, wp, th, tw, turnV ? 'columns' : 'rows');
        transformGradient(backend, dy, e, first, images, th, tw, turnV ? 'rows' : 'columns');
        products = v.map((vk, k) => (turnV ? step.matMul(vk, e[k]) : step.matMul(e[k], vk)));
        if (sums) {
          products.forEach((m, k) => {
            const mk = backend.typedArrayFromHeap(m) as Float32Array;
            for (let i = 0, at = k * pairs; i < pairs; i++, at++) sums[at] += mk[i];
          });
        }
      } finally {
        if (step !== ops) step.disposeIntermediates();
      }
    }
    const out = backend.makeOutput([3, 3, cin, cout], 'float32');
    // Views taken after the allocation, which may grow (and so replace) the heap.
    const { heap, at: w0 } = heapOf(backend, out);
    const [m, mAt] = sums ? [sums, Array.from({ length: 16 }, (_, k) => k * pairs)] : [heap, products.map((t) => heapOf(backend, t).at)];
    const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = mAt;
    const tap = pairs; // distance between taps (i, j) and (i, j + 1) of dW
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) {
        const at = ci * ciStride + co * coStride;
        const p0 = m[m0 + at], p1 = m[m1 + at], p2 = m[m2 + at], p3 = m[m3 + at];
        const p4 = m[m4 + at], p5 = m[m5 + at], p6 = m[m6 + at], p7 = m[m7 + at];
        const p8 = m[m8 + at], p9 = m[m9 + at], p10 = m[m10 + at], p11 = m[m11 + at];
        const p12 = m[m12 + at], p13 = m[m13 + at], p14 = m[m14 + at], p15 = m[m15 + at];
        // G^T M: three rows of four. G^T = [[1, .5, .5, 0], [0, .5, -.5, 0], [0, .5, .5, 1]].
        const h0 = 0.5 * (p4 + p8), h1 = 0.5 * (p5 + p9), h2 = 0.5 * (p6 + p10), h3 = 0.5 * (p7 + p11);
        const a0 = p0 + h0, a1 = p1 + h1, a2 = p2 + h2, a3 = p3 + h3;
        const b0 = 0.5 * (p4 - p8), b1 = 0.5 * (p5 - p9), b2 = 0.5 * (p6 - p10), b3 = 0.5 * (p7 - p11);
        const c0 = h0 + p12, c1 = h1 + p13, c2 = h2 + p14, c3 = h3 + p15;
        // (G^T M) G: each row of four to three.
        const o = w0 + ci * cout + co;
        const ha = 0.5 * (a1 + a2), hb = 0.5 * (b1 + b2), hc = 0.5 * (c1 + c2);
        heap[o] = a0 + ha; heap[o + tap] = 0.5 * (a1 - a2); heap[o + 2 * tap] = ha + a3;
        heap[o + 3 * tap] = b0 + hb; heap[o + 4 * tap] = 0.5 * (b1 - b2); heap[o + 5 * tap] = hb + b3;
        heap[o + 6 * tap] = c0 + hc; heap[o + 7 * tap] = 0.5 * (c1 - c2); heap[o + 8 * tap] = hc + c3;
      }
    }
    return out;
  } finally {
    ops.disposeIntermediates();
  }
}

/**
 * E_k[tile][co] = (A e A^T)_k over each 2x2 block e of dy (zeros past an odd-sized edge), images
 * [first, first + images), laid out as in {@link transformInput}. A = [[1, 0], [1, 1], [1, -1], [0, -1]].
 */
function transformGradient(
  backend: BackendWasm, dy: TensorInfo, e: TensorInfo[], first: number, images: number, th: number, tw: number, layout: Layout = 'rows',
): void {
  const [, oh, ow, cout] = dy.shape;
  const { heap, at: g0 } = heapOf(backend, dy);
  const eAt = e.map((t) => heapOf(backend, t).at);
  const simd = layout === 'rows' && cout % 4 === 0 ? simdKernels(backend) : null;
  if (simd) return simd.winograd_gradient(4 * g0, oh, ow, cout, first, images, th, tw, ...eAt.map((a) => 4 * a));
  const [e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15] = eAt;
  const [tileStride, cStride] = layout === 'rows' ? [cout, 1] : [1, images * th * tw];
  let o = 0; // tile * tileStride
  for (let b = first; b < first + images; b++) {
    for (let ty = 0; ty < th; ty++) {
      const down = 2 * ty + 1 < oh;
      for (let tx = 0; tx < tw; tx++, o += tileStride) {
        const across = 2 * tx + 1 < ow;
        const a00 = g0 + ((b * oh + 2 * ty) * ow + 2 * tx) * cout;
        const a10 = a00 + ow * cout;
        for (let c = 0; c < cout; c++) {
          const p = heap[a00 + c];
          const q = across ? heap[a00 + cout + c] : 0;
          const r = down ? heap[a10 + c] : 0;
          const s = down && across ? heap[a10 + cout + c] : 0;
          // A e: rows (p, q), (p + r, q + s), (p - r, q - s), (-r, -s); then each row (u, v) to (u, u + v, u - v, -v).
          const u1 = p + r, v1 = q + s, u2 = p - r, v2 = q - s;
          const at = o + c * cStride;
          heap[e0 + at] = p; heap[e1 + at] = p + q; heap[e2 + at] = p - q; heap[e3 + at] = -q;
          heap[e4 + at] = u1; heap[e5 + at] = u1 + v1; heap[e6 + at] = u1 - v1; heap[e7 + at] = -v1;
          heap[e8 + at] = u2; heap[e9 + at] = u2 + v2; heap[e10 + at] = u2 - v2; heap[e11 + at] = -v2;
          heap[e12 + at] = -r; heap[e13 + at] = -r - s; heap[e14 + at] = s - r; heap[e15 + at] = s;
        }
      }
    }
  }
}
