// Runs every e2e/*.spec.mjs with node's test runner, one file at a time (SwiftShader WebGPU is CPU-bound).
// Screenshots and other artefacts go to e2e/artifacts/ (git-ignored). Usage: node e2e/run.mjs [name-part ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/servers.mjs';

const filters = process.argv.slice(2);
const specs = readdirSync(join(ROOT, 'e2e'))
  .filter((f) => f.endsWith('.spec.mjs') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();
if (specs.length === 0) {
  console.error(`no e2e spec matches ${filters.join(', ')}`);
  process.exit(1);
}
mkdirSync(join(ROOT, 'e2e', 'artifacts'), { recursive: true });
// Kernel timings are figures for people (FOVEA_KERNEL_TIMINGS=1 node e2e/run.mjs kernels), not checks.
const env = { ...process.env, FOVEA_KERNEL_TIMINGS: process.env.FOVEA_KERNEL_TIMINGS ?? '0' };
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...specs.map((s) => join('e2e', s))], {
  cwd: ROOT, stdio: 'inherit', env,
});
process.exit(r.status ?? 1);
