/**
 * `npm run evaluate:bundle [-- DATA_DIR]`: what the GPU machine (no Node, no node_modules, no ../shared, at most
 * 64 MiB carried per call) needs to run `npm run evaluate` on WebGPU:
 *   dist-evaluate/        evaluate.mjs (scripts/evaluate.ts and the core in one ES module; dawn.node loaded from
 *                         DAWN_NODE) and models/googlenet (~30 MB)
 *   dist-evaluate-data/partN/<class>/<image>   the set's images, byte for byte, in parts of at most PART_BYTES,
 *                         each carried by its own call (a warm machine keeps what earlier calls carried).
 * DATA_DIR is a folder with one sub-folder per class (default ../shared/data/fundus-dev).
 * The calls: scripts/evaluate/README.md.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { MODEL_DIR, PROJECT_ROOT, SHARED_DIR } from '../lib/node-model';

const OUT_DIR = join(PROJECT_ROOT, 'dist-evaluate');
const DATA_OUT = join(PROJECT_ROOT, 'dist-evaluate-data');
/** One call carries at most 64 MiB; leave room for the call's own files. */
const PART_BYTES = 56 * 2 ** 20;

function sizeOf(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((a, f) => a + sizeOf(join(path, f)), 0) : s.size;
}

async function main(): Promise<void> {
  const dataDir = process.argv[2] ?? join(SHARED_DIR, 'data', 'fundus-dev');
  if (!existsSync(join(MODEL_DIR, 'model.json'))) throw new Error(`no GoogLeNet at ${MODEL_DIR}: run \`npm run setup\` first`);
  if (!existsSync(dataDir)) throw new Error(`no data set at ${dataDir}`);
  for (const dir of [OUT_DIR, DATA_OUT]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  await build({
    entryPoints: [join(PROJECT_ROOT, 'scripts', 'evaluate.ts')],
    outfile: join(OUT_DIR, 'evaluate.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // wasm loads its .wasm files from node_modules: on the GPU machine only --backend webgpu is used.
    external: ['webgpu', 'playwright-core', 'vite', '@tensorflow/tfjs-backend-wasm'],
    banner: { js: "import { createRequire as __foveaCreateRequire } from 'node:module'; const require = __foveaCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  cpSync(MODEL_DIR, join(OUT_DIR, 'models', 'googlenet'), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || /(model\.json|provenance\.json|\.bin)$/.test(src),
  });

  // Images byte for byte (no re-encoding: the figures must be those of the same pixels), split into parts.
  let part = 1;
  let used = 0;
  let count = 0;
  for (const cls of readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const file of readdirSync(join(dataDir, cls)).sort()) {
      if (!/\.(jpe?g|png)$/i.test(file)) continue;
      const size = statSync(join(dataDir, cls, file)).size;
      if (used + size > PART_BYTES) {
        part++;
        used = 0;
      }
      const target = join(DATA_OUT, `part${part}`, cls);
      mkdirSync(target, { recursive: true });
      copyFileSync(join(dataDir, cls, file), join(target, file));
      chmodSync(join(target, file), 0o644);
      used += size;
      count++;
    }
  }
  const mb = (p: string) => `${(sizeOf(p) / 2 ** 20).toFixed(1)} MB`;
  process.stderr.write(
    `dist-evaluate/ ${mb(OUT_DIR)} (evaluate.mjs ${mb(join(OUT_DIR, 'evaluate.mjs'))}, models ${mb(join(OUT_DIR, 'models'))})\n` +
      `dist-evaluate-data/ ${count} images in ${part} part(s): ` +
      Array.from({ length: part }, (_, i) => `part${i + 1} ${mb(join(DATA_OUT, `part${i + 1}`))}`).join(', ') + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
