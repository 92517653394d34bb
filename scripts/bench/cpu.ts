/**
 * `npm run bench -- --cpu`: GoogLeNet on the CPU, Fovea beside PyTorch in one run (issue 15). For each input size:
 * images/s of inference (whole network) and of a scenario-4 training step (conv1 and conv2 frozen: their forward
 * runs every step, as PyTorch's train.py does; everything after trains, SGD with momentum) on
 *  - Fovea: tfjs-backend-wasm in Node (one thread: tfjs-wasm has no threads under Node), the trainer's own
 *    TrainStep, with Fovea's wasm kernels (scripts/bench/cpu-rates.ts);
 *  - Fovea in Chromium: the same code in a worker of e2e/pages/cpu-bench.html, on WebAssembly started as the
 *    studio starts it, with threads on every logical core (`--no-browser` leaves it out);
 *  - PyTorch on the CPU (Debian's python3-torch; the training job's model.py), at one thread and at all threads.
 * Ratios are per thread: Fovea on one thread over PyTorch's all-thread images/s divided by its threads (Debian's
 * torch 1.13 is several times slower on one thread than half of its two-thread speed, so its one-thread run would
 * flatter Fovea; that ratio is reported too). Prints one JSON object on stdout, a table on stderr.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Browser } from 'playwright-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { CpuBenchRequest, CpuBenchResult } from '../../e2e/pages/cpu-bench-worker';
import type { FoveaCpuBenchPage } from '../../e2e/pages/cpu-bench';
import { registerFoveaWasmKernels } from '../../src/core/kernels/wasm';
import { simdKernels } from '../../src/core/kernels/wasm/simd/simd';
import { demoImages, DEMO_DIR, imageLookup } from '../lib/demo-data';
import { loadGoogLeNet, MODEL_DIR, PROJECT_ROOT } from '../lib/node-model';
import { poolAvailable, WorkerPool } from '../evaluate/pool';
import { findTorchPython } from '../lib/python-torch';
import { e2eLib, serveDemoImages } from './browser-driver';
import { cpuBenchBatch, foveaCpuRates, foveaSharedStepRate, type Rate } from './cpu-rates';

/** Issue 15's targets on this machine: Fovea's images/s per thread over PyTorch's. */
export const CPU_TARGETS = { inference: 0.6, train: 0.4 } as const;

export interface CpuBenchConfig {
  sizes: number[];
  batch: number;
  steps: number;
  warmup: number;
  /** PyTorch's "all threads" run. */
  threads: number;
  /** Also measure in Chromium (WebAssembly with threads, as the studio runs). */
  browser: boolean;
  out: string | null;
}

export const CPU_BENCH_USAGE = `npm run bench -- --cpu [--sizes 224,96] [--batch 8] [--steps 5] [--warmup 1] [--threads N] [--no-browser] [--out FILE]`;

export function parseCpuBenchArgs(argv: readonly string[]): CpuBenchConfig {
  const c: CpuBenchConfig = { sizes: [224, 96], batch: 8, steps: 5, warmup: 1, threads: availableParallelism(), browser: true, out: null };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--cpu') continue;
    if (name === '--no-browser') {
      c.browser = false;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value.\n${CPU_BENCH_USAGE}`);
    const int = () => {
      const n = Number(value);
      if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${name} is "${value}"; expected a whole number of at least 1.`);
      return n;
    };
    if (name === '--sizes') c.sizes = value.split(',').map((s) => Number(s));
    else if (name === '--batch') c.batch = int();
    else if (name === '--steps') c.steps = int();
    else if (name === '--warmup') c.warmup = int();
    else if (name === '--threads') c.threads = int();
    else if (name === '--out') c.out = value;
    else throw new Error(`Unknown option ${name}.\n${CPU_BENCH_USAGE}`);
  }
  return c;
}

