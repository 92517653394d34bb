/**
 * Fundus-specific preprocessing. A fundus photograph is a bright disc (the field of view) on black, placed
 * anywhere in frames of many shapes; cropping to the disc makes the retina fill the network's input
 * whatever the camera. Local average colour subtraction (Ben Graham, winner of Kaggle's 2015 DR contest)
 * evens out lighting and pigmentation between cameras and patients so lesions stand out. Plain RgbImage
 * in and out; runs per image in the worker.
 */
import { centreCropBox, centreCropResize, type RgbImage } from './preprocess';

/** A square in pixel coordinates; x and y may be negative, and the square may pass the far edges. */
export interface SquareBox {
  x: number;
  y: number;
  size: number;
}

export interface FieldOfViewConfig {
  /** A pixel is inside the field of view when its largest channel exceeds this (0..255). Defaults to 10. */
  threshold?: number;
  /**
   * A row (column) counts when at least this share of its pixels is bright; lone bright pixels from JPEG
   * noise or a thin annotation line then do not stretch the box. Defaults to 0.01.
   */
  minFraction?: number;
}

export interface ColourSubtractionConfig {
  /**
   * Gaussian sigma as a share of the image side. Defaults to 1/60: Graham's sigma is the disc radius / 30,
   * and after cropToFieldOfView the radius is half the side.
   */
  sigmaFraction?: number;
  /** Pixels farther from the centre than this share of half the side become grey 128. Defaults to 0.9 (Graham). */
  maskFraction?: number;
}

/** A fundus setting that cannot work; names the bad value. */
export class InvalidFundusConfigError extends Error {
  override name = 'InvalidFundusConfigError';
  constructor(readonly field: string, readonly value: unknown, expected: string) {
    super(`Fundus setting '${field}' is ${JSON.stringify(value) ?? String(value)}; expected ${expected}.`);
  }
}

export function resolveFieldOfViewConfig(config: FieldOfViewConfig = {}): Required<FieldOfViewConfig> {
  const c = { threshold: config.threshold ?? 10, minFraction: config.minFraction ?? 0.01 };
  if (!(c.threshold >= 0 && c.threshold < 255)) throw new InvalidFundusConfigError('threshold', c.threshold, 'a brightness in [0, 255), e.g. 10');
  if (!(c.minFraction >= 0 && c.minFraction < 1)) throw new InvalidFundusConfigError('minFraction', c.minFraction, 'a share in [0, 1), e.g. 0.01');
  return c;
}

export function resolveColourSubtractionConfig(config: ColourSubtractionConfig = {}): Required<ColourSubtractionConfig> {
  const c = { sigmaFraction: config.sigmaFraction ?? 1 / 60, maskFraction: config.maskFraction ?? 0.9 };
  if (!(c.sigmaFraction > 0 && c.sigmaFraction <= 1)) {
    throw new InvalidFundusConfigError('sigmaFraction', c.sigmaFraction, 'a share of the side in (0, 1], e.g. 1/60');
  }
  if (!(c.maskFraction > 0)) throw new InvalidFundusConfigError('maskFraction', c.maskFraction, 'a positive share of half the side, e.g. 0.9');
  return c;
}

/** The longest run of consecutive true entries as [first, last], or null when there is none. */
function longestRun(flags: readonly boolean[]): [number, number] | null {
  let best: [number, number] | null = null;
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    if (i < flags.length && flags[i]) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (!best || i - 1 - start > best[1] - best[0]) best = [start, i - 1];
      start = -1;
    }
  }
  return best;
}

/**
 * The square around the field-of-view disc: rows and columns with enough bright pixels (see
 * FieldOfViewConfig), keeping the longest unbroken run of each (so a caption in a corner is left out);
 * the square is centred on the middle of those extents with the larger extent as its side (a disc cut off
 * at top and bottom is taller than the frame: its width is still the diameter). The centre lies inside the
 * image and the side is at most max(width, height). With no field of view found, the centred square.
 */
