import { describe, expect, it } from 'vitest';
import { centreCropBox, centreCropResize, rgbaToRgb, rotateQuarterTurns, writeCaffeInput, type RgbImage } from './preprocess';

/** A 2x2 image: red, green / blue, white (row-major RGB). */
const tiny: RgbImage = { width: 2, height: 2, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) };

describe('preprocessing follows the BVLC GoogLeNet contract', () => {
  it('writes BGR minus the mean B=104 G=117 R=123, pixel by pixel', () => {
    const out = new Float32Array(12);
    writeCaffeInput(tiny, out, 0);
    // Hand computed: red (255,0,0) -> B 0-104, G 0-117, R 255-123; green -> -104, 138, -123; ...
    expect(Array.from(out)).toEqual([-104, -117, 132, -104, 138, -123, 151, -117, -123, 151, 138, 132]);
  });

  it('writes each image into its own batch slot', () => {
    const out = new Float32Array(24).fill(NaN);
    writeCaffeInput(tiny, out, 1);
    expect(out.slice(0, 12).every(Number.isNaN)).toBe(true);
    expect(out[12]).toBe(-104);
    expect(() => writeCaffeInput(tiny, out, 2)).toThrow(/outside/);
  });

  it('crops the centred square of a landscape or portrait photo', () => {
    expect(centreCropBox(512, 342)).toEqual({ x: 85, y: 0, size: 342 });
    expect(centreCropBox(300, 400)).toEqual({ x: 0, y: 50, size: 300 });
  });

  it('drops alpha from RGBA', () => {
    const rgb = rgbaToRgb(new Uint8Array([1, 2, 3, 255, 4, 5, 6, 0]), 2, 1);
    expect(Array.from(rgb.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resizes by area averaging: a 4x2 photo -> its 2x2 centre -> 1x1 is the mean of those 4 pixels', () => {
    // Columns 1 and 2 are the centre square; their values 10, 20 (row 0) and 30, 40 (row 1): mean 25.
    const row = (a: number, b: number) => [0, 0, 0, a, a, a, b, b, b, 255, 255, 255];
    const img: RgbImage = { width: 4, height: 2, data: new Uint8Array([...row(10, 20), ...row(30, 40)]) };
    expect(Array.from(centreCropResize(img, 1).data)).toEqual([25, 25, 25]);
  });
});

describe('rotation augmentation is exact', () => {
  it('turns a 2x2 image a quarter counter-clockwise: the top-right pixel goes to the top-left', () => {
    // red green / blue white  ->  green white / red blue
    const r = rotateQuarterTurns(tiny, 1);
    expect(Array.from(r.data)).toEqual([0, 255, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]);
  });

  it('four quarter turns give back the image, two give the 180 degree flip, and values never change', () => {
    const n = 5;
    const img: RgbImage = { width: n, height: n, data: new Uint8Array(n * n * 3).map((_, i) => (i * 37) % 256) };
    let r = img;
    for (let t = 0; t < 4; t++) r = rotateQuarterTurns(r, 1);
    expect(Array.from(r.data)).toEqual(Array.from(img.data));
    const half = rotateQuarterTurns(img, 2);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const a = (y * n + x) * 3;
        const b = ((n - 1 - y) * n + (n - 1 - x)) * 3;
        expect(Array.from(half.data.slice(b, b + 3))).toEqual(Array.from(img.data.slice(a, a + 3)));
      }
    }
    expect([...rotateQuarterTurns(img, 3).data].sort()).toEqual([...img.data].sort());
    expect(rotateQuarterTurns(img, 0)).toBe(img);
  });
});