/** Fovea on tfjs-backend-wasm in this process: inference and a scenario-4 step at `size`, on real demo photographs. */
async function foveaRates(size: number, config: CpuBenchConfig, log: (l: string) => void): Promise<{ inference: Rate; train: Rate }> {
  const chosen = cpuBenchBatch(demoImages(), config.batch);
  const lookup = imageLookup(chosen, size);
  const photos = chosen.map((d) => ({ image: lookup(d.id), label: d.grade === 0 ? 0 : 1 }));
  return foveaCpuRates(await loadGoogLeNet(), photos, size, config, (l) => log(`  fovea wasm ${l}`));
}

/**
 * Fovea in this process with each scenario-4 step shared by `threads` worker threads (data-parallel, as
 * `npm run evaluate` trains the scenarios that train convolutions); null where threads cannot start (a bundle).
 */
async function dataParallelRates(config: CpuBenchConfig, log: (l: string) => void): Promise<Map<number, Rate> | null> {
  if (!poolAvailable()) return null;
  const pool = await WorkerPool.start({ workers: config.threads, modelDir: MODEL_DIR });
  try {
    const chosen = cpuBenchBatch(demoImages(), config.batch);
    const rates = new Map<number, Rate>();
    for (const size of config.sizes) {
      const lookup = imageLookup(chosen, size);
      const photos = chosen.map((d) => ({ image: lookup(d.id), label: d.grade === 0 ? 0 : 1 }));
      rates.set(size, await foveaSharedStepRate(await loadGoogLeNet(), photos, size, config, (r) => pool.shareStep(r), (l) => log(`  fovea wasm ${l}`)));
    }
    return rates;
  } finally {
    await pool.close();
  }
}

/** The same measurement in Chromium: e2e/pages/cpu-bench.html on the vite dev server, no GPU API. */
async function chromiumRates(config: CpuBenchConfig, log: (l: string) => void): Promise<CpuBenchResult> {
  const { launchBrowser, startDevServer } = await e2eLib();
  const chosen = cpuBenchBatch(demoImages(), config.batch);
  const served = new Set(chosen.map((d) => d.id));
  const server = await startDevServer();
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser({ webgpu: false, webgl: false });
    const page = await browser.newPage();
    page.on('console', (msg) => log(`  chromium ${msg.text()}`));
    page.on('pageerror', (err) => log(`  [page error] ${err.message}`));
    await serveDemoImages(page, DEMO_DIR, served);
    type BenchWindow = Window & { foveaCpuBench?: FoveaCpuBenchPage };
    const request: CpuBenchRequest = {
      sizes: config.sizes, batch: config.batch, warmup: config.warmup, steps: config.steps,
      photos: chosen.map((d) => ({ id: d.id, label: d.grade === 0 ? 0 : 1 })),
    };
    for (let attempt = 1; ; attempt++) {
      await page.goto(`${server.url}e2e/pages/cpu-bench.html`);
      await page.waitForFunction(() => (window as BenchWindow).foveaCpuBench !== undefined, null, { timeout: 120_000 });
      try {
        return await page.evaluate((r) => (window as BenchWindow).foveaCpuBench!.run(r), request);
      } catch (e) {
        // The dev server reloads the page the first time the worker's imports need dependencies optimised.
        if (attempt >= 3 || !/context was destroyed|navigat/i.test((e as Error).message)) throw e;
        log('  (the dev server reloaded the page after optimising dependencies: measuring again)');
      }
    }
  } finally {
    await browser?.close();
    await server.close();
  }
}

interface CpuRow {
  size: number;
  batch: number;
  foveaWasmNode1Thread: { inference: number; train: number };
  pytorch1Thread: { inference: number; train: number };
  pytorchAllThreads: { threads: number; inference: number; train: number };
  /** Fovea (one thread) / (PyTorch all threads / threads): the per-thread comparison. */
  ratioPerThread: { inference: number; train: number };
  /** Fovea (one thread) / PyTorch on one thread. */
  ratioVsPytorchOneThread: { inference: number; train: number };
  /** Fovea in Node with each step shared by the worker threads (npm run evaluate's data-parallel training). */
  foveaWasmNodeDataParallel?: { threads: number; train: number };
  /** (data-parallel / its threads) / (PyTorch all threads / threads). */
  ratioDataParallelPerThread?: { train: number };
  /** Fovea in Chromium, WebAssembly with threads as the studio starts it (absent with --no-browser). */
  foveaWasmChromium?: { threads: number; inference: number; train: number };
  /** (Chromium / its threads) / (PyTorch all threads / threads). */
  ratioChromiumPerThread?: { inference: number; train: number };
  targets: typeof CPU_TARGETS;
  meetsTargets: { inference: boolean; train: boolean };
}

