// `npm run bench:compare -- [--size 96] [--epochs 3] [--task any-dr] [--data DIR] [--backend auto|wasm|webgpu]`
//
// Compare all (scenarios 1-4 and from scratch) in the built studio (dist/, from `vite build`: this script builds
// nothing), in headless Chromium on this machine, on a folder of class folders (default: the 94 demo photographs),
// as a teacher would run it: the backend the studio chooses (WebAssembly on a machine whose only GPU is
// SwiftShader), the recipe's defaults but the input size, N epochs a run. Prints each run's row and the total time;
// writes results/compare-all-<data>-<size>-<backend>.{json,csv} (the CSV is the studio's own download).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ARTIFACTS, openStudio, tab, waitForBackend } from '../../e2e/lib/app.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '96' },
    epochs: { type: 'string', default: '3' },
    task: { type: 'string', default: 'any-dr' },
    data: { type: 'string', default: join(ROOT, '..', 'shared', 'data', 'fundus-demo') },
    backend: { type: 'string', default: 'auto' },
  },
});

const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const studio = await openStudio({ backend: values.backend });
const { page } = studio;
try {
  const badge = (await waitForBackend(page)).trim();
  log(`backend: ${badge}`);
  await tab(page, 'dataset');
  // Done when every image file of the folder is listed (the summary counts up while the import runs).
  const images = readdirSync(values.data, { recursive: true }).filter((f) => /\.(jpe?g|png)$/i.test(String(f))).length;
  await page.getByTestId('folder-input').setInputFiles(values.data);
  await page.waitForFunction((n) => new RegExp(`\\b${n} images\\b`).test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''),
    images, { timeout: 600_000 });
  await page.getByTestId('preset-select').selectOption(values.task);
  const dataset = (await page.getByTestId('dataset-summary').textContent()).replace(/\s+/g, ' ').trim();
  log(`dataset: ${dataset}`);

  await tab(page, 'train');
  await page.getByTestId('input-size').selectOption(values.size);
  await page.getByTestId('compare-epochs').fill(values.epochs);
  const started = Date.now();
  await page.getByTestId('compare-start').click();
  await page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('[data-testid="compare-row"]')];
      return rows.length === 5 && rows.every((r) => ['done', 'skipped', 'failed', 'cancelled'].includes(r.dataset.status ?? ''));
    },
    null, { timeout: 3 * 3600_000, polling: 2000 },
  );
  const seconds = (Date.now() - started) / 1000;
  const rows = await page.getByTestId('compare-row').evaluateAll((rs) => rs.map((r) => ({
    run: r.dataset.run, status: r.dataset.status, cells: [...r.querySelectorAll('td')].map((td) => td.textContent.trim()),
  })));
  const headers = await page.locator('[data-testid="compare-table"] thead th').allTextContents();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-csv').click()]);
  const csvPath = join(ARTIFACTS, 'compare-all-bench.csv');
  await download.saveAs(csvPath);
  const name = `compare-all-${basename(values.data)}-${values.size}-${values.backend}`;
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results', `${name}.csv`), readFileSync(csvPath));
  const report = {
    bench: 'compare-all', createdAt: new Date().toISOString(), command: `npm run bench:compare -- ${process.argv.slice(2).join(' ')}`,
    backend: badge, dataset, task: values.task, inputSize: Number(values.size), epochsPerRun: Number(values.epochs), seconds,
    headers: headers.slice(1), rows, errors: studio.errors,
  };
  writeFileSync(join(ROOT, 'results', `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  for (const r of rows) log(`${r.run.padEnd(20)} ${r.status.padEnd(8)} ${r.cells.join(' | ')}`);
  log(`compare all: ${(seconds / 60).toFixed(1)} min; results/${name}.{json,csv}`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await studio.close();
}
