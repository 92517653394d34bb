import { describe, expect, it } from 'vitest';
import {
  cropToFieldOfView, EXACT_BLUR_SIGMA, extractSquare, fieldOfViewBox, gaussianBlurRgb, gaussianKernel, InvalidFundusConfigError,
  localAverageColourSubtraction,
} from './fundus';
import type { RgbImage } from './preprocess';
import { mulberry32 } from './random';

/** A black width x height frame with a disc of one colour: pixel centres within `radius` of (cx, cy). */
function discImage(width: number, height: number, cx: number, cy: number, radius: number, rgb = [200, 90, 40]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius * radius) data.set(rgb, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

function uniformImage(width: number, height: number, rgb: number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

const pixel = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('finding the field of view', () => {
  it('boxes a disc of radius 80 centred at (170, 100) in a 300 x 200 frame', () => {
    // Pixel centres x + 0.5 in [90, 250] -> columns 90..249, rows 20..179: a 160 px square at (90, 20).
    const box = fieldOfViewBox(discImage(300, 200, 170, 100, 80));
    expect(Math.abs(box.x - 90)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.y - 20)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.size - 160)).toBeLessThanOrEqual(2);
  });

  it('ignores JPEG-like noise in the black surround', () => {
    const img = discImage(300, 200, 170, 100, 80);
    const random = mulberry32(1);
    // 300 noise pixels of brightness up to 40 scattered over the frame: at most a few per row or column,
    // under the 1% (3 of 300, 2 of 200) needed to count.
    for (let n = 0; n < 300; n++) {
      const i = Math.floor(random() * 300 * 200) * 3;
      img.data[i] = Math.max(img.data[i], Math.floor(random() * 40));
    }
    expect(fieldOfViewBox(img)).toEqual(fieldOfViewBox(discImage(300, 200, 170, 100, 80)));
  });

  it('leaves out a caption in a corner, separated from the disc by black', () => {
    const img = discImage(300, 200, 170, 100, 80);
    // A 20 x 5 white label at (2, 2): 20 of 300 pixels per row is above 1%, but it is its own short run.
    for (let y = 2; y < 7; y++) for (let x = 2; x < 22; x++) img.data.set([255, 255, 255], (y * 300 + x) * 3);
    expect(fieldOfViewBox(img)).toEqual({ x: 90, y: 20, size: 160 });
  });

  it('a disc cut off at top and bottom: the square keeps the diameter and passes the frame', () => {
    // Radius 150 at (200, 100) in 400 x 200: columns 50..349 (300 wide), every row bright; centre row 100,
    // so the 300 px square starts at y = 100 - 150 = -50.
    expect(fieldOfViewBox(discImage(400, 200, 200, 100, 150))).toEqual({ x: 50, y: -50, size: 300 });
  });

  it('falls back to the centred square when nothing is bright', () => {
    // The largest centred square of 300 x 200: side 200 at x = (300 - 200) / 2 = 50.
    expect(fieldOfViewBox(uniformImage(300, 200, [3, 3, 3]))).toEqual({ x: 50, y: 0, size: 200 });
  });

  it('uses the brightest channel against the threshold', () => {
    // A red-only disc (as dark fundus photos are) is found; with the threshold above its red it is not.
    const red = discImage(100, 100, 50, 50, 30, [40, 0, 0]);
    expect(fieldOfViewBox(red)).toEqual({ x: 20, y: 20, size: 60 });
    expect(fieldOfViewBox(red, { threshold: 50 })).toEqual({ x: 0, y: 0, size: 100 });
  });

  it('refuses a threshold or share out of range, naming it', () => {
    expect(() => fieldOfViewBox(uniformImage(4, 4, [0, 0, 0]), { threshold: 300 })).toThrow(InvalidFundusConfigError);
    expect(() => fieldOfViewBox(uniformImage(4, 4, [0, 0, 0]), { minFraction: 1 })).toThrow("'minFraction' is 1");
  });
});

