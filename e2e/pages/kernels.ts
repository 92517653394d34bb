// Harness for e2e/kernels.spec.mjs: runs each check case on the CPU backend (reference) and on WebGPU with
// Fovea's kernels, on identical seeded random inputs, and reports the error; also times stock vs Fovea.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { foveaKernelsRegistered, registerFoveaKernels, unregisterFoveaKernels } from '../../src/core/kernels';
import { FLOAT16_MAX, gatherFloat16, packFloat16 } from '../../src/core/kernels/float16_pack';
import { FeatureCache } from '../../src/core/train/feature-cache';

type Shape4 = [number, number, number, number];

interface LrnParams {
  radius: number;
  bias: number;
  alpha: number;
  beta: number;
}

/** GoogLeNet's LRN: Caffe local_size 5, alpha 1e-4 (divided by size), beta 0.75, k 1. */
const GOOGLENET_LRN: LrnParams = { radius: 2, bias: 1, alpha: 1e-4 / 5, beta: 0.75 };

type CheckCase =
  | { name: string; kind: 'LRN' | 'LRNGrad'; shape: Shape4; lrn: LrnParams; scale: number }
  | {
    name: string;
    kind: 'Conv2DBackpropFilter';
    xShape: Shape4;
    filterShape: Shape4;
    strides: [number, number];
    pad: 'same' | 'valid';
    /** Defaults to NHWC; NCHW is left to the stock kernel, which this checks the fallback reaches. */
    dataFormat?: 'NHWC' | 'NCHW';
  }
  | {
    name: string;
    /** Conv2D in training; FusedConv2D (+ bias, ReLU) at inference and when the feature cache is built. */
    kind: 'Conv2D' | 'FusedConv2D';
    xShape: Shape4;
    filterShape: Shape4;
    strides: [number, number];
    pad: 'same' | 'valid';
    /** Dilated convolutions are left to the stock kernel. */
    dilation?: number;
  };

