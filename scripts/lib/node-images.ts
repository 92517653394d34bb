/** Image decoding for Node (tests, bench, CLIs): JPEG/PNG files to RgbImage through jpeg-js. */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { centreCropResize, rgbaToRgb, type RgbImage } from '../../src/core/data/preprocess';

export function decodeJpegFile(path: string): RgbImage {
  const { width, height, data } = jpeg.decode(readFileSync(path), { useTArray: true, formatAsRGBA: true });
  return rgbaToRgb(data, width, height);
}

export function loadForNetwork(path: string, size: number): RgbImage {
  return centreCropResize(decodeJpegFile(path), size);
}
