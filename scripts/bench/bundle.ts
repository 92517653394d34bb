/**
 * `npm run bench:bundle`: dist-bench/ for a machine without the project's node_modules and without ../shared
 * (the GPU machine): bench.mjs (scripts/bench.ts and everything it imports, in one ES module; dawn.node is
 * not bundled but loaded from DAWN_NODE, or from the npm package `webgpu` where installed), the converted
 * GoogLeNet under models/googlenet and the demo set under fundus-demo. Run: `node dist-bench/bench.mjs`.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DEMO_DIR } from '../lib/demo-data';
import { MODEL_DIR, PROJECT_ROOT } from '../lib/node-model';

const OUT_DIR = join(PROJECT_ROOT, 'dist-bench');

function sizeOf(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((a, f) => a + sizeOf(join(path, f)), 0) : s.size;
}

/** Copies keep their source's modes; a read-only source (../shared) would make dist-bench/ hard to replace. */
function makeWritable(path: string): void {
  const dir = statSync(path).isDirectory();
  chmodSync(path, dir ? 0o755 : 0o644);
  if (dir) readdirSync(path).forEach((f) => makeWritable(join(path, f)));
}

async function main(): Promise<void> {
  if (!existsSync(join(MODEL_DIR, 'model.json'))) throw new Error(`no GoogLeNet at ${MODEL_DIR}: run \`npm run setup\` first`);
  if (!existsSync(DEMO_DIR)) throw new Error(`no fundus demo set at ${DEMO_DIR}`);
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });

  await build({
    entryPoints: [join(PROJECT_ROOT, 'scripts', 'bench.ts')],
    outfile: join(OUT_DIR, 'bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // The browser driver's playwright and vite come from the project's node_modules (only with --browser).
    external: ['webgpu', 'playwright-core', 'vite'],
    // Bundled CommonJS (tfjs's node builds) calls require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __foveaCreateRequire } from 'node:module'; const require = __foveaCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });

  cpSync(MODEL_DIR, join(OUT_DIR, 'models', 'googlenet'), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || /(model\.json|\.bin)$/.test(src),
  });
  cpSync(DEMO_DIR, join(OUT_DIR, 'fundus-demo'), { recursive: true });
  makeWritable(OUT_DIR);

  const mb = (p: string) => `${(sizeOf(p) / 2 ** 20).toFixed(1)} MB`;
  process.stderr.write(`dist-bench/ ${mb(OUT_DIR)}: bench.mjs ${mb(join(OUT_DIR, 'bench.mjs'))}, ` +
    `models ${mb(join(OUT_DIR, 'models'))}, fundus-demo ${mb(join(OUT_DIR, 'fundus-demo'))}\n` +
    'Run: node dist-bench/bench.mjs --json   (DAWN_NODE=path/to/dawn.node where the npm package webgpu is absent)\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