// Activations feeding GoogLeNet's LRNs are ReLU outputs of up to a few hundred (Caffe's 0-255 input scale):
// scale 100 makes alpha * sum(x^2) about 1, so the normalisation and its gradient's second term matter.
const CHECK_CASES: CheckCase[] = [
  { name: 'LRN 2x16x16x64 (pool1/norm1)', kind: 'LRN', shape: [2, 16, 16, 64], lrn: GOOGLENET_LRN, scale: 100 },
  { name: 'LRN 2x14x14x192 (conv2/norm2)', kind: 'LRN', shape: [2, 14, 14, 192], lrn: GOOGLENET_LRN, scale: 100 },
  { name: 'LRN 1x7x7x13 unit scale', kind: 'LRN', shape: [1, 7, 7, 13], lrn: GOOGLENET_LRN, scale: 1 },
  {
    name: 'LRN 2x5x5x13 r=1 beta=0.5', kind: 'LRN', shape: [2, 5, 5, 13],
    lrn: { radius: 1, bias: 2, alpha: 0.1, beta: 0.5 }, scale: 3,
  },
  {
    name: 'LRN 1x3x3x9 r=5 beta=0.6 (pow)', kind: 'LRN', shape: [1, 3, 3, 9],
    lrn: { radius: 5, bias: 1.5, alpha: 0.05, beta: 0.6 }, scale: 2,
  },
  { name: 'LRNGrad 2x16x16x64 (pool1/norm1)', kind: 'LRNGrad', shape: [2, 16, 16, 64], lrn: GOOGLENET_LRN, scale: 100 },
  {
    name: 'LRNGrad 2x14x14x192 (conv2/norm2)', kind: 'LRNGrad', shape: [2, 14, 14, 192], lrn: GOOGLENET_LRN,
    scale: 100,
  },
  { name: 'LRNGrad 1x7x7x13 unit scale', kind: 'LRNGrad', shape: [1, 7, 7, 13], lrn: GOOGLENET_LRN, scale: 1 },
  {
    name: 'LRNGrad 2x5x5x13 r=1 beta=0.5', kind: 'LRNGrad', shape: [2, 5, 5, 13],
    lrn: { radius: 1, bias: 2, alpha: 0.1, beta: 0.5 }, scale: 3,
  },
  {
    name: 'LRNGrad 1x3x3x9 r=5 beta=0.6 (pow)', kind: 'LRNGrad', shape: [1, 3, 3, 9],
    lrn: { radius: 5, bias: 1.5, alpha: 0.05, beta: 0.6 }, scale: 2,
  },
  {
    name: 'dW 1x1 192->64 at 2x14x14 (3a/1x1)', kind: 'Conv2DBackpropFilter', xShape: [2, 14, 14, 192],
    filterShape: [1, 1, 192, 64], strides: [1, 1], pad: 'same',
  },
  {
    name: 'dW 1x1 192->16 at 2x7x7 (3a/5x5_reduce)', kind: 'Conv2DBackpropFilter', xShape: [2, 7, 7, 192],
    filterShape: [1, 1, 192, 16], strides: [1, 1], pad: 'valid',
  },
  {
    name: 'dW 3x3 64->192 same at 2x14x14 (conv2/3x3)', kind: 'Conv2DBackpropFilter', xShape: [2, 14, 14, 64],
    filterShape: [3, 3, 64, 192], strides: [1, 1], pad: 'same',
  },
  {
    name: 'dW 3x3 96->128 same at 2x7x7 (3a/3x3)', kind: 'Conv2DBackpropFilter', xShape: [2, 7, 7, 96],
    filterShape: [3, 3, 96, 128], strides: [1, 1], pad: 'same',
  },
  {
    name: 'dW 5x5 16->32 same at 2x7x7 (3a/5x5)', kind: 'Conv2DBackpropFilter', xShape: [2, 7, 7, 16],
    filterShape: [5, 5, 16, 32], strides: [1, 1], pad: 'same',
  },
  {
    name: 'dW 7x7/2 3->64 valid at 2x21x21 (conv1, padded input)', kind: 'Conv2DBackpropFilter',
    xShape: [2, 21, 21, 3], filterShape: [7, 7, 3, 64], strides: [2, 2], pad: 'valid',
  },
  {
    name: 'dW 1x1 32->32 at 4x28x28 (split K)', kind: 'Conv2DBackpropFilter', xShape: [4, 28, 28, 32],
    filterShape: [1, 1, 32, 32], strides: [1, 1], pad: 'valid',
  },
  {
    name: 'dW 3x3 16->24 same at 4x28x28 (split K)', kind: 'Conv2DBackpropFilter', xShape: [4, 28, 28, 16],
    filterShape: [3, 3, 16, 24], strides: [1, 1], pad: 'same',
  },
  {
    name: 'dW 3x3 13->5 same at 1x7x7 (odd)', kind: 'Conv2DBackpropFilter', xShape: [1, 7, 7, 13],
    filterShape: [3, 3, 13, 5], strides: [1, 1], pad: 'same',
  },
  {
    name: 'dW 3x3/2 13->7 same at 2x9x9 (odd)', kind: 'Conv2DBackpropFilter', xShape: [2, 9, 9, 13],
    filterShape: [3, 3, 13, 7], strides: [2, 2], pad: 'same',
  },
  {
    name: 'dW 2x3 stride 2x1 5->6 valid at 1x8x8 (odd)', kind: 'Conv2DBackpropFilter', xShape: [1, 8, 8, 5],
    filterShape: [2, 3, 5, 6], strides: [2, 1], pad: 'valid',
  },
  {
    name: 'dW 3x3 NCHW 8->4 same at 1x8x6x6 (stock fallback)', kind: 'Conv2DBackpropFilter', xShape: [1, 8, 6, 6],
    filterShape: [3, 3, 8, 4], strides: [1, 1], pad: 'same', dataFormat: 'NCHW',
  },
  {
    name: 'y 1x1 192->64 at 2x14x14 (3a/1x1)', kind: 'Conv2D', xShape: [2, 14, 14, 192],
    filterShape: [1, 1, 192, 64], strides: [1, 1], pad: 'same',
  },
  {
    name: 'y 3x3 96->128 same at 2x7x7 (3a/3x3)', kind: 'Conv2D', xShape: [2, 7, 7, 96],
    filterShape: [3, 3, 96, 128], strides: [1, 1], pad: 'same',
  },
  {
    name: 'y 5x5 16->32 same at 2x7x7 (3a/5x5)', kind: 'Conv2D', xShape: [2, 7, 7, 16],
    filterShape: [5, 5, 16, 32], strides: [1, 1], pad: 'same',
  },
  {
    name: 'y 7x7/2 3->64 valid at 2x21x21 (conv1, padded input)', kind: 'Conv2D', xShape: [2, 21, 21, 3],
    filterShape: [7, 7, 3, 64], strides: [2, 2], pad: 'valid',
  },
  {
    name: 'y 3x3 192->384 same at 4x2x2 (5b/3x3 at 64 px, split K)', kind: 'Conv2D', xShape: [4, 2, 2, 192],
    filterShape: [3, 3, 192, 384], strides: [1, 1], pad: 'same',
  },
  {
    name: 'y 3x3/2 13->7 same at 2x9x9 (odd)', kind: 'Conv2D', xShape: [2, 9, 9, 13],
    filterShape: [3, 3, 13, 7], strides: [2, 2], pad: 'same',
  },
  {
    name: 'y 3x3 dilation 2 8->4 same at 1x9x9 (stock fallback)', kind: 'Conv2D', xShape: [1, 9, 9, 8],
    filterShape: [3, 3, 8, 4], strides: [1, 1], pad: 'same', dilation: 2,
  },
  {
    name: 'fused y+b, ReLU 1x1 832->128 at 2x7x7 (5b/pool_proj)', kind: 'FusedConv2D', xShape: [2, 7, 7, 832],
    filterShape: [1, 1, 832, 128], strides: [1, 1], pad: 'same',
  },
  {
    name: 'fused y+b, ReLU 3x3 33->17 same at 3x5x5 (odd)', kind: 'FusedConv2D', xShape: [3, 5, 5, 33],
    filterShape: [3, 3, 33, 17], strides: [1, 1], pad: 'same',
  },
  {
    name: 'fused y+b, ReLU 3x3 160->320 same at 4x4x4 (split K)', kind: 'FusedConv2D', xShape: [4, 4, 4, 160],
    filterShape: [3, 3, 160, 320], strides: [1, 1], pad: 'same',
  },
];

