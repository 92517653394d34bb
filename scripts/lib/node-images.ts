/** Image decoding for Node (tests, bench, CLIs): JPEG through jpeg-js, PNG through pngjs, to RgbImage. */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { imageFormatOf } from '../../src/core/data/image-header';
import { centreCropResize, rgbaToRgb, type RgbImage } from '../../src/core/data/preprocess';

/** A file that is not a JPEG or PNG image, or is damaged; the message names the file. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const isPng = (bytes: Uint8Array) => imageFormatOf(bytes) === 'png';
const isJpeg = (bytes: Uint8Array) => imageFormatOf(bytes) === 'jpeg';

/** Decodes a JPEG or PNG file (told apart by their first bytes, not the extension). */
export function decodeImageFile(path: string): RgbImage {
  const bytes = new Uint8Array(readFileSync(path));
  try {
    if (isJpeg(bytes)) {
      const { width, height, data } = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return rgbaToRgb(data, width, height);
    }
    if (isPng(bytes)) {
      const { width, height, data } = PNG.sync.read(Buffer.from(bytes));
      return rgbaToRgb(data, width, height);
    }
  } catch (e) {
    throw new ImageDecodeError(`${path} could not be decoded (${(e as Error).message}); it may be damaged.`);
  }
  throw new ImageDecodeError(`${path} is not a JPEG or PNG image.`);
}

export function loadForNetwork(path: string, size: number): RgbImage {
  return centreCropResize(decodeImageFile(path), size);
}
