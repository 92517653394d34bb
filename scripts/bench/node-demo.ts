/**
 * Where the bench's inputs live under Node: in the project (public/models/googlenet, ../shared/data/fundus-demo)
 * or beside the bundled dist-bench/bench.mjs (models/googlenet, fundus-demo), and the demo set's listing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradeOf } from '../../src/core/data/presets';
import { DEMO_DIR } from '../lib/demo-data';
import { MODEL_DIR } from '../lib/node-model';
import type { DemoImageRef } from './demo-set';

/** In the bundle, import.meta.url is dist-bench/bench.mjs, and its assets sit beside it. */
const HERE = dirname(fileURLToPath(import.meta.url));
export const BUNDLE_MODEL_DIR = join(HERE, 'models', 'googlenet');
export const BUNDLE_DEMO_DIR = join(HERE, 'fundus-demo');

export class BenchInputMissingError extends Error {
  override name = 'BenchInputMissingError';
}

export function benchDirs(modelDir: string | null, dataDir: string | null): { modelDir: string; dataDir: string } {
  const bundled = existsSync(join(BUNDLE_MODEL_DIR, 'model.json'));
  const dirs = {
    modelDir: modelDir ?? (bundled ? BUNDLE_MODEL_DIR : MODEL_DIR),
    dataDir: dataDir ?? (existsSync(BUNDLE_DEMO_DIR) ? BUNDLE_DEMO_DIR : DEMO_DIR),
  };
  if (!existsSync(join(dirs.modelDir, 'model.json'))) {
    throw new BenchInputMissingError(`no GoogLeNet at ${dirs.modelDir}: run \`npm run setup\` (or pass --model DIR)`);
  }
  if (!existsSync(dirs.dataDir)) {
    throw new BenchInputMissingError(`no fundus demo set at ${dirs.dataDir}: pass --data DIR (one folder per DR grade)`);
  }
  return dirs;
}

/** Every JPEG in the grade folders of `dir`, sorted by folder then name; id `<folder>/<file>`. */
export function listDemoImages(dir: string): DemoImageRef[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && gradeOf(d.name) !== null)
    .map((d) => d.name)
    .sort()
    .flatMap((folder) =>
      readdirSync(join(dir, folder))
        .filter((f) => /\.jpe?g$/i.test(f))
        .sort()
        .map((f) => ({ id: `${folder}/${f}`, grade: gradeOf(folder)! })),
    );
}