/** Deterministic normal(0, scale) values (mulberry32 + Box-Muller), so both backends see the same inputs. */
function randomNormal(size: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = scale * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

type ConvCase = Extract<CheckCase, { kind: 'Conv2DBackpropFilter' | 'Conv2D' | 'FusedConv2D' }>;

function convInfo(c: ConvCase): tf.backend_util.Conv2DInfo {
  const dataFormat = 'dataFormat' in c && c.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast';
  const dilation = 'dilation' in c ? (c.dilation ?? 1) : 1;
  return tf.backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, dilation, c.pad, undefined, false,
    dataFormat);
}

function convOutShape(c: ConvCase): Shape4 {
  return convInfo(c).outShape as Shape4;
}

/**
 * The forward convolution (+ bias, ReLU) in float64, NHWC. The forward cases are checked against this
 * exact reference rather than the CPU backend: a float32 sum of K = KH*KW*CI products carries a rounding
 * error that, on these shapes, alone reaches 2.5e-4 in the relative measure used here (the CPU backend's
 * own error against this reference is reported beside ours).
 */
function conv2dFloat64(c: ForwardCase, operands: Operand[]): Float64Array {
  const info = convInfo(c);
  const [x, w, bias] = operands.map((o) => o.values);
  const [batch, inH, inW, inC] = c.xShape;
  const [kH, kW, , outC] = c.filterShape;
  const out = new Float64Array(batch * info.outHeight * info.outWidth * outC);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < info.outHeight; oh++) {
      for (let ow = 0; ow < info.outWidth; ow++) {
        for (let co = 0; co < outC; co++) {
          let sum = bias ? bias[co] : 0;
          for (let kh = 0; kh < kH; kh++) {
            const ih = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
            if (ih < 0 || ih >= inH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const iw = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
              if (iw < 0 || iw >= inW) continue;
              const xBase = ((n * inH + ih) * inW + iw) * inC;
              const wBase = (kh * kW + kw) * inC * outC + co;
              for (let ci = 0; ci < inC; ci++) sum += x[xBase + ci] * w[wBase + ci * outC];
            }
          }
          out[o++] = c.kind === 'FusedConv2D' ? Math.max(sum, 0) : sum;
        }
      }
    }
  }
  return out;
}

