// Runs every e2e/*.spec.mjs with node's test runner, one file at a time (SwiftShader WebGPU is CPU-bound).
// Screenshots and other artefacts go to e2e/artifacts/ (git-ignored). Usage: node e2e/run.mjs [filter]
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/servers.mjs';

const filter = process.argv[2] ?? '';
const specs = readdirSync(join(ROOT, 'e2e')).filter((f) => f.endsWith('.spec.mjs') && f.includes(filter)).sort();
mkdirSync(join(ROOT, 'e2e', 'artifacts'), { recursive: true });
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...specs.map((s) => join('e2e', s))], {
  cwd: ROOT, stdio: 'inherit',
});
process.exit(r.status ?? 1);