export interface CpuBenchReport {
  bench: 'cpu';
  createdAt: string;
  torch: string;
  unit: 'images per second';
  /** Chromium's user agent, when the browser column ran. */
  chromium?: string;
  /** Whether Fovea's SIMD kernels (src/core/kernels/wasm/simd) ran, in Node and in Chromium (or the JavaScript ones). */
  foveaSimdKernels: { node: boolean; chromium?: boolean };
  rows: CpuRow[];
}

interface PytorchSize {
  size: number;
  inference: Rate;
  train: Rate;
}

function pytorchRates(python: string, threads: number, config: CpuBenchConfig): { torch: string; sizes: PytorchSize[] } {
  const r = spawnSync(python, [join(PROJECT_ROOT, 'scripts', 'bench', 'cpu_pytorch.py'), '--threads', String(threads),
    '--sizes', config.sizes.join(','), '--batch', String(config.batch), '--steps', String(config.steps), '--warmup', String(config.warmup)], {
    encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) }, maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`cpu_pytorch.py failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runCpuBench(config: CpuBenchConfig, log: (l: string) => void): Promise<CpuBenchReport> {
  const python = findTorchPython();
  if (!python) throw new Error('No Python with PyTorch: apt-get install -y python3-torch (the bench compares Fovea with it).');
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('The wasm backend did not start.');
  registerFoveaWasmKernels();
  const rows: CpuRow[] = [];
  // PyTorch first at one thread, then Fovea, then PyTorch at all threads: the machine's state drifts least between
  // the two per-thread figures that are compared.
  log(`PyTorch, 1 thread, batch ${config.batch}`);
  const torch1 = pytorchRates(python, 1, config);
  const fovea = new Map<number, { inference: Rate; train: Rate }>();
  for (const size of config.sizes) {
    log(`Fovea (wasm, Node, 1 thread), ${size} px, batch ${config.batch}`);
    fovea.set(size, await foveaRates(size, config, log));
  }
  let shared: Map<number, Rate> | null = null;
  if (config.threads > 1) {
    log(`Fovea (wasm, Node, each step shared by ${config.threads} worker threads), batch ${config.batch}`);
    shared = await dataParallelRates(config, log);
  }
  let chromium: CpuBenchResult | null = null;
  if (config.browser) {
    log(`Fovea (wasm, Chromium, threads on every core), batch ${config.batch}`);
    chromium = await chromiumRates(config, log);
  }
  log(`PyTorch, ${config.threads} threads`);
  const torchN = config.threads > 1 ? pytorchRates(python, config.threads, config) : torch1;
  for (const size of config.sizes) {
    const f = fovea.get(size)!;
    const t1 = torch1.sizes.find((s) => s.size === size)!;
    const tn = torchN.sizes.find((s) => s.size === size)!;
    const n = torchN === torch1 ? 1 : config.threads;
    const perThread = {
      inference: round(f.inference.imgPerSec / (tn.inference.imgPerSec / n)), train: round(f.train.imgPerSec / (tn.train.imgPerSec / n)),
    };
    const vsOne = { inference: round(f.inference.imgPerSec / t1.inference.imgPerSec), train: round(f.train.imgPerSec / t1.train.imgPerSec) };
    const c = chromium?.sizes.find((s) => s.size === size);
    const inChromium = chromium && c ? {
      foveaWasmChromium: { threads: chromium.threads, inference: round(c.inference.imgPerSec), train: round(c.train.imgPerSec) },
      ratioChromiumPerThread: {
        inference: round(c.inference.imgPerSec / chromium.threads / (tn.inference.imgPerSec / n)),
        train: round(c.train.imgPerSec / chromium.threads / (tn.train.imgPerSec / n)),
      },
    } : {};
    const dp = shared?.get(size);
    const dataParallel = dp ? {
      foveaWasmNodeDataParallel: { threads: config.threads, train: round(dp.imgPerSec) },
      ratioDataParallelPerThread: { train: round(dp.imgPerSec / config.threads / (tn.train.imgPerSec / n)) },
    } : {};
    rows.push({
      size, batch: config.batch, ...dataParallel, ...inChromium,
      foveaWasmNode1Thread: { inference: round(f.inference.imgPerSec), train: round(f.train.imgPerSec) },
      pytorch1Thread: { inference: round(t1.inference.imgPerSec), train: round(t1.train.imgPerSec) },
      pytorchAllThreads: { threads: config.threads, inference: round(tn.inference.imgPerSec), train: round(tn.train.imgPerSec) },
      ratioPerThread: perThread, ratioVsPytorchOneThread: vsOne,
      targets: CPU_TARGETS,
      meetsTargets: { inference: perThread.inference >= CPU_TARGETS.inference, train: perThread.train >= CPU_TARGETS.train },
    });
  }
  return {
    bench: 'cpu', createdAt: new Date().toISOString(), torch: torch1.torch, unit: 'images per second',
    ...(chromium ? { chromium: chromium.userAgent } : {}),
    foveaSimdKernels: { node: simdKernels(tf.backend() as unknown as BackendWasm) !== null, ...(chromium ? { chromium: chromium.foveaSimdKernels } : {}) },
    rows,
  };
}

export function cpuSummaryLines(report: CpuBenchReport): string[] {
  const lines = ['size | fovea wasm 1T inf / train | pytorch 1T inf / train | pytorch NT inf / train | per thread: fovea 1T / (pytorch NT / N), inf / train (targets 0.6 / 0.4) | fovea 1T / pytorch 1T'];
  for (const r of report.rows) {
    lines.push(`${r.size} | ${r.foveaWasmNode1Thread.inference} / ${r.foveaWasmNode1Thread.train} | ${r.pytorch1Thread.inference} / ${r.pytorch1Thread.train} | ` +
      `${r.pytorchAllThreads.inference} / ${r.pytorchAllThreads.train} (${r.pytorchAllThreads.threads}T) | ${r.ratioPerThread.inference} / ${r.ratioPerThread.train} | ` +
      `${r.ratioVsPytorchOneThread.inference} / ${r.ratioVsPytorchOneThread.train}`);
  }
  const dp = report.rows.filter((r) => r.foveaWasmNodeDataParallel);
  if (dp.length > 0) lines.push('size | fovea node data-parallel train (threads) | per thread vs pytorch NT');
  for (const r of dp) lines.push(`${r.size} | ${r.foveaWasmNodeDataParallel!.train} (${r.foveaWasmNodeDataParallel!.threads}T) | ${r.ratioDataParallelPerThread!.train}`);
  const browser = report.rows.filter((r) => r.foveaWasmChromium);
  if (browser.length > 0) lines.push('size | fovea chromium wasm inf / train (threads) | per thread vs pytorch NT, inf / train');
  for (const r of browser) {
    const c = r.foveaWasmChromium!;
    lines.push(`${r.size} | ${c.inference} / ${c.train} (${c.threads}T) | ${r.ratioChromiumPerThread!.inference} / ${r.ratioChromiumPerThread!.train}`);
  }
  return lines;
}

export async function mainCpu(argv: readonly string[], log: (l: string) => void): Promise<number> {
  const config = parseCpuBenchArgs(argv);
  const report = await runCpuBench(config, log);
  const json = JSON.stringify(report, null, 2);
  if (config.out) writeFileSync(config.out, `${json}\n`);
  cpuSummaryLines(report).forEach((l) => log(l));
  process.stdout.write(`${json}\n`);
  return 0;
}