interface Operand {
  shape: number[];
  values: Float32Array;
}

type SetUp = { operands: Operand[]; op: (...t: tf.Tensor[]) => tf.Tensor };
type ForwardCase = Extract<CheckCase, { kind: 'Conv2D' | 'FusedConv2D' }>;

const isForward = (c: CheckCase): c is ForwardCase => c.kind === 'Conv2D' || c.kind === 'FusedConv2D';

function setUpForward(c: ForwardCase, seed: number): SetUp {
  const x = { shape: c.xShape, values: randomNormal(sizeOf(c.xShape), seed) };
  const w = { shape: c.filterShape, values: randomNormal(sizeOf(c.filterShape), seed + 1) };
  const dilations = c.dilation ?? 1;
  if (c.kind === 'Conv2D') {
    return {
      operands: [x, w],
      op: (xt, wt) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.strides, c.pad, 'NHWC', dilations),
    };
  }
  const bias = { shape: [c.filterShape[3]], values: randomNormal(c.filterShape[3], seed + 2, 10) };
  // Outside a gradient tape, tf.fused.conv2d runs the FusedConv2D kernel (as GoogLeNet's inference does).
  return {
    operands: [x, w, bias],
    op: (xt, wt, bt) => tf.fused.conv2d({
      x: xt as tf.Tensor4D, filter: wt as tf.Tensor4D, strides: c.strides, pad: c.pad, dilations, bias: bt,
      activation: 'relu',
    }),
  };
}

/** The operands of a case and the op that produces what is compared. */
function setUp(c: CheckCase, seed: number): SetUp {
  if (isForward(c)) return setUpForward(c, seed);
  if (c.kind === 'Conv2DBackpropFilter') {
    const outShape = convOutShape(c);
    const x = { shape: c.xShape, values: randomNormal(sizeOf(c.xShape), seed) };
    const w = { shape: c.filterShape, values: randomNormal(sizeOf(c.filterShape), seed + 1) };
    const dy = { shape: outShape, values: randomNormal(sizeOf(outShape), seed + 2) };
    const conv = (xt: tf.Tensor) => (f: tf.Tensor) =>
      tf.conv2d(xt as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, c.dataFormat ?? 'NHWC');
    // Only the filter gradient is requested, so only Conv2DBackpropFilter runs backward.
    return { operands: [x, w, dy], op: (xt, wt, dyt) => tf.grad(conv(xt))(wt, dyt) };
  }
  const { radius, bias, alpha, beta } = c.lrn;
  const lrn = (x: tf.Tensor) => tf.localResponseNormalization(x as tf.Tensor4D, radius, bias, alpha, beta);
  const x = { shape: c.shape, values: randomNormal(sizeOf(c.shape), seed, c.scale) };
  if (c.kind === 'LRN') return { operands: [x], op: lrn };
  const dy = { shape: c.shape, values: randomNormal(sizeOf(c.shape), seed + 1) };
  // Autodiff runs LRN, then LRNGrad with (x, y = LRN(x), dy): exactly what training does.
  return { operands: [x, dy], op: (xt, dyt) => tf.grad(lrn)(xt, dyt) };
}

