/**
 * Image decoding in the worker, off the page's thread: createImageBitmap + OffscreenCanvas. Each image is
 * kept as a square at STORE_SIZE (the largest input size) as RGB bytes: the centre square, or the square
 * around a fundus photograph's circular field of view; smaller input sizes are resized from that copy.
 * A thumbnail JPEG goes back to the UI.
 */
import { fieldOfViewBox, localAverageColourSubtraction, type SquareBox } from '../core/data/fundus';
import { dimensionsRefusal, IMAGE_HEADER_BYTES, looksLikeSvg, readImageDimensions } from '../core/data/image-header';
import { centreCropBox, rgbaToRgb, type RgbImage } from '../core/data/preprocess';
import type { DecodeOptions } from './protocol';

export const STORE_SIZE = 224;
const THUMB_SIZE = 96;
const MIN_SIDE = 32;
/** The field of view is found on a copy at most this large: the disc's edge needs no more, and it is fast. */
const PROBE_SIZE = 256;

export class ImageRejected extends Error {
  override name = 'ImageRejected';
}

/** Magic numbers of the formats browsers decode: JPEG, PNG, GIF, WebP, BMP. */
function looksLikeImage(h: Uint8Array): boolean {
  const ascii = (from: number, to: number) => String.fromCharCode(...h.subarray(from, to));
  return (
    (h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff) ||
    (h[0] === 0x89 && ascii(1, 4) === 'PNG') ||
    ascii(0, 3) === 'GIF' ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    ascii(0, 2) === 'BM'
  );
}

function context(size: number, height = size): OffscreenCanvasRenderingContext2D {
  const ctx = new OffscreenCanvas(size, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in this browser');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  return ctx;
}

function readRgb(ctx: OffscreenCanvasRenderingContext2D, size: number): RgbImage {
  return rgbaToRgb(ctx.getImageData(0, 0, size, size).data, size, size);
}

export interface DecodedForStore {
  image: RgbImage;
  thumbnail: Blob;
  width: number;
  height: number;
}

/**
 * The square around the field-of-view disc in the bitmap's pixels: found by fieldOfViewBox on a copy drawn
 * at most PROBE_SIZE px on its long side, then scaled back up.
 */
function fieldOfViewSquare(bitmap: ImageBitmap): SquareBox {
  const { width, height } = bitmap;
  const scale = Math.min(1, PROBE_SIZE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const probe = context(w, h);
  probe.drawImage(bitmap, 0, 0, w, h);
  const box = fieldOfViewBox(rgbaToRgb(probe.getImageData(0, 0, w, h).data, w, h));
  const sx = width / w;
  const sy = height / h;
  const size = Math.round(box.size * Math.max(sx, sy));
  const centreX = (box.x + box.size / 2) * sx;
  const centreY = (box.y + box.size / 2) * sy;
  return { x: Math.round(centreX - size / 2), y: Math.round(centreY - size / 2), size };
}

export async function decodeForStore(file: Blob, options: DecodeOptions): Promise<DecodedForStore> {
  if (file.size === 0) throw new ImageRejected('the file is empty');
  const head = new Uint8Array(await file.slice(0, IMAGE_HEADER_BYTES).arrayBuffer());
  if (looksLikeSvg(head)) throw new ImageRejected('an SVG drawing, not a photograph (expected JPEG, PNG, WebP, GIF or BMP)');
  if (!looksLikeImage(head)) throw new ImageRejected('not an image file (expected JPEG, PNG, WebP, GIF or BMP)');
  // Refused by the header's dimensions before decoding: a 20000x20000 PNG would take 1.6 GB to decode.
  const declared = readImageDimensions(head);
  const refusal = declared && dimensionsRefusal(declared);
  if (refusal) throw new ImageRejected(refusal);
  if (declared && (declared.width < MIN_SIDE || declared.height < MIN_SIDE)) {
    throw new ImageRejected(`too small (${declared.width}x${declared.height} px; at least ${MIN_SIDE} px needed)`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new ImageRejected('corrupt or truncated image data: the file could not be decoded');
  }
  try {
    const { width, height } = bitmap;
    if (width < MIN_SIDE || height < MIN_SIDE) throw new ImageRejected(`too small (${width}x${height} px; at least ${MIN_SIDE} px needed)`);
    const box = options.fieldOfViewCrop ? fieldOfViewSquare(bitmap) : centreCropBox(width, height);
    const ctx = context(STORE_SIZE);
    // The canvas clips a source square that passes the bitmap's edges (a disc cut off at the top and bottom):
    // those parts stay transparent black, as extractSquare pads them in core.
    ctx.drawImage(bitmap, box.x, box.y, box.size, box.size, 0, 0, STORE_SIZE, STORE_SIZE);
    const image = readRgb(ctx, STORE_SIZE);
    const thumbCtx = context(THUMB_SIZE);
    thumbCtx.drawImage(ctx.canvas, 0, 0, STORE_SIZE, STORE_SIZE, 0, 0, THUMB_SIZE, THUMB_SIZE);
    const thumbnail = await (thumbCtx.canvas as OffscreenCanvas).convertToBlob({ type: 'image/jpeg', quality: 0.85 });
    return { image, thumbnail, width, height };
  } finally {
    bitmap.close();
  }
}

/** How a run's (or a model's) images are prepared from the stored squares, after decoding. */
export interface RunPreprocessing {
  /** Input side in px. */
  size: number;
  /** Local-average colour subtraction (Ben Graham) after the resize. */
  colourNormalisation: boolean;
}

/** A stored square as the network's input image: resized, then colour-normalised when asked. */
export function prepareStored(img: RgbImage, prep: RunPreprocessing): RgbImage {
  const resized = resizeStored(img, prep.size);
  return prep.colourNormalisation ? localAverageColourSubtraction(resized) : resized;
}

/** Resizes a stored square image to another input size with the canvas's high-quality filter. */
export function resizeStored(img: RgbImage, size: number): RgbImage {
  if (img.width === size) return img;
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba[i * 4] = img.data[i * 3];
    rgba[i * 4 + 1] = img.data[i * 3 + 1];
    rgba[i * 4 + 2] = img.data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  const src = context(img.width);
  src.putImageData(new ImageData(rgba, img.width, img.height), 0, 0);
  const dst = context(size);
  dst.drawImage(src.canvas, 0, 0, img.width, img.height, 0, 0, size, size);
  return readRgb(dst, size);
}