describe('cropping to the field of view', () => {
  it('copies a square, black where it passes the frame', () => {
    // 2 x 2 image [[A, B], [C, D]]; the 3 px square at (-1, 0) reads [[0, A, B], [0, C, D], [0, 0, 0]].
    const img: RgbImage = { width: 2, height: 2, data: Uint8Array.from([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]) };
    const square = extractSquare(img, { x: -1, y: 0, size: 3 });
    expect(Array.from(square.data)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 3, 3, 3, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('gives a size x size image the disc fills', () => {
    const out = cropToFieldOfView(discImage(300, 200, 170, 100, 80), 64);
    expect([out.width, out.height, out.data.length]).toEqual([64, 64, 64 * 64 * 3]);
    expect(pixel(out, 32, 32)).toEqual([200, 90, 40]); // disc centre
    expect(pixel(out, 0, 0)).toEqual([0, 0, 0]); // corner: outside the disc
    // The disc touches all four sides: mid-edge pixels are mostly disc (at least half its brightness).
    for (const [x, y] of [[0, 32], [63, 32], [32, 0], [32, 63]]) expect(pixel(out, x, y)[0], `${x},${y}`).toBeGreaterThan(100);
  });

  it('pads a disc cut off at top and bottom with black', () => {
    // The 300 px square runs from y = -50 to 250 on a 200 px frame: the top and bottom 1/6 are padding,
    // 10 of 60 output rows each.
    const out = cropToFieldOfView(discImage(400, 200, 200, 100, 150), 60);
    expect(pixel(out, 30, 5)).toEqual([0, 0, 0]);
    expect(pixel(out, 30, 54)).toEqual([0, 0, 0]);
    expect(pixel(out, 30, 12)).toEqual([200, 90, 40]);
    expect(pixel(out, 30, 30)).toEqual([200, 90, 40]);
  });

  it('refuses an output size that is not a whole number', () => {
    expect(() => cropToFieldOfView(discImage(50, 50, 25, 25, 20), 0)).toThrow("'size' is 0");
  });
});

describe('local average colour subtraction (Ben Graham)', () => {
  it('normalises the 1-D Gaussian, truncated at 3 sigma', () => {
    // sigma 1: weights e^(-k^2/2), k = -3..3, sum 2.5059499; centre 1 / 2.5059499 = 0.3990503.
    const k = gaussianKernel(1);
    expect(k).toHaveLength(7);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(k[3]).toBeCloseTo(0.3990503, 6);
  });

  it('blurs wide sigmas at reduced resolution to within half a grey level of the full convolution', () => {
    // A 360 px fundus-like square: a disc with darker and brighter blobs, plus noise; sigma 9 > EXACT_BLUR_SIGMA
    // takes the reduced path (f = 3). Inside the 0.9 disc, where the output is kept, compare with the exact blur.
    const size = 360;
    const img = discImage(size, size, 180, 180, 180, [170, 80, 30]);
    const random = mulberry32(6);
    for (let n = 0; n < 40; n++) {
      const bx = 60 + random() * 240, by = 60 + random() * 240, r = 2 + random() * 10, v = random() * 255;
      for (let y = Math.floor(by - r); y <= by + r; y++) {
        for (let x = Math.floor(bx - r); x <= bx + r; x++) if ((x - bx) ** 2 + (y - by) ** 2 <= r * r) img.data[(y * size + x) * 3 + 1] = v;
      }
    }
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(255, img.data[i] + Math.floor(random() * 8));
    const values = Float32Array.from(img.data);
    expect(9).toBeGreaterThan(EXACT_BLUR_SIGMA);
    const exact = gaussianBlurRgb(values, size, size, 9, Infinity);
    const reduced = gaussianBlurRgb(values, size, size, 9);
    let max = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if ((x + 0.5 - 180) ** 2 + (y + 0.5 - 180) ** 2 > 162 ** 2) continue;
        for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(exact[(y * size + x) * 3 + c] - reduced[(y * size + x) * 3 + c]));
      }
    }
    expect(max).toBeLessThan(0.5);
    expect(max).toBeGreaterThan(0); // the reduced path did run
  });

  it('turns a uniform colour into mid-grey 128', () => {
    // A constant image equals its blur: 4 x v - 4 x v + 128.
    const out = localAverageColourSubtraction(uniformImage(40, 40, [180, 70, 20]), { maskFraction: 2 });
    expect(new Set(out.data)).toEqual(new Set([128]));
  });

  it('a uniform disc gives ~128 away from its edge and exactly 128 outside the mask', () => {
    const out = localAverageColourSubtraction(cropToFieldOfView(discImage(300, 200, 170, 100, 80), 120));
    // Within half the radius the blur (sigma 2 px, reach 6 px) never sees the black surround.
    for (const [x, y] of [[60, 60], [40, 60], [80, 70], [60, 35]]) {
      for (const v of pixel(out, x, y)) expect(Math.abs(v - 128), `${x},${y}`).toBeLessThanOrEqual(1);
    }
    expect(pixel(out, 2, 2)).toEqual([128, 128, 128]);
    expect(pixel(out, 60, 2)).toEqual([128, 128, 128]); // 58 px from the centre, beyond 0.9 x 60 = 54
    // The same at 600 px, where sigma 10 takes the reduced-resolution blur.
    const large = localAverageColourSubtraction(cropToFieldOfView(discImage(300, 200, 170, 100, 80), 600));
    for (const [x, y] of [[300, 300], [200, 300], [400, 350], [300, 175]]) {
      for (const v of pixel(large, x, y)) expect(Math.abs(v - 128), `${x},${y}`).toBeLessThanOrEqual(1);
    }
  });

  it('amplifies a small spot 4 x against its surround (hand-computed, sigma 1 px)', () => {
    // 60 x 60 grey 50 with one pixel of 60 at (30, 30); sigma = 60 / 60 = 1. With the 1-D weights
    // w0 = 0.3990503 and w1 = 0.2420362, the blur at the spot is 50 + 10 w0^2, beside it 50 + 10 w0 w1,
    // diagonally 50 + 10 w1^2, so out = 128 + 4 x 10 x (1 - w0^2) = 161.63 -> 162,
    // 128 - 40 w0 w1 = 124.14 -> 124, and 128 - 40 w1^2 = 125.66 -> 126.
    const img = uniformImage(60, 60, [50, 50, 50]);
    img.data.set([60, 60, 60], (30 * 60 + 30) * 3);
    const out = localAverageColourSubtraction(img);
    expect(pixel(out, 30, 30)).toEqual([162, 162, 162]);
    expect(pixel(out, 31, 30)).toEqual([124, 124, 124]);
    expect(pixel(out, 30, 29)).toEqual([124, 124, 124]);
    expect(pixel(out, 31, 31)).toEqual([126, 126, 126]);
    expect(pixel(out, 20, 30)).toEqual([128, 128, 128]);
  });

  it('clamps to 0..255', () => {
    const img = uniformImage(30, 30, [0, 0, 0]);
    img.data.set([255, 0, 255], (15 * 30 + 15) * 3);
    const out = localAverageColourSubtraction(img);
    expect(pixel(out, 15, 15)).toEqual([255, 128, 255]);
    expect(pixel(out, 16, 15)[0]).toBeLessThan(128);
  });

  it('refuses a sigma or mask share out of range', () => {
    expect(() => localAverageColourSubtraction(uniformImage(4, 4, [0, 0, 0]), { sigmaFraction: 0 })).toThrow("'sigmaFraction' is 0");
    expect(() => localAverageColourSubtraction(uniformImage(4, 4, [0, 0, 0]), { maskFraction: -1 })).toThrow(InvalidFundusConfigError);
  });
});
