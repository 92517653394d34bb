/**
 * Saliency heatmaps as plain data (no tfjs, so the UI can draw them): bilinear upsampling to the image's
 * size and a colour map to RGBA pixels for an overlay.
 */

/** Row-major values in [0, 1], `values[y * width + x]`. */
export interface Heatmap {
  width: number;
  height: number;
  values: Float32Array;
}

/** Where the largest value is (the first one, in row-major order, on ties). */
export function heatmapArgmax(heat: Heatmap): { x: number; y: number; value: number } {
  let best = 0;
  for (let i = 1; i < heat.values.length; i++) if (heat.values[i] > heat.values[best]) best = i;
  return { x: best % heat.width, y: Math.floor(best / heat.width), value: heat.values[best] };
}

/**
 * Bilinear resize to width x height, sampling at pixel centres (as tf.image.resizeBilinear with
 * halfPixelCenters): a 7x7 Grad-CAM map covers a 224 px image cell for cell.
 */
export function upsampleHeatmap(heat: Heatmap, width: number, height = width): Heatmap {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`a heatmap's size must be whole numbers of at least 1, got ${width} x ${height}`);
  }
  const out = new Float32Array(width * height);
  const sx = heat.width / width;
  const sy = heat.height / height;
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  for (let y = 0; y < height; y++) {
    const fy = clamp((y + 0.5) * sy - 0.5, heat.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, heat.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = clamp((x + 0.5) * sx - 0.5, heat.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, heat.width - 1);
      const wx = fx - x0;
      const v = heat.values;
      const top = v[y0 * heat.width + x0] * (1 - wx) + v[y0 * heat.width + x1] * wx;
      const bottom = v[y1 * heat.width + x0] * (1 - wx) + v[y1 * heat.width + x1] * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { width, height, values: out };
}

/** The 'jet' colour map (blue -> cyan -> yellow -> red), as matplotlib's, for v in [0, 1]. */
export function jetColour(v: number): [number, number, number] {
  const t = Math.min(Math.max(v, 0), 1);
  const channel = (centre: number) => Math.round(255 * Math.min(Math.max(1.5 - Math.abs(4 * t - centre), 0), 1));
  return [channel(3), channel(2), channel(1)];
}

export interface HeatmapColourConfig {
  /** Alpha of every pixel, 0..1 (the overlay's opacity slider). Defaults to 0.5. */
  opacity?: number;
}

/** RGBA pixels (row-major, 4 bytes each) of the heatmap through the jet colour map, for an ImageData. */
export function heatmapToRgba(heat: Heatmap, config: HeatmapColourConfig = {}): Uint8ClampedArray {
  const opacity = config.opacity ?? 0.5;
  if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`opacity must be in [0, 1], got ${opacity}`);
  const alpha = Math.round(255 * opacity);
  const rgba = new Uint8ClampedArray(heat.values.length * 4);
  heat.values.forEach((v, i) => {
    const [r, g, b] = jetColour(v);
    rgba.set([r, g, b, alpha], i * 4);
  });
  return rgba;
}
