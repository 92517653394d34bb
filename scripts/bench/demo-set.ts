/**
 * The fundus demo set as the bench uses it: referable DR (grade >= 2) as a 2-class task, a patient-aware
 * train/validation split, batches that mix both classes, and patient-aware subsets for short runs.
 */
import { imagesFrom } from '../../src/core/data/image-source';
import { centreCropResize, type RgbImage } from '../../src/core/data/preprocess';
import { LABEL_PRESETS, type DrGrade } from '../../src/core/data/presets';
import { patientIdOf } from '../../src/core/data/labels';
import { splitDataset } from '../../src/core/data/split';
import type { TrainingData } from '../../src/core/train/trainer';

export interface DemoImageRef {
  /** `<grade folder>/<file>`, e.g. `2_Moderate/Patient012_L.jpg`. */
  id: string;
  grade: number;
}

const REFERABLE = LABEL_PRESETS['referable-dr'];
export const CLASS_NAMES = [...REFERABLE.classNames!];
export const classOf = (img: DemoImageRef): number => REFERABLE.classOfGrade!(img.grade as DrGrade);
const patientOf = (img: DemoImageRef): string => patientIdOf(img.id);

/** `count` images alternating between the two classes (repeating images if the set is smaller). */
export function mixedBatch(images: DemoImageRef[], count: number): DemoImageRef[] {
  const byClass = [images.filter((im) => classOf(im) === 0), images.filter((im) => classOf(im) === 1)];
  return Array.from({ length: count }, (_, i) => {
    const pool = byClass[i % 2].length > 0 ? byClass[i % 2] : byClass[1 - (i % 2)];
    return pool[Math.floor(i / 2) % pool.length];
  });
}

/** At least `count` images (0: all), whole patients only, both classes, in a fixed order. */
export function patientSubset(images: DemoImageRef[], count: number): DemoImageRef[] {
  if (count <= 0 || count >= images.length) return images;
  const patients = new Map<string, DemoImageRef[]>();
  for (const im of images) patients.set(patientOf(im), [...(patients.get(patientOf(im)) ?? []), im]);
  const byClass = [0, 1].map((c) => [...patients.values()].filter((p) => classOf(p[0]) === c));
  const chosen: DemoImageRef[] = [];
  for (let i = 0; chosen.length < count; i++) {
    const group = byClass[i % 2][Math.floor(i / 2)];
    if (group) chosen.push(...group);
    else if (!byClass[1 - (i % 2)][Math.floor(i / 2)]) break;
  }
  return chosen;
}

/** Training data over `images`, split by patient (20% validation, seeded). */
export function demoTrainingData(images: DemoImageRef[], image: (id: string) => RgbImage, seed: number): TrainingData {
  const items = images.map((im) => ({ id: im.id, patientId: patientOf(im), classIndex: classOf(im) }));
  const side = splitDataset(items, { valFraction: 0.2, seed });
  const pick = (s: 'train' | 'val') => items.filter((it) => side.get(it.id) === s).map(({ id, classIndex }) => ({ id, classIndex }));
  return { classNames: CLASS_NAMES, ordinal: REFERABLE.ordinal, images: imagesFrom(image), train: pick('train'), val: pick('val') };
}

/**
 * A bench host's `loadImages`: decodes each demo image once (`decode`, from disk or by fetch), then gives
 * its centre crop at the asked size.
 */
export function cachedImageLoader(decode: (id: string) => RgbImage | Promise<RgbImage>) {
  const decoded = new Map<string, RgbImage>();
  return async (ids: string[], size: number): Promise<(id: string) => RgbImage> => {
    const resized = new Map<string, RgbImage>();
    for (const id of ids) {
      if (!decoded.has(id)) decoded.set(id, await decode(id));
      resized.set(id, centreCropResize(decoded.get(id)!, size));
    }
    return (id) => {
      const img = resized.get(id);
      if (!img) throw new Error(`unknown demo image ${id}`);
      return img;
    };
  };
}
