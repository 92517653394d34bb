/**
 * conv1's 64 filters (7 x 7 x 3) as one RGBA image grid, to compare before and after fine-tuning. Each filter
 * is min-max scaled over its own 147 values (so colour balance within a filter is kept); the network reads
 * BGR, so channel 2 is shown as red. Only tfjs's types: the worker reads the kernel and sends the values.
 */
import type * as tf from '@tensorflow/tfjs';

/** GoogLeNet's first convolution (7 x 7, stride 2, 64 filters). */
export const CONV1_LAYER = 'conv1_7x7_s2';

/** A convolution kernel in tfjs layout [kernelHeight, kernelWidth, inChannels, outChannels]. */
export interface FilterBank {
  values: Float32Array;
  shape: [number, number, number, number];
}

export interface FilterGridConfig {
  /** Filters per row. Defaults to 8. */
  columns?: number;
  /** Pixels of each filter value (nearest-neighbour enlargement). Defaults to 1. */
  scale?: number;
  /** Transparent pixels between filters. Defaults to 1. */
  gap?: number;
  /** The kernel's input channels are B, G, R (Caffe weights): show them as R, G, B. Defaults to true. */
  bgr?: boolean;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** Row-major, 4 bytes a pixel. */
  data: Uint8ClampedArray;
}

export class InvalidFilterBankError extends Error {
  override name = 'InvalidFilterBankError';
}

/** The grid of every filter in `bank` (3 input channels), columns x ceil(count / columns) cells. */
export function filterGrid(bank: FilterBank, config: FilterGridConfig = {}): RgbaImage {
  const [kh, kw, inC, outC] = bank.shape;
  if (inC !== 3) throw new InvalidFilterBankError(`filters to show as colour need 3 input channels, got ${inC}`);
  if (bank.values.length !== kh * kw * inC * outC) {
    throw new InvalidFilterBankError(`the kernel has ${bank.values.length} values, its shape [${bank.shape.join(', ')}] needs ${kh * kw * inC * outC}`);
  }
  const columns = Math.min(config.columns ?? 8, outC);
  const scale = config.scale ?? 1;
  const gap = config.gap ?? 1;
  const bgr = config.bgr ?? true;
  const rows = Math.ceil(outC / columns);
  const cellW = kw * scale;
  const cellH = kh * scale;
  const width = columns * cellW + (columns - 1) * gap;
  const height = rows * cellH + (rows - 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4);
  const at = (y: number, x: number, c: number, f: number) => bank.values[((y * kw + x) * inC + c) * outC + f];

  for (let f = 0; f < outC; f++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < 3; c++) {
      lo = Math.min(lo, at(y, x, c, f));
      hi = Math.max(hi, at(y, x, c, f));
    }
    const range = hi - lo;
    const toByte = (v: number) => Math.round(range > 0 ? (255 * (v - lo)) / range : 128); // a constant filter is grey
    const left = (f % columns) * (cellW + gap);
    const top = Math.floor(f / columns) * (cellH + gap);
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        const ky = Math.floor(y / scale);
        const kx = Math.floor(x / scale);
        const p = ((top + y) * width + left + x) * 4;
        for (let c = 0; c < 3; c++) data[p + c] = toByte(at(ky, kx, bgr ? 2 - c : c, f));
        data[p + 3] = 255;
      }
    }
  }
  return { width, height, data };
}

/** Whether two filter banks hold the same values (conv1 frozen: fine-tuning left it as it was). */
export function sameFilters(a: FilterBank, b: FilterBank): boolean {
  return a.shape.every((s, i) => s === b.shape[i]) && a.values.every((v, i) => v === b.values[i]);
}

/** A copy of a convolution layer's kernel (conv1's by default), read without blocking the backend. */
export async function readFilters(model: tf.LayersModel, layerName = CONV1_LAYER): Promise<FilterBank> {
  const kernel = model.getLayer(layerName).getWeights()[0];
  if (kernel.rank !== 4) throw new InvalidFilterBankError(`layer ${layerName} has a rank-${kernel.rank} kernel, not a convolution's 4`);
  return { values: Float32Array.from(await kernel.data()), shape: kernel.shape as FilterBank['shape'] };
}
