/**
 * The weights' input contract (BVLC GoogLeNet, Caffe): a square image, BGR channel order, 0..255 values
 * minus the per-channel ImageNet mean B=104, G=117, R=123. Images are kept as RGB bytes (RgbImage) at the
 * training input size; conversion to the network's float input happens per batch.
 */

/** Row-major RGB bytes, 3 per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** ImageNet mean of the BVLC GoogLeNet training set, in BGR order. */
export const CAFFE_MEAN_BGR = [104, 117, 123] as const;

/** The largest centred square of a width x height image. */
export function centreCropBox(width: number, height: number): { x: number; y: number; size: number } {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/**
 * Drops the alpha channel of RGBA pixels (canvas ImageData, jpeg-js) and returns RGB bytes.
 */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbImage {
  const n = width * height;
  if (rgba.length !== n * 4) throw new Error(`expected ${n * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[i * 3] = rgba[i * 4];
    data[i * 3 + 1] = rgba[i * 4 + 1];
    data[i * 3 + 2] = rgba[i * 4 + 2];
  }
  return { width, height, data };
}

/**
 * Centre-crops to a square and resizes to size x size by area averaging (each output pixel is the mean of
 * the source area it covers, with fractional edge weights), which does not alias when shrinking a large
 * photograph. Used where no canvas is available (Node: tests, bench, CLI); the browser uses the canvas.
 */
export function centreCropResize(img: RgbImage, size: number): RgbImage {
  const box = centreCropBox(img.width, img.height);
  const scale = box.size / size;
  const out = new Uint8Array(size * size * 3);
  // Per axis, the source cells covered by each output cell, with their weights.
  const spans = (offset: number) =>
    Array.from({ length: size }, (_, o) => {
      const start = offset + o * scale;
      const end = start + scale;
      const cells: [number, number][] = [];
      for (let s = Math.floor(start); s < Math.ceil(end - 1e-9); s++) {
        const w = Math.min(end, s + 1) - Math.max(start, s);
        if (w > 1e-9) cells.push([s, w]);
      }
      return cells;
    });
  const xs = spans(box.x);
  const ys = spans(box.y);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let r = 0, g = 0, b = 0, wsum = 0;
      for (const [sy, wy] of ys[oy]) {
        for (const [sx, wx] of xs[ox]) {
          const w = wy * wx;
          const i = (sy * img.width + sx) * 3;
          r += img.data[i] * w;
          g += img.data[i + 1] * w;
          b += img.data[i + 2] * w;
          wsum += w;
        }
      }
      const o = (oy * size + ox) * 3;
      out[o] = Math.round(r / wsum);
      out[o + 1] = Math.round(g / wsum);
      out[o + 2] = Math.round(b / wsum);
    }
  }
  return { width: size, height: size, data: out };
}

/**
 * Rotates a square RGB image by quarterTurns x 90 degrees counter-clockwise. Exact: pixels move, none are
 * interpolated (fundus colour is diagnostic, so augmentation never touches values).
 */
export function rotateQuarterTurns(img: RgbImage, quarterTurns: number): RgbImage {
  const k = ((quarterTurns % 4) + 4) % 4;
  if (k === 0) return img;
  const n = img.width;
  if (img.height !== n) throw new Error(`rotation needs a square image, got ${img.width}x${img.height}`);
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      // Destination (x', y') of source (x, y) for a counter-clockwise turn: (y, n-1-x); apply k times.
      let dx = x, dy = y;
      for (let t = 0; t < k; t++) [dx, dy] = [dy, n - 1 - dx];
      const s = (y * n + x) * 3;
      const d = (dy * n + dx) * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width: n, height: n, data: out };
}

/**
 * Writes one image into a batch buffer as the network's input: BGR order, mean subtracted, NHWC.
 * `target` holds batch x size x size x 3 floats; `index` is the image's slot.
 */
export function writeCaffeInput(img: RgbImage, target: Float32Array, index: number): void {
  const n = img.width * img.height;
  const base = index * n * 3;
  if (base + n * 3 > target.length) throw new Error(`batch slot ${index} is outside a buffer of ${target.length} floats`);
  const [mb, mg, mr] = CAFFE_MEAN_BGR;
  for (let i = 0; i < n; i++) {
    target[base + i * 3] = img.data[i * 3 + 2] - mb;
    target[base + i * 3 + 1] = img.data[i * 3 + 1] - mg;
    target[base + i * 3 + 2] = img.data[i * 3] - mr;
  }
}
