/**
 * `npx tsx scripts/evaluate/measure-pool.ts [IMAGES] [INPUT_PX] [SCENARIO_ID]`: frozen-feature throughput of the
 * evaluate command on the demo photographs, on the main thread and with 1 and 2 (up to the cores) worker
 * threads; every image at the four rotations, as a training run caches them. Prints images/s (an image at one
 * rotation counts once, as in the run's progress line) and checks that the pool's features are the main thread's.
 * A printed figure, not a test: the numbers depend on what else the machine runs.
 */
import { availableParallelism } from 'node:os';
import { buildClassifier } from '../../src/core/model/classifier';
import { classifierConfigOf, resolveTrainConfig, type ScenarioId } from '../../src/core/train/config';
import type { FeatureRequest, Sample } from '../../src/core/train/trainer';
import { demoImages } from '../lib/demo-data';
import { loadGoogLeNet, MODEL_DIR } from '../lib/node-model';
import { installBackend } from './backend';
import { diskImages } from './dataset';
import { extractOnThisThread } from './feature-extraction';
import { WorkerPool } from './pool';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 24);
  const inputSize = Number(process.argv[3] ?? 224);
  const scenario = (process.argv[4] ?? 'linear-early') as ScenarioId;
  process.stderr.write(`backend: ${await installBackend('wasm')}\n`);
  const all = demoImages();
  const chosen = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / count)) === 0).slice(0, count);
  const paths = new Map(chosen.map((d) => [d.id, d.path]));
  const pathOf = (id: string) => paths.get(id)!;
  const samples: Sample[] = chosen.flatMap((d) => [0, 1, 2, 3].map((rotation) => ({ id: d.id, rotation })));
  const config = resolveTrainConfig({ scenario, inputSize });
  const net = buildClassifier(await loadGoogLeNet(), classifierConfigOf(config, 2));
  const prefix = net.prefix!;
  const featureShape = (prefix.computeOutputShape([1, inputSize, inputSize, 3]) as number[]).slice(1);
  const request: FeatureRequest = { prefix, config, classCount: 2, samples, featureShape, onProgress: async () => false };
  const line = (what: string, seconds: number) =>
    process.stdout.write(`${what}: ${samples.length} images (${chosen.length} x 4 rotations) at ${inputSize} px in ` +
      `${seconds.toFixed(1)} s = ${(samples.length / seconds).toFixed(2)} images/s\n`);

  let t = performance.now();
  const here = (await extractOnThisThread(request, diskImages(paths, inputSize, 'fov')))!;
  line('main thread', (performance.now() - t) / 1000);
  for (const workers of [1, 2, availableParallelism()].filter((w, i, a) => a.indexOf(w) === i)) {
    t = performance.now();
    const pool = await WorkerPool.start({ workers, modelDir: MODEL_DIR });
    const started = (performance.now() - t) / 1000;
    try {
      t = performance.now();
      const pooled = (await pool.extract(request, pathOf, 'fov'))!;
      let maxDiff = 0;
      pooled.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - here[i])); });
      line(`${workers} worker thread${workers === 1 ? '' : 's'} (started in ${started.toFixed(1)} s; max |diff| vs main ${maxDiff.toExponential(1)})`,
        (performance.now() - t) / 1000);
    } finally {
      await pool.close();
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
