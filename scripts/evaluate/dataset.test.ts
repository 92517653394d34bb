import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { classesForTask, diskImages, EvaluateDataError, prepareImage, readLabelledSet } from './dataset';

/** A 40x30 JPEG: black with a bright disc, so the field-of-view crop has something to find. */
function fundusLikeJpeg(): Buffer {
  const width = 40;
  const height = 30;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const inside = (x - 22) ** 2 + (y - 15) ** 2 <= 12 ** 2;
      data[i] = inside ? 200 : 0;
      data[i + 1] = inside ? 90 : 0;
      data[i + 2] = inside ? 40 : 0;
      data[i + 3] = 255;
    }
  }
  return jpeg.encode({ data, width, height }, 95).data;
}

function makeSet(): string {
  const root = mkdtempSync(join(tmpdir(), 'fovea-eval-'));
  const img = fundusLikeJpeg();
  for (const [folder, names] of [['0_No_DR', ['p1_left.jpg', 'p1_right.jpg', 'p2.jpg']], ['2_Moderate', ['p3.jpg']]] as const) {
    mkdirSync(join(root, folder));
    for (const n of names) writeFileSync(join(root, folder, n), img);
  }
  writeFileSync(join(root, 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'labels.csv'), 'id_code,diagnosis\np1_left,0\np1_right,0\np2,1\np3,4\nmissing,2\n');
  return root;
}

describe('evaluate: reading a labelled set from disk', () => {
  it('reads class folders, groups eyes by patient, and skips non-images', () => {
    const set = readLabelledSet(makeSet());
    expect(set.labelledBy).toBe('folders');
    expect(set.images.map((i) => [i.id, i.label, i.patientId])).toEqual([
      ['0_No_DR/p1_left.jpg', '0_No_DR', 'p1'], ['0_No_DR/p1_right.jpg', '0_No_DR', 'p1'],
      ['0_No_DR/p2.jpg', '0_No_DR', 'p2'], ['2_Moderate/p3.jpg', '2_Moderate', 'p3'],
    ]);
  });

  it('reads a labels CSV beside the images, noting rows without an image', () => {
    const root = makeSet();
    const set = readLabelledSet(join(root, 'labels.csv'));
    expect(set.labelledBy).toBe('csv (aptos)');
    // The CSV wins over the folder: p2 is grade 1 and p3 grade 4 there.
    expect(Object.fromEntries(set.images.map((i) => [i.id, i.label]))).toEqual({
      '0_No_DR/p1_left.jpg': '0', '0_No_DR/p1_right.jpg': '0', '0_No_DR/p2.jpg': '1', '2_Moderate/p3.jpg': '4',
    });
    expect(set.notes).toEqual(['1 CSV rows have no image and are left out.']);
  });

  it('opens DR-graded labels as the five grades unless told otherwise', () => {
    const set = readLabelledSet(makeSet());
    const auto = classesForTask(set, null);
    expect(auto.task).toBe('dr-5-grades');
    expect(auto.items.map((it) => it.classIndex)).toEqual([0, 0, 0, 2]);
    const referable = classesForTask(set, 'referable-dr');
    expect(referable.items.map((it) => it.classIndex)).toEqual([0, 0, 0, 1]);
    expect(classesForTask(set, 'as-is').classNames).toEqual(['0_No_DR', '2_Moderate']);
  });

  it('says plainly when a path has no images or does not exist', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fovea-empty-'));
    expect(() => readLabelledSet(empty)).toThrow(EvaluateDataError);
    expect(() => readLabelledSet(join(empty, 'nope'))).toThrow(/does not exist/);
  });

  it('crops to the field of view: the disc fills the square, unlike the centre crop', () => {
    const root = makeSet();
    const path = join(root, '0_No_DR', 'p2.jpg');
    const fov = prepareImage(path, 32, 'fov');
    const centre = prepareImage(path, 32, 'centre');
    expect([fov.width, fov.height, centre.width]).toEqual([32, 32, 32]);
    // Mean red over the square: the disc covers pi/4 of its bounding square after the field-of-view crop
    // (~0.79 x 200 = 157 before JPEG chroma loss and soft edges; measured 130), but only ~half of the centre
    // 30x30 square, which sits off the disc's centre (measured 98).
    const meanRed = (img: { data: Uint8Array }) => img.data.filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0) / (32 * 32);
    expect(meanRed(fov)).toBeGreaterThan(120);
    expect(meanRed(fov) - meanRed(centre)).toBeGreaterThan(20);
  });

  it('reads images from disk when a batch asks and keeps none (memory flat in the number of images)', async () => {
    const set = readLabelledSet(makeSet());
    const paths = new Map(set.images.map((im) => [im.id, im.path]));
    const decoded: string[] = [];
    const source = diskImages(paths, 32, 'fov', (path) => decoded.push(path));
    const ids = ['0_No_DR/p2.jpg', '2_Moderate/p3.jpg'];
    const first = await source.load(ids);
    expect(first.map((im) => [im.width, im.height])).toEqual([[32, 32], [32, 32]]);
    expect(Buffer.from(first[0].data).equals(Buffer.from(prepareImage(paths.get(ids[0])!, 32, 'fov').data))).toBe(true);
    // Asked again, decoded again: nothing was kept between requests.
    await source.load(ids.slice(0, 1));
    expect(decoded.length).toBe(3);
    await expect(source.load(['nope.jpg'])).rejects.toThrow(EvaluateDataError);
  });
});
