// The page must load without tfjs: only the training worker needs it (issue 17). Run after `vite build`: follows
// the page's entry chunk (dist/index.html) and its static imports, fails if any of them carries tfjs, and prints
// the page's size. A store or screen that imports a core module which imports tfjs makes this fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = join(import.meta.dirname, '..', 'dist');
// Strings every tfjs build contains (tfjs-core's kernel registry and environment flags).
const TFJS_MARKERS = ['registerKernel', 'WEBGL_VERSION', 'IS_BROWSER'];

const html = readFileSync(join(DIST, 'index.html'), 'utf8');
const entries = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)].map((m) => m[1]);
if (entries.length === 0) {
  console.error('check-page-bundle: no script in dist/index.html (run vite build first)');
  process.exit(1);
}
const seen = new Set();
const queue = [...entries];
let bytes = 0;
let gzipped = 0;
const offenders = [];
while (queue.length > 0) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(join(DIST, file), 'utf8');
  bytes += Buffer.byteLength(code);
  gzipped += gzipSync(code).length;
  const found = TFJS_MARKERS.filter((m) => code.includes(m));
  if (found.length > 0) offenders.push(`${file} (${found.join(', ')})`);
  // Static imports only (`import{a}from"./x.js"`, `import"./x.js"`): dynamic import() chunks load on demand.
  for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?\sfrom\s*)?["']\.\/([^"']+\.js)["']/g)) {
    queue.push(join(file, '..', m[1]));
  }
}
const kb = (n) => `${Math.round(n / 1024)} KB`;
console.log(`check-page-bundle: the page loads ${seen.size} chunk(s), ${kb(bytes)} (${kb(gzipped)} gzipped)`);
if (offenders.length > 0) {
  console.error(`check-page-bundle: tfjs is in the page's chunks: ${offenders.join('; ')}. Only the worker may import tfjs.`);
  process.exit(1);
}
