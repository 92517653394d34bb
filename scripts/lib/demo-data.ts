/** The real demo fundus images (../shared/data/fundus-demo) for Node tests and the bench. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadForNetwork } from './node-images';
import { SHARED_DIR } from './node-model';
import type { RgbImage } from '../../src/core/data/preprocess';
import { imagesFrom } from '../../src/core/data/image-source';
import type { TrainingData } from '../../src/core/train/trainer';

export const DEMO_DIR = join(SHARED_DIR, 'data', 'fundus-demo');
export const hasDemo = () => existsSync(DEMO_DIR);

export interface DemoImage {
  id: string;
  grade: number;
  path: string;
}

/** Every demo image, sorted by grade folder then name; `id` is `<folder>/<file>`. */
export function demoImages(): DemoImage[] {
  return readdirSync(DEMO_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((folder) =>
      readdirSync(join(DEMO_DIR, folder))
        .sort()
        .map((f) => ({ id: `${folder}/${f}`, grade: Number(folder[0]), path: join(DEMO_DIR, folder, f) })),
    );
}

/** Decodes images once at `size`, returning a lookup by id. */
export function imageLookup(images: DemoImage[], size: number): (id: string) => RgbImage {
  const map = new Map(images.map((im) => [im.id, loadForNetwork(im.path, size)]));
  return (id) => {
    const img = map.get(id);
    if (!img) throw new Error(`unknown image ${id}`);
    return img;
  };
}

/**
 * The training tests' small real dataset: the first 6 demo photographs of grade 0 and of grade 2 as classes
 * 'No DR' and 'Moderate' at `size` px, every third image for validation (8 train, 4 validation).
 */
export function twoGradeTrainingData(size: number): TrainingData {
  const all = demoImages();
  const pick = (grade: number) => all.filter((d) => d.grade === grade).slice(0, 6);
  const chosen = [...pick(0), ...pick(2)];
  const items = chosen.map((d) => ({ id: d.id, classIndex: d.grade === 0 ? 0 : 1 }));
  return {
    classNames: ['No DR', 'Moderate'], ordinal: true, images: imagesFrom(imageLookup(chosen, size)),
    train: items.filter((_, i) => i % 3 !== 0), val: items.filter((_, i) => i % 3 === 0),
  };
}
