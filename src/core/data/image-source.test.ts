import { describe, expect, it } from 'vitest';
import { BatchReader, imagesFrom, type ImageSource } from './image-source';
import type { RgbImage } from './preprocess';

const pixel = (id: string): RgbImage => ({ width: 1, height: 1, data: new Uint8Array([id.length, 0, 0]) });

/** A source that records every load and can be held back, to see what is read ahead and when. */
function recordingSource() {
  const loads: string[][] = [];
  const gates: (() => void)[] = [];
  let held = false;
  const source: ImageSource = {
    load: async (ids) => {
      loads.push([...ids]);
      if (held) await new Promise<void>((resolve) => gates.push(resolve));
      return ids.map(pixel);
    },
  };
  return { source, loads, hold: () => { held = true; }, release: () => { held = false; gates.splice(0).forEach((g) => g()); } };
}

describe('BatchReader: images read ahead, batch by batch', () => {
  it('hands out each batch in its order (repeated ids repeated), reading each distinct id of a batch once', async () => {
    const { source, loads } = recordingSource();
    const reader = new BatchReader(source, [['a', 'b', 'a', 'b'], ['c'], ['d', 'e']], 1);
    const first = await reader.batch(0);
    expect(first.map((img) => img.data[0])).toEqual([1, 1, 1, 1]);
    expect(loads[0]).toEqual(['a', 'b']);
    await reader.batch(1);
    await reader.batch(2);
    expect(loads).toEqual([['a', 'b'], ['c'], ['d', 'e']]);
  });

  it('reads `depth` batches ahead of the one in use, and no further', async () => {
    const { source, loads, hold, release } = recordingSource();
    const batches = Array.from({ length: 6 }, (_, i) => [`img${i}`]);
    const reader = new BatchReader(source, batches, 2);
    hold();
    const pending = reader.batch(0);
    // Batch 0 and the two after it are being read; batch 3 is not.
    expect(loads.map((l) => l[0])).toEqual(['img0', 'img1', 'img2']);
    release();
    await pending;
    await reader.batch(1);
    expect(loads.map((l) => l[0])).toEqual(['img0', 'img1', 'img2', 'img3']);
  });

  it('refuses batches out of order, and reports a failed read when its batch is asked for', async () => {
    const failing: ImageSource = { load: async (ids) => { if (ids.includes('bad')) throw new Error('gone'); return ids.map(pixel); } };
    const reader = new BatchReader(failing, [['ok'], ['bad']], 2);
    await expect(reader.batch(1)).rejects.toThrow(/out of order/);
    const again = new BatchReader(failing, [['ok'], ['bad']], 2);
    await again.batch(0);
    await expect(again.batch(1)).rejects.toThrow('gone');
  });

  it('imagesFrom serves images already in memory and throws for an unknown id', async () => {
    const source = imagesFrom((id) => { if (id === '?') throw new Error('unknown image ?'); return pixel(id); });
    expect((await source.load(['xy'])).map((i) => i.data[0])).toEqual([2]);
    await expect(source.load(['?'])).rejects.toThrow('unknown image ?');
  });
});