async function computeOn(backend: string, operands: Operand[], op: (...t: tf.Tensor[]) => tf.Tensor) {
  await tf.setBackend(backend);
  const dataIdsBefore = tf.engine().backend.numDataIds();
  const inputs = operands.map((o) => tf.tensor(o.values, o.shape, 'float32'));
  const out = tf.tidy(() => op(...inputs));
  const values = (await out.data()) as Float32Array;
  tf.dispose([...inputs, out]);
  return { values, leakedDataIds: tf.engine().backend.numDataIds() - dataIdsBefore };
}

export interface CheckResult {
  name: string;
  kind: string;
  size: number;
  /** max_i |ours_i - ref_i| / max(|ref_i|, 1e-3 * max_j |ref_j|): relative, floored near zero. */
  maxRelError: number;
  /** max_i |ours_i - ref_i| / max_j |ref_j| */
  maxAbsErrorOverMax: number;
  refMaxAbs: number;
  /** maxRelError of tfjs's own WebGPU kernel on the same case, when asked for. */
  stockRelError?: number;
  /** Forward cases: maxRelError of the CPU backend (float32) against the float64 reference. */
  cpuRelError?: number;
  leakedDataIds: number;
  foveaRegistered: boolean;
}

/** Error of `values` against `ref`, in the two measures of {@link CheckResult}. */
function compare(values: Float32Array, ref: ArrayLike<number>) {
  let refMaxAbs = 0;
  for (let i = 0; i < ref.length; i++) refMaxAbs = Math.max(refMaxAbs, Math.abs(ref[i]));
  const floor = 1e-3 * refMaxAbs;
  let maxRelError = 0;
  let maxAbsError = 0;
  for (let i = 0; i < ref.length; i++) {
    // NaN fails every comparison, so it is turned into an infinite error explicitly.
    const diff = Number.isNaN(values[i]) ? Infinity : Math.abs(values[i] - ref[i]);
    maxRelError = Math.max(maxRelError, diff / Math.max(Math.abs(ref[i]), floor));
    maxAbsError = Math.max(maxAbsError, diff);
  }
  return { maxRelError, maxAbsErrorOverMax: maxAbsError / refMaxAbs, refMaxAbs };
}

/** Runs one case on CPU, WebGPU with Fovea's kernels and, with `withStock`, WebGPU with tfjs's own. */
async function check(name: string, withStock = false): Promise<CheckResult> {
  const index = CHECK_CASES.findIndex((c) => c.name === name);
  if (index < 0) throw new Error(`no check case named '${name}'`);
  const c = CHECK_CASES[index];
  const { operands, op } = setUp(c, 1000 * (index + 1));
  const cpu = await computeOn('cpu', operands, op);
  const ref = isForward(c) ? { values: conv2dFloat64(c, operands) } : cpu;
  const cpuRelError = isForward(c) ? compare(cpu.values, ref.values).maxRelError : undefined;
  const ours = await computeOn('webgpu', operands, op);
  let stockRelError: number | undefined;
  if (withStock) {
    unregisterFoveaKernels();
    try {
      stockRelError = compare((await computeOn('webgpu', operands, op)).values, ref.values).maxRelError;
    } finally {
      registerFoveaKernels();
    }
  }
  return {
    name, kind: c.kind, size: ref.values.length, ...compare(ours.values, ref.values), stockRelError, cpuRelError,
    leakedDataIds: ours.leakedDataIds, foveaRegistered: foveaKernelsRegistered(),
  };
}