export function fieldOfViewBox(img: RgbImage, config: FieldOfViewConfig = {}): SquareBox {
  const { threshold, minFraction } = resolveFieldOfViewConfig(config);
  const { width, height, data } = img;
  const rowCounts = new Int32Array(height);
  const colCounts = new Int32Array(width);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      if (data[i] > threshold || data[i + 1] > threshold || data[i + 2] > threshold) {
        rowCounts[y]++;
        colCounts[x]++;
      }
    }
  }
  const rows = longestRun(Array.from(rowCounts, (n) => n > 0 && n >= minFraction * width));
  const cols = longestRun(Array.from(colCounts, (n) => n > 0 && n >= minFraction * height));
  if (!rows || !cols) return centreCropBox(width, height);
  const size = Math.min(Math.max(rows[1] - rows[0] + 1, cols[1] - cols[0] + 1), Math.max(width, height));
  const centreX = (cols[0] + cols[1] + 1) / 2;
  const centreY = (rows[0] + rows[1] + 1) / 2;
  return { x: Math.round(centreX - size / 2), y: Math.round(centreY - size / 2), size };
}

/** Copies a square out of an image; the parts of the square outside the image are black. */
export function extractSquare(img: RgbImage, box: SquareBox): RgbImage {
  const { x: bx, y: by, size } = box;
  const out = new Uint8Array(size * size * 3);
  const x0 = Math.max(0, bx);
  const x1 = Math.min(img.width, bx + size);
  if (x1 > x0) {
    for (let y = Math.max(0, by); y < Math.min(img.height, by + size); y++) {
      const source = (y * img.width + x0) * 3;
      out.set(img.data.subarray(source, source + (x1 - x0) * 3), ((y - by) * size + (x0 - bx)) * 3);
    }
  }
  return { width: size, height: size, data: out };
}

/**
 * The field of view as a size x size image: the square of fieldOfViewBox (black where it passes the frame)
 * resized by area averaging as centreCropResize does.
 */
export function cropToFieldOfView(img: RgbImage, size: number, config: FieldOfViewConfig = {}): RgbImage {
  if (!(Number.isInteger(size) && size >= 1)) throw new InvalidFundusConfigError('size', size, 'a whole number of pixels, at least 1');
  return centreCropResize(extractSquare(img, fieldOfViewBox(img, config)), size);
}

/** Index into [0, n) mirrored at the ends without repeating the edge pixel (OpenCV's BORDER_REFLECT_101). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** The normalised 1-D Gaussian, truncated at 3 sigma (OpenCV's kernel size for 8-bit images). */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= sum;
  return kernel;
}

/**
 * Separable Gaussian blur of interleaved RGB values, borders reflected.
 * Rows first, then columns; the column pass adds whole weighted rows so memory is read in order.
 */
function exactGaussianBlurRgb(values: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const stride = width * 3;
  const horizontal = new Float32Array(values.length);
  const sourceColumn = new Int32Array(width + 2 * radius);
  for (let i = 0; i < sourceColumn.length; i++) sourceColumn[i] = reflect101(i - radius, width) * 3;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < kernel.length; k++) {
        const s = row + sourceColumn[x + k];
        const w = kernel[k];
        r += values[s] * w;
        g += values[s + 1] * w;
        b += values[s + 2] * w;
      }
      const o = row + x * 3;
      horizontal[o] = r;
      horizontal[o + 1] = g;
      horizontal[o + 2] = b;
    }
  }
  const out = new Float32Array(values.length);
  const accumulator = new Float64Array(stride);
  for (let y = 0; y < height; y++) {
    accumulator.fill(0);
    for (let k = 0; k < kernel.length; k++) {
      const source = reflect101(y + k - radius, height) * stride;
      const w = kernel[k];
      for (let i = 0; i < stride; i++) accumulator[i] += horizontal[source + i] * w;
    }
    out.set(accumulator, y * stride);
  }
  return out;
}

/** Sigma (px) up to which gaussianBlurRgb convolves at full resolution. */
export const EXACT_BLUR_SIGMA = 8;

/**
 * Gaussian blur of interleaved RGB values. Up to exactUpTo px of sigma a full-resolution separable
 * convolution; beyond, the cost of which grows with sigma (1000 px at sigma 17 takes over a second), the
 * image is area-averaged down by f = floor(sigma / 4), blurred there with the sigma that remains once the
 * averaging and the bilinear upsampling are accounted for (variances (f^2 - 1) / 12 and f^2 / 6), and
 * upsampled bilinearly: a blur this wide has no detail at the scale of f pixels to lose.
 */
