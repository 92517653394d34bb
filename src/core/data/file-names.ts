/**
 * A dropped file's name is only ever a label (shown on screen, written in CSV exports, matched to a labels
 * CSV), never a path to open: ids are generated. These turn a hostile name (`../../x.jpg`, control
 * characters, a 10,000-character name) into something safe to show and to store.
 */

/** Longest name kept for display; longer ones keep their start and their extension. */
export const MAX_DISPLAY_NAME = 120;

/**
 * The name as shown and stored: its last path segment only (no `..`, no folders), control and bidirectional
 * override characters removed, at most MAX_DISPLAY_NAME characters. Never empty.
 */
export function displayNameOf(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  const segments = clean.split(/[\\/]/).filter((s) => s !== '' && s !== '.' && s !== '..');
  const base = segments.length > 0 ? segments[segments.length - 1].trim() : '';
  if (base === '') return 'unnamed file';
  if (base.length <= MAX_DISPLAY_NAME) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 6 ? base.slice(dot) : '';
  return base.slice(0, MAX_DISPLAY_NAME - ext.length - 1) + '…' + ext;
}

/** Why a dropped file that is not a photograph is left out, in plain words. */
export function notImageReason(name: string): string {
  if (/\.svgz?$/i.test(name)) return 'an SVG drawing, not a photograph (expected JPEG, PNG, WebP, GIF or BMP)';
  return 'not an image file (expected JPEG, PNG, WebP, GIF or BMP)';
}