/** registerFoveaKernels / unregisterFoveaKernels swap the registry entries and are idempotent. */
function checkRegistry() {
  const names = ['LRN', 'LRNGrad', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter'];
  const current = () => names.map((n) => tf.getKernel(n, 'webgpu')?.kernelFunc);
  const ours = current();
  registerFoveaKernels();
  const oursAgain = current();
  unregisterFoveaKernels();
  const stock = current();
  unregisterFoveaKernels();
  const stockAgain = current();
  registerFoveaKernels();
  const oursRestored = current();
  const same = (a: unknown[], b: unknown[]) => a.every((f, i) => f === b[i]);
  return {
    registeredIsIdempotent: same(ours, oursAgain),
    unregisterRestoresOther: stock.every((f, i) => f !== undefined && f !== ours[i]),
    unregisterIsIdempotent: same(stock, stockAgain),
    reRegisterWorks: oursRestored.every((f, i) => f !== undefined && f !== stock[i]),
    cpuUntouched: names.every((n) => tf.getKernel(n, 'cpu') !== undefined),
    foveaRegistered: foveaKernelsRegistered(),
  };
}

type TimingCase =
  | {
    name: string;
    kernel: 'LRNGrad';
    shape: Shape4;
    /** False where stock would take minutes: stock LRNGrad is O(C^2) per element (41 s at 2x56x56x64 here). */
    stock: boolean;
  }
  | {
    name: string;
    kernel: 'Conv2DBackpropFilter';
    xShape: Shape4;
    filterShape: Shape4;
    strides: [number, number];
    pad: 'same' | 'valid';
  };

const TIMING_CASES: TimingCase[] = [
  { name: 'LRNGrad 2x14x14x64 (pool1/norm1 channels)', kernel: 'LRNGrad', shape: [2, 14, 14, 64], stock: true },
  { name: 'LRNGrad 2x4x4x192 (conv2/norm2 channels)', kernel: 'LRNGrad', shape: [2, 4, 4, 192], stock: true },
  { name: 'LRNGrad 2x56x56x64 (pool1/norm1)', kernel: 'LRNGrad', shape: [2, 56, 56, 64], stock: false },
  { name: 'LRNGrad 2x56x56x192 (conv2/norm2)', kernel: 'LRNGrad', shape: [2, 56, 56, 192], stock: false },
  {
    name: 'dW 7x7/2 3->64 at 2x230x230 (conv1)', kernel: 'Conv2DBackpropFilter', xShape: [2, 230, 230, 3],
    filterShape: [7, 7, 3, 64], strides: [2, 2], pad: 'valid',
  },
  {
    name: 'dW 1x1 64->64 at 2x56x56 (conv2/3x3_reduce)', kernel: 'Conv2DBackpropFilter', xShape: [2, 56, 56, 64],
    filterShape: [1, 1, 64, 64], strides: [1, 1], pad: 'valid',
  },
  {
    name: 'dW 3x3 64->192 at 2x56x56 (conv2/3x3)', kernel: 'Conv2DBackpropFilter', xShape: [2, 56, 56, 64],
    filterShape: [3, 3, 64, 192], strides: [1, 1], pad: 'same',
  },
];

function lrnGradInputs(shape: Shape4): tf.NamedTensorMap {
  const { radius, bias, alpha, beta } = GOOGLENET_LRN;
  const x = tf.tensor(randomNormal(sizeOf(shape), 7, 100), shape);
  const y = tf.localResponseNormalization(x as tf.Tensor4D, radius, bias, alpha, beta);
  return { x, y, dy: tf.tensor(randomNormal(sizeOf(shape), 8), shape) };
}

function conv2DBackpropFilterInputs(c: Extract<TimingCase, { kernel: 'Conv2DBackpropFilter' }>): tf.NamedTensorMap {
  const outShape = convOutShape({ ...c, kind: 'Conv2DBackpropFilter' });
  return {
    x: tf.tensor(randomNormal(sizeOf(c.xShape), 7), c.xShape),
    dy: tf.tensor(randomNormal(sizeOf(outShape), 8), outShape),
  };
}

/** Runs the kernel directly (no autodiff around it) and waits for its result to reach the CPU. */
async function runOnce(c: TimingCase, inputs: tf.NamedTensorMap): Promise<number> {
  const start = performance.now();
  const out = c.kernel === 'LRNGrad' ?
    tf.engine().runKernel('LRNGrad', inputs, {
      depthRadius: GOOGLENET_LRN.radius, bias: GOOGLENET_LRN.bias, alpha: GOOGLENET_LRN.alpha, beta: GOOGLENET_LRN.beta,
    }) :
    tf.engine().runKernel('Conv2DBackpropFilter', inputs, {
      strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape,
    });
  await (out as tf.Tensor).data();
  const ms = performance.now() - start;
  tf.dispose(out as tf.Tensor);
  return ms;
}

/** The first call (shader compilation included), then the median of `iterations` more, in ms. */
async function measure(c: TimingCase, inputs: tf.NamedTensorMap, iterations: number) {
  const first = await runOnce(c, inputs);
  const rest: number[] = [];
  for (let i = 0; i < iterations; i++) rest.push(await runOnce(c, inputs));
  rest.sort((a, b) => a - b);
  return { first, median: rest.length > 0 ? rest[Math.floor(rest.length / 2)] : first };
}

export interface TimingResult {
  name: string;
  /** Stock's first call (shader compilation included) and the median of the timed ones; absent when skipped. */
  stockFirstMs?: number;
  stockMedianMs?: number;
  foveaFirstMs: number;
  foveaMedianMs: number;
  speedup?: number;
}

async function time(name: string, iterations: number, stockIterations = iterations): Promise<TimingResult> {
  const c = TIMING_CASES.find((t) => t.name === name);
  if (c === undefined) throw new Error(`no timing case named '${name}'`);
  await tf.setBackend('webgpu');
  const inputs = c.kernel === 'LRNGrad' ? lrnGradInputs(c.shape) : conv2DBackpropFilterInputs(c);
  let stock: { first: number; median: number } | undefined;
  if (c.kernel !== 'LRNGrad' || c.stock) {
    unregisterFoveaKernels();
    try {
      stock = await measure(c, inputs, stockIterations);
    } finally {
      registerFoveaKernels();
    }
  }
  const fovea = await measure(c, inputs, iterations);
  tf.dispose(Object.values(inputs));
  return {
    name, stockFirstMs: stock?.first, stockMedianMs: stock?.median, foveaFirstMs: fovea.first,
    foveaMedianMs: fovea.median, speedup: stock === undefined ? undefined : stock.median / fovea.median,
  };
}

/**
 * float16 packing (the feature cache's float16 mode): pack, gather rows as the cache does, unpack, and
 * compare with Math.f16round (IEEE round to nearest even) value by value; out-of-range values clamp.
 */
async function checkFloat16() {
  const shape = [5, 6, 7, 8];
  const per = 6 * 7 * 8;
  const values = randomNormal(5 * per, 99);
  // Magnitudes from float16's subnormals to its largest finite value, and a few beyond it.
  for (let i = 0; i < values.length; i++) values[i] *= 10 ** ((i % 11) - 6);
  values[3] = 1e5;
  values[4] = -7e4;
  values[5] = FLOAT16_MAX;
  const f16round = (Math as unknown as { f16round(v: number): number }).f16round;
  const expected = (v: number) => f16round(Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, v)));
  const dataIdsBefore = tf.engine().backend.numDataIds();
  const x = tf.tensor(values, shape);
  const packed = packFloat16(x);
  const rows = [3, 0, 3];
  const gathered = tf.tidy(() => gatherFloat16(packed, tf.tensor1d(rows, 'int32'), shape.slice(1)));
  const out = await gathered.data();
  tf.dispose([x, packed, gathered]);
  // WGSL leaves pack2x16float's rounding and subnormal flushing to the implementation: values within
  // float16's normal range are compared, tiny ones (< 2^-14, below any feature that matters) bounded.
  const smallestNormal = 2 ** -14;
  let mismatchesNormal = 0;
  let notNearest = 0;
  let maxRelError = 0;
  let maxAbsErrorTiny = 0;
  rows.forEach((r, i) => {
    for (let j = 0; j < per; j++) {
      const v = values[r * per + j];
      const got = out[i * per + j];
      if (Math.abs(v) < smallestNormal) {
        maxAbsErrorTiny = Math.max(maxAbsErrorTiny, Math.abs(got - v));
        continue;
      }
      if (Math.abs(v) > FLOAT16_MAX) continue;
      if (!Object.is(got, expected(v))) notNearest++;
      if (f16round(got) !== got) mismatchesNormal++;
      maxRelError = Math.max(maxRelError, Math.abs(got - v) / Math.abs(v));
    }
  });
  return {
    packedShape: packed.shape, notNearest, notFloat16: mismatchesNormal, maxRelErrorNormal: maxRelError, maxAbsErrorTiny,
    clamped: [out[per + 3], out[per + 4], out[per + 5]], leakedDataIds: tf.engine().backend.numDataIds() - dataIdsBefore,
  };
}

