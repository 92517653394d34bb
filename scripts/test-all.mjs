// `npm test`: every check in order (set-up, types, unit tests, build + page-bundle check + e2e specs), stopping at
// the first that fails, and at the end how long each took and the total (the suite's budget: README).
import { spawnSync } from 'node:child_process';

const STEPS = [
  ['set-up', 'npm run --silent setup'],
  ['types', 'npm run --silent typecheck'],
  ['unit tests', 'npm run --silent test:unit'],
  ['e2e (build, page-bundle check, specs)', 'npm run --silent test:e2e'],
];

const fmt = (s) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
const done = [];
let status = 0;
const t0 = performance.now();
for (const [name, command] of STEPS) {
  const start = performance.now();
  const r = spawnSync(command, { shell: true, stdio: 'inherit' });
  done.push([name, (performance.now() - start) / 1000, r.status === 0]);
  if (r.status !== 0) {
    status = r.status ?? 1;
    break;
  }
}
console.log('\nnpm test timings:');
for (const [name, seconds, ok] of done) console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${name.padEnd(40)} ${fmt(seconds)}`);
console.log(`  total${' '.repeat(42)}${fmt((performance.now() - t0) / 1000)}${status ? ' (stopped at the first failure)' : ''}`);
process.exit(status);
