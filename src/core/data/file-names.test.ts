import { describe, expect, it } from 'vitest';
import { displayNameOf, MAX_DISPLAY_NAME, notImageReason } from './file-names';

describe('displayNameOf', () => {
  it('keeps only the last segment of a name that looks like a path', () => {
    expect(displayNameOf('../../x.jpg')).toBe('x.jpg');
    expect(displayNameOf('..\\..\\windows\\x.jpg')).toBe('x.jpg');
    expect(displayNameOf('/etc/passwd')).toBe('passwd');
  });

  it('removes control and bidirectional-override characters', () => {
    expect(displayNameOf('eye\u0000\n_L.jpg')).toBe('eye_L.jpg');
    expect(displayNameOf('gpj.\u202eevil.jpg')).toBe('gpj.evil.jpg');
  });

  it('never returns an empty name', () => {
    expect(displayNameOf('../..')).toBe('unnamed file');
    expect(displayNameOf('')).toBe('unnamed file');
  });

  it('shortens a very long name and keeps its extension', () => {
    const name = displayNameOf('a'.repeat(10_000) + '.jpeg');
    expect(name).toHaveLength(MAX_DISPLAY_NAME);
    expect(name.endsWith('….jpeg')).toBe(true);
  });

  it('leaves ordinary fundus file names alone', () => {
    expect(displayNameOf('Patient001_L.jpg')).toBe('Patient001_L.jpg');
    expect(displayNameOf('10_left.jpeg')).toBe('10_left.jpeg');
  });
});

describe('notImageReason', () => {
  it('says an SVG is a drawing, not a photograph', () => {
    expect(notImageReason('diagram.svg')).toMatch(/SVG drawing, not a photograph/);
    expect(notImageReason('notes.txt')).toMatch(/not an image file/);
  });
});