export function gaussianBlurRgb(values: Float32Array, width: number, height: number, sigma: number, exactUpTo = EXACT_BLUR_SIGMA): Float32Array {
  const f = Math.floor(sigma / 4);
  if (sigma <= exactUpTo || f < 2) return exactGaussianBlurRgb(values, width, height, sigma);
  const lowWidth = Math.ceil(width / f);
  const lowHeight = Math.ceil(height / f);
  const low = new Float32Array(lowWidth * lowHeight * 3);
  const cellPixels = new Float32Array(lowWidth * lowHeight);
  for (let y = 0; y < height; y++) {
    const lowRow = Math.floor(y / f) * lowWidth;
    for (let x = 0; x < width; x++) {
      const cell = lowRow + Math.floor(x / f);
      const i = (y * width + x) * 3;
      low[cell * 3] += values[i];
      low[cell * 3 + 1] += values[i + 1];
      low[cell * 3 + 2] += values[i + 2];
      cellPixels[cell]++;
    }
  }
  for (let cell = 0; cell < cellPixels.length; cell++) {
    for (let c = 0; c < 3; c++) low[cell * 3 + c] /= cellPixels[cell];
  }
  const lowSigma = Math.sqrt(Math.max(sigma * sigma - (f * f - 1) / 12 - (f * f) / 6, 1)) / f;
  const blurredLow = exactGaussianBlurRgb(low, lowWidth, lowHeight, lowSigma);

  // Bilinear weights per axis: low-resolution sample i sits at source coordinate i x f + (f - 1) / 2.
  const axis = (n: number, lowN: number) => {
    const first = new Int32Array(n);
    const weight = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      const position = Math.min(Math.max((p - (f - 1) / 2) / f, 0), lowN - 1);
      first[p] = Math.min(Math.floor(position), Math.max(lowN - 2, 0));
      weight[p] = lowN === 1 ? 0 : position - first[p];
    }
    return { first, weight };
  };
  const xs = axis(width, lowWidth);
  const ys = axis(height, lowHeight);
  const out = new Float32Array(values.length);
  const lowStride = lowWidth * 3;
  for (let y = 0; y < height; y++) {
    const top = ys.first[y] * lowStride;
    const bottom = lowHeight === 1 ? top : top + lowStride;
    const wy = ys.weight[y];
    for (let x = 0; x < width; x++) {
      const left = xs.first[x] * 3;
      const right = lowWidth === 1 ? left : left + 3;
      const wx = xs.weight[x];
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const upper = blurredLow[top + left + c] * (1 - wx) + blurredLow[top + right + c] * wx;
        const lower = blurredLow[bottom + left + c] * (1 - wx) + blurredLow[bottom + right + c] * wx;
        out[o + c] = upper * (1 - wy) + lower * wy;
      }
    }
  }
  return out;
}

/**
 * Ben Graham's preprocessing: out = clamp(round(4 x img - 4 x GaussianBlur(img) + 128)) per channel,
 * i.e. each pixel's difference from its neighbourhood's average colour, amplified around mid-grey; then
 * pixels outside the disc of radius maskFraction x half the side, centred in the image, become 128 (the
 * ring at the disc's edge, where the blur mixes in the black surround, would otherwise glow). Meant for
 * the output of cropToFieldOfView (a square the disc fills); the side is min(width, height).
 */
export function localAverageColourSubtraction(img: RgbImage, config: ColourSubtractionConfig = {}): RgbImage {
  const { sigmaFraction, maskFraction } = resolveColourSubtractionConfig(config);
  const { width, height, data } = img;
  const side = Math.min(width, height);
  const blurred = gaussianBlurRgb(Float32Array.from(data), width, height, Math.max(sigmaFraction * side, 1e-3));
  const out = new Uint8Array(data.length);
  const radius = (maskFraction * side) / 2;
  const cx = width / 2;
  const cy = height / 2;
  for (let y = 0, i = 0; y < height; y++) {
    const dy = y + 0.5 - cy;
    for (let x = 0; x < width; x++, i += 3) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy > radius * radius) {
        out[i] = out[i + 1] = out[i + 2] = 128;
        continue;
      }
      for (let c = 0; c < 3; c++) {
        out[i + c] = Math.min(255, Math.max(0, Math.round(4 * data[i + c] - 4 * blurred[i + c] + 128)));
      }
    }
  }
  return { width, height, data: out };
}
