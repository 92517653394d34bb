/**
 * `npm run bench -- --browser`: the same measurement (measure.ts) in Debian's Chromium through playwright-core,
 * on the harness page e2e/pages/bench.html served by the vite dev server. The demo images are served to the
 * page from the demo directory (outside the project, so not reachable through vite) by request interception.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../lib/node-model';
import type { FoveaBenchPage } from '../../e2e/pages/bench';
import { benchDirs, listDemoImages } from './node-demo';
import type { BenchCli } from './options';
import type { BenchReport } from './report';

/** Must match DEMO_URL in e2e/pages/bench.ts and cpu-bench-worker.ts (not imported: those run in the page). */
const DEMO_URL = '/__fovea-bench-demo/';

interface E2eLib {
  launchBrowser(opts?: { webgpu?: boolean; webgl?: boolean }): Promise<Browser>;
  startDevServer(): Promise<{ url: string; close(): Promise<void> }>;
}

/** e2e/lib is plain .mjs without types, and must stay out of the Node bundle: imported by computed URL. */
export async function e2eLib(): Promise<E2eLib> {
  const lib = (name: string) => import(pathToFileURL(join(PROJECT_ROOT, 'e2e', 'lib', name)).href);
  const [{ launchBrowser }, { startDevServer }] = await Promise.all([lib('browser.mjs'), lib('servers.mjs')]);
  return { launchBrowser, startDevServer };
}

type BenchWindow = Window & { foveaBench?: FoveaBenchPage };

/**
 * Serves the demo photographs `ids` (`<grade folder>/<file>`) from `dir` to the page at DEMO_URL (the harness
 * pages fetch them there: e2e/pages/bench.ts, cpu-bench-worker.ts); any other path under it is a 404.
 */
export async function serveDemoImages(page: Page, dir: string, ids: ReadonlySet<string>): Promise<void> {
  await page.route(`**${DEMO_URL}**`, async (route) => {
    const id = decodeURIComponent(new URL(route.request().url()).pathname.slice(DEMO_URL.length));
    if (!ids.has(id)) return route.fulfill({ status: 404, body: `not a demo image: ${id}` });
    return route.fulfill({ path: join(dir, id), contentType: 'image/jpeg' });
  });
}

export async function runInBrowser(cli: BenchCli, log: (line: string) => void): Promise<BenchReport> {
  const { dataDir } = benchDirs(cli.modelDir, cli.dataDir);
  if (cli.modelDir) log('note: --model is ignored with --browser (the page loads /models/googlenet from public/)');
  const images = listDemoImages(dataDir);
  const served = new Set(images.map((im) => im.id));
  const { launchBrowser, startDevServer } = await e2eLib();
  const server = await startDevServer();
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser();
    const page: Page = await browser.newPage();
    page.on('console', (msg) => log(msg.type() === 'log' ? msg.text() : `[page ${msg.type()}] ${msg.text()}`));
    page.on('pageerror', (err) => log(`[page error] ${err.message}`));
    await serveDemoImages(page, dataDir, served);
    await page.goto(`${server.url}e2e/pages/bench.html`);
    await page.waitForFunction(() => (window as BenchWindow).foveaBench !== undefined, null, { timeout: 300_000 });
    const ready = await page.evaluate(() => (window as BenchWindow).foveaBench!.ready);
    log(`browser backend ${ready.backend}`);
    return await page.evaluate(
      ([config, demo]) => (window as BenchWindow).foveaBench!.run(config, demo),
      [cli.config, images] as const,
    );
  } finally {
    await browser?.close();
    await server.close();
  }
}
