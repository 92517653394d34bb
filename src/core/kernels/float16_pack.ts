import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { flatDispatch, mainHeader } from './program_util';

/**
 * float16 storage for float32 tensors on WebGPU, which tfjs has no dtype for: pairs of values packed into
 * one int32 (WGSL pack2x16float, round to nearest) and unpacked back to float32. The feature cache keeps
 * frozen-layer outputs this way when float32 would not fit its GPU budget (half the bytes; relative error
 * <= 2^-11 = 4.9e-4 per value). Values beyond float16's range are clamped to +-65504; callers check the
 * range first ({@link FLOAT16_MAX}).
 */
export const FLOAT16_MAX = 65504;

class PackFloat16Program implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'foveaPackFloat16';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['x'];
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(pairs: number) {
    this.outputShape = [pairs];
    this.dispatchLayout = { x: [0] };
    this.dispatch = flatDispatch(pairs, this.workgroupSize);
  }

  getUserCode(): string {
    return `
    ${mainHeader('index')} {
      if (index < uniforms.size) {
        let v = clamp(vec2<f32>(x[2 * index], x[2 * index + 1]), vec2<f32>(-${FLOAT16_MAX}.0), vec2<f32>(${FLOAT16_MAX}.0));
        setOutputAtIndexI32(index, bitcast<i32>(pack2x16float(v)));
      }
    }
    `;
  }
}

/** Rows of a packed [samples, values / 2] tensor, unpacked: out[r, v] = float32 of value v of sample rows[r].
 * Reads the int32 words raw: tfjs's own gather goes through float32 and would corrupt the bit patterns. */
class GatherFloat16Program implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'foveaGatherFloat16';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['packed', 'rows'];
  uniforms = 'valuesPerRow : i32,';
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = flatDispatch(shape.reduce((a, b) => a * b, 1), this.workgroupSize);
  }

  getUserCode(): string {
    return `
    ${mainHeader('index')} {
      if (index < uniforms.size) {
        let r = index / uniforms.valuesPerRow;
        let v = index - r * uniforms.valuesPerRow;
        let word = packed[(rows[r] * uniforms.valuesPerRow + v) / 2];
        let pair = unpack2x16float(bitcast<u32>(word));
        setOutputAtIndex(index, select(pair.x, pair.y, (v & 1) == 1));
      }
    }
    `;
  }
}

/** Whether {@link packFloat16} can run: the active backend is WebGPU. */
export function float16PackingAvailable(): boolean {
  return tf.getBackend() === 'webgpu';
}

function run(program: WebGPUProgram, inputs: tf.Tensor[], dtype: 'int32' | 'float32', uniforms?: { type: string; data: number[] }[]): tf.Tensor {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const info: TensorInfo = backend.runWebGPUProgram(program, inputs as unknown as TensorInfo[], dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** `x` (float32 [samples, ...], an even number of values a sample) as float16 pairs: an int32 tensor
 * [samples, values / 2]. The caller owns the result. */
export function packFloat16(x: tf.Tensor): tf.Tensor2D {
  const samples = x.shape[0] ?? 1;
  if ((x.size / samples) % 2 !== 0 || x.dtype !== 'float32') {
    throw new Error('packFloat16 needs an even number of float32 values a sample');
  }
  if (!float16PackingAvailable()) throw new Error('packFloat16 needs the webgpu backend');
  const packed = run(new PackFloat16Program(x.size / 2), [x], 'int32');
  const reshaped = packed.reshape([samples, x.size / 2 / samples]) as tf.Tensor2D;
  packed.dispose();
  return reshaped;
}

/** Samples `rows` (int32 indices) of what {@link packFloat16} packed, unpacked to a float32 tensor
 * [rows, ...sampleShape]. The caller owns the result. */
export function gatherFloat16(packed: tf.Tensor2D, rows: tf.Tensor1D, sampleShape: number[]): tf.Tensor {
  if (!float16PackingAvailable()) throw new Error('gatherFloat16 needs the webgpu backend');
  const valuesPerRow = packed.shape[1] * 2;
  return run(new GatherFloat16Program([rows.size, ...sampleShape]), [packed, rows], 'float32',
    [{ type: 'int32', data: [valuesPerRow] }]);
}
