/**
 * Image decoding in the worker, off the page's thread: createImageBitmap + OffscreenCanvas. An added image is
 * decoded once: its square (around a fundus photograph's circular field of view, or the centre square) is drawn
 * at the project's stored side and encoded as JPEG: the stored copy every run, cache, evaluation and Grad-CAM
 * reads from (stored-images.ts); a thumbnail JPEG goes to the page. Nothing decoded is kept.
 */
import { fieldOfViewBox, localAverageColourSubtraction, type SquareBox } from '../core/data/fundus';
import { dimensionsRefusal, IMAGE_HEADER_BYTES, imageFormatOf, looksLikeSvg, readImageDimensions } from '../core/data/image-header';
import { centreCropBox, rgbaToRgb, type RgbImage } from '../core/data/preprocess';
import type { PreparedPixels } from '../storage/project-db';
import type { DecodeOptions } from './protocol';

/** Stored side when the options name none: twice the native input, room for inputs up to 512 px. */
export const DEFAULT_STORED_SIDE = 512;
/** JPEG quality of the stored copies: visually lossless for fundus photographs, ~40-70 KB at 512 px. */
const STORED_QUALITY = 0.92;
const THUMB_SIZE = 96;
const MIN_SIDE = 32;
/** The field of view is found on a copy at most this large: the disc's edge needs no more, and it is fast. */
const PROBE_SIZE = 256;

export class ImageRejected extends Error {
  override name = 'ImageRejected';
}

/** Magic numbers of the formats browsers decode (core/data/image-header.ts). */
const looksLikeImage = (h: Uint8Array): boolean => imageFormatOf(h) !== null;

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
  /** The stored copy: the square at min(stored side, the square's own side) px, JPEG bytes. */
  stored: ArrayBuffer;
  prepared: PreparedPixels;
  /** JPEG bytes. */
  thumbnail: ArrayBuffer;
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

/** Checks a file by its first bytes and header, then decodes it; ImageRejected says why it cannot be used. */
async function decodeChecked(file: Blob): Promise<ImageBitmap> {
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
  if (bitmap.width < MIN_SIDE || bitmap.height < MIN_SIDE) {
    const { width, height } = bitmap;
    bitmap.close();
    throw new ImageRejected(`too small (${width}x${height} px; at least ${MIN_SIDE} px needed)`);
  }
  return bitmap;
}

function squareOf(bitmap: ImageBitmap, crop: 'field-of-view' | 'centre-square'): SquareBox {
  return crop === 'field-of-view' ? fieldOfViewSquare(bitmap) : centreCropBox(bitmap.width, bitmap.height);
}

/**
 * Draws a square of the bitmap at size x size: the whole bitmap (a stored copy, already square) when `crop` is
 * null, else its field-of-view or centre square. The canvas clips a source square that passes the bitmap's edges
 * (a disc cut off at the top and bottom): those parts stay black, as extractSquare pads them in core.
 */
export function drawSquare(bitmap: ImageBitmap, size: number, crop: 'field-of-view' | 'centre-square' | null): RgbImage {
  const box = crop ? squareOf(bitmap, crop) : { x: 0, y: 0, size: Math.min(bitmap.width, bitmap.height) };
  return drawBox(bitmap, box, size);
}

/** The square `box` of an image source drawn at size x size, as RGB. */
export function drawBox(source: CanvasImageSource, box: SquareBox, size: number): RgbImage {
  const ctx = context(size);
  ctx.drawImage(source, box.x, box.y, box.size, box.size, 0, 0, size, size);
  return readRgb(ctx, size);
}

/** An added image: checked, decoded once, its square stored at the project's side, and a thumbnail. */
export async function decodeForStore(file: Blob, options: DecodeOptions): Promise<DecodedForStore> {
  const bitmap = await decodeChecked(file);
  try {
    const { width, height } = bitmap;
    const crop = options.fieldOfViewCrop ? 'field-of-view' : 'centre-square';
    const box = squareOf(bitmap, crop);
    // Never enlarged: a 224-px source stays 224 px (a larger input size upsamples it when it is read).
    const side = Math.max(MIN_SIDE, Math.min(options.storedSide ?? DEFAULT_STORED_SIDE, box.size));
    const ctx = context(side);
    ctx.drawImage(bitmap, box.x, box.y, box.size, box.size, 0, 0, side, side);
    const canvas = ctx.canvas as OffscreenCanvas;
    const thumbCtx = context(THUMB_SIZE);
    thumbCtx.drawImage(canvas, 0, 0, side, side, 0, 0, THUMB_SIZE, THUMB_SIZE);
    // Bytes, not Blobs: they travel to the page by transfer and are stored as they are (see EncodedImage).
    const [stored, thumbnail] = await Promise.all([
      canvas.convertToBlob({ type: 'image/jpeg', quality: STORED_QUALITY }).then((b) => b.arrayBuffer()),
      (thumbCtx.canvas as OffscreenCanvas).convertToBlob({ type: 'image/jpeg', quality: 0.85 }).then((b) => b.arrayBuffer()),
    ]);
    return { stored, prepared: { crop, side }, thumbnail, width, height };
  } finally {
    bitmap.close();
  }
}

/** A dropped file (prediction, Grad-CAM) as the network's input image: checked, cropped, at `size`. */
export async function decodeAtSize(file: Blob, size: number, fieldOfViewCrop: boolean): Promise<RgbImage> {
  const bitmap = await decodeChecked(file);
  try {
    return drawSquare(bitmap, size, fieldOfViewCrop ? 'field-of-view' : 'centre-square');
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

/** An image at the input size as the network takes it: colour-normalised when asked. */
export function prepareInput(img: RgbImage, colourNormalisation: boolean): RgbImage {
  return colourNormalisation ? localAverageColourSubtraction(img) : img;
}
