/**
 * What an image's stored copy costs in the browser's storage, estimated before an import: a fundus photograph's
 * square as JPEG at quality 0.92 takes roughly 0.2 bytes per pixel (a dark background and a smooth retina
 * compress well), plus its ~3 KB thumbnail. An estimate for the Dataset screen; the storage actually used is
 * listed per project (Projects) and by the browser.
 */
export const STORED_BYTES_PER_PIXEL = 0.2;
export const THUMBNAIL_BYTES = 3_000;

/** Estimated bytes of one image stored at `side` px (its copy and thumbnail). */
export function storedImageBytes(side: number): number {
  return Math.round(side * side * STORED_BYTES_PER_PIXEL + THUMBNAIL_BYTES);
}
