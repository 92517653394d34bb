import { describe, expect, it } from 'vitest';
import { dimensionsRefusal, imageFormatOf, looksLikeSvg, MAX_IMAGE_PIXELS, readImageDimensions } from './image-header';

/** A PNG's signature and IHDR chunk for the given size (CRC left zero: the reader does not check it). */
function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  b.set([8, 2, 0, 0, 0], 24);
  return b;
}

/** SOI, an APP0 (JFIF) segment, a DQT segment of 67 bytes, then an SOF of the given marker and size. */
function jpegHeader(width: number, height: number, sof = 0xc0): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0xff, 0xdb, 0x00, 0x43, ...new Array(0x41).fill(1)];
  const frame = [0xff, sof, 0x00, 0x11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...dqt, ...frame]);
}

describe('readImageDimensions', () => {
  it('reads a PNG IHDR', () => {
    expect(readImageDimensions(pngHeader(3888, 2592))).toEqual({ format: 'png', width: 3888, height: 2592 });
    expect(readImageDimensions(pngHeader(20000, 20000))).toEqual({ format: 'png', width: 20000, height: 20000 });
  });

  it('reads a baseline and a progressive JPEG SOF after other segments', () => {
    expect(readImageDimensions(jpegHeader(2048, 1536))).toEqual({ format: 'jpeg', width: 2048, height: 1536 });
    expect(readImageDimensions(jpegHeader(640, 480, 0xc2))).toEqual({ format: 'jpeg', width: 640, height: 480 });
  });

  it('skips fill bytes between JPEG markers and is not fooled by DHT (0xC4)', () => {
    const dht = [0xff, 0xc4, 0x00, 0x04, 0, 0];
    const b = jpegHeader(100, 50);
    const withDht = Uint8Array.from([...b.subarray(0, 2), 0xff, ...dht, ...b.subarray(2)]);
    expect(readImageDimensions(withDht)).toEqual({ format: 'jpeg', width: 100, height: 50 });
  });

  it('reads GIF, BMP and WebP (VP8X) headers', () => {
    const gif = Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x40, 0x01, 0xf0, 0x00]); // 320x240, little-endian
    expect(readImageDimensions(gif)).toEqual({ format: 'gif', width: 320, height: 240 });
    const bmp = new Uint8Array(26);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 800, true);
    new DataView(bmp.buffer).setInt32(22, -600, true); // top-down rows: negative height
    expect(readImageDimensions(bmp)).toEqual({ format: 'bmp', width: 800, height: 600 });
    const webp = new Uint8Array(30);
    webp.set([...'RIFF'].map((c) => c.charCodeAt(0)));
    webp.set([...'WEBPVP8X'].map((c) => c.charCodeAt(0)), 8);
    webp.set([0x1f, 0x4e, 0x00, 0x0f, 0x27, 0x00], 24); // 19999+1 = 20000 wide, 9999+1 = 10000 high
    expect(readImageDimensions(webp)).toEqual({ format: 'webp', width: 20000, height: 10000 });
  });

  it('returns null for other bytes and for a header cut off before the dimensions', () => {
    expect(readImageDimensions(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(readImageDimensions(pngHeader(10, 10).subarray(0, 20))).toBeNull();
    expect(readImageDimensions(jpegHeader(10, 10).subarray(0, 30))).toBeNull();
  });
});

describe('dimensionsRefusal', () => {
  it('refuses 20000x20000 (400 MP) by its header and names the limit', () => {
    const why = dimensionsRefusal({ format: 'png', width: 20000, height: 20000 });
    expect(why).toMatch(/20000x20000 px, 400 megapixels/);
    expect(why).toMatch(/at most 50 megapixels/);
  });

  it('accepts a 24 MP fundus photograph and anything up to the limit', () => {
    expect(dimensionsRefusal({ format: 'jpeg', width: 6000, height: 4000 })).toBeNull();
    expect(dimensionsRefusal({ format: 'jpeg', width: MAX_IMAGE_PIXELS, height: 1 })).toBeNull();
  });

  it('refuses a zero dimension', () => {
    expect(dimensionsRefusal({ format: 'png', width: 0, height: 10 })).toMatch(/not a picture/);
  });
});

describe('looksLikeSvg', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('recognises SVG with or without an XML declaration', () => {
    expect(looksLikeSvg(bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10"/>'))).toBe(true);
    expect(looksLikeSvg(bytes('  <svg>\n</svg>'))).toBe(true);
  });
  it('does not take other text or a PNG for SVG', () => {
    expect(looksLikeSvg(bytes('<html><body>hi</body></html>'))).toBe(false);
    expect(looksLikeSvg(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
  });
});

describe('imageFormatOf: the one magic-number check (worker, project file, Node tools)', () => {
  const bytes = (...xs: (number | string)[]) => new Uint8Array(xs.flatMap((x) => (typeof x === 'string' ? [...x].map((c) => c.charCodeAt(0)) : [x])));
  it('names each format browsers decode from its first bytes', () => {
    expect(imageFormatOf(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('jpeg');
    expect(imageFormatOf(bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a))).toBe('png');
    expect(imageFormatOf(bytes('GIF89a'))).toBe('gif');
    expect(imageFormatOf(bytes('RIFF', 0, 0, 0, 0, 'WEBP'))).toBe('webp');
    expect(imageFormatOf(bytes('BM', 0, 0))).toBe('bmp');
  });
  it('refuses look-alikes: a PNG signature cut short, RIFF audio, text', () => {
    expect(imageFormatOf(bytes(0x89, 'PNG'))).toBeNull();
    expect(imageFormatOf(bytes('RIFF', 0, 0, 0, 0, 'WAVE'))).toBeNull();
    expect(imageFormatOf(bytes('id_code,diagnosis'))).toBeNull();
    expect(imageFormatOf(bytes(0xff, 0xd8))).toBeNull();
  });
});
