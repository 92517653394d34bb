/**
 * An image's width and height read from its first bytes (PNG IHDR, JPEG SOF, GIF, BMP and WebP headers),
 * so that a file whose pixels would not fit in memory is refused before the browser decodes it.
 * Pure: no DOM, runs in the worker and in Node tests.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

export interface ImageDimensions {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * The most pixels an image may have: 50 megapixels is more than any fundus camera (about 24 MP at most), and
 * decoding it takes 200 MB of RGBA; a 20000x20000 image (400 MP, 1.6 GB) would exhaust the tab.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** How many leading bytes to read: a JPEG's SOF can follow EXIF and ICC segments of up to 64 KB each. */
export const IMAGE_HEADER_BYTES = 512 * 1024;

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));

/**
 * The format from the magic numbers at the start of the bytes (JPEG, PNG, GIF, WebP, BMP: what browsers decode),
 * or null: the one place every reader (worker, project file, Node tools) tells images from other files.
 */
export function imageFormatOf(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 3 && ascii(b, 0, 3) === 'GIF') return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 2 && ascii(b, 0, 2) === 'BM') return 'bmp';
  return null;
}

/**
 * Width and height from the header, or null when the bytes are not a known format or are cut off before the
 * dimensions (the decoder then says whether the file is readable at all).
 */
export function readImageDimensions(b: Uint8Array): ImageDimensions | null {
  switch (imageFormatOf(b)) {
    case 'png': return b.length >= 24 && ascii(b, 12, 16) === 'IHDR' ? { format: 'png', width: u32be(b, 16), height: u32be(b, 20) } : null;
    case 'jpeg': return b.length >= 4 ? jpegDimensions(b) : null;
    case 'gif': return b.length >= 10 ? { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) } : null;
    case 'bmp': return b.length >= 26 ? { format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) } : null;
    case 'webp': return b.length >= 30 ? webpDimensions(b) : null;
    default: return null;
  }
}

/** Walks the JPEG's marker segments to the first start-of-frame (SOF0..SOF15 except DHT, JPG and DAC). */
function jpegDimensions(b: Uint8Array): ImageDimensions | null {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) { i += 2; continue; } // no length
    const length = u16be(b, i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 9 > b.length) return null;
      return { format: 'jpeg', height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (marker === 0xda || length < 2) return null; // image data before any frame header: malformed
    i += 2 + length;
  }
  return null;
}

function webpDimensions(b: Uint8Array): ImageDimensions | null {
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  return null;
}

/** Whether the bytes are an SVG drawing (XML text with an <svg> element near the start). */
export function looksLikeSvg(b: Uint8Array): boolean {
  const text = ascii(b, 0, 1024).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  return text.startsWith('<') && /<svg[\s>]/i.test(text);
}

/**
 * Why an image of these dimensions is refused before decoding, in plain words; null when it may be decoded.
 */
export function dimensionsRefusal({ width, height }: ImageDimensions, maxPixels = MAX_IMAGE_PIXELS): string | null {
  if (width === 0 || height === 0) return `its header says it is ${width}x${height} px, which is not a picture`;
  const pixels = width * height;
  if (pixels > maxPixels) {
    const mp = (n: number) => `${Math.round(n / 1e6)} megapixels`;
    return `too large (${width}x${height} px, ${mp(pixels)}; Fovea takes at most ${mp(maxPixels)}): ` +
      'export a smaller copy (fundus cameras take at most about 24 megapixels)';
  }
  return null;
}