/**
 * The feature cache in float16 against the same cache in float32: 10 samples built in batches of 3 (so the
 * float16 cache holds 4 packed chunks), gathered in an order that crosses chunks and repeats a sample.
 */
async function checkFloat16Cache() {
  const dataIdsBefore = tf.engine().backend.numDataIds();
  const prefix = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [6, 6, 3], filters: 8, kernelSize: 3, activation: 'relu' })] });
  const images = tf.tensor(randomNormal(10 * 6 * 6 * 3, 5, 50), [10, 6, 6, 3]);
  const input = (start: number, count: number) => images.slice([start, 0, 0, 0], [count, 6, 6, 3]) as tf.Tensor4D;
  const noStop = async () => false;
  const f32 = await FeatureCache.build(prefix, 10, { location: 'gpu', precision: 'float32' }, 3, input, noStop);
  const f16 = await FeatureCache.build(prefix, 10, { location: 'gpu', precision: 'float16' }, 3, input, noStop);
  const order = [9, 0, 4, 3, 9, 7];
  const a = f32!.gather(order);
  const b = f16!.gather(order);
  const [va, vb] = await Promise.all([a.data(), b.data()]);
  const f16round = (Math as unknown as { f16round(v: number): number }).f16round;
  let mismatches = 0;
  for (let i = 0; i < va.length; i++) if (vb[i] !== f16round(va[i])) mismatches++;
  const result = { shape: b.shape, values: va.length, mismatches, bytes: [f32!.bytes, f16!.bytes], precision: f16!.precision };
  tf.dispose([a, b, images]);
  f32!.dispose();
  f16!.dispose();
  prefix.dispose();
  return { ...result, leakedDataIds: tf.engine().backend.numDataIds() - dataIdsBefore };
}

declare global {
  interface Window {
    foveaKernelChecks: {
      ready: Promise<{ backend: string; adapter: string }>;
      checkCases: string[];
      timingCases: string[];
      check: typeof check;
      checkRegistry: typeof checkRegistry;
      time: typeof time;
      checkFloat16: typeof checkFloat16;
      checkFloat16Cache: typeof checkFloat16Cache;
    };
  }
}

async function init() {
  if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU backend did not initialise');
  registerFoveaKernels();
  const status = document.getElementById('status');
  if (status) status.textContent = 'ready';
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return { backend: tf.getBackend(), adapter: `${info?.vendor ?? '?'} ${info?.architecture ?? ''}`.trim() };
}

window.foveaKernelChecks = {
  ready: init(),
  checkCases: CHECK_CASES.map((c) => c.name),
  timingCases: TIMING_CASES.map((c) => c.name),
  check,
  checkRegistry,
  time,
  checkFloat16,
  checkFloat16Cache,
};
