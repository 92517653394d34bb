/**
 * `npm run bench -- --cpu`: GoogLeNet on the CPU, Fovea beside PyTorch in one run (issue 15). For each input size:
 * images/s of inference (whole network) and of a scenario-4 training step (conv1 and conv2 frozen: their forward
 * runs every step, as PyTorch's train.py does; everything after trains, SGD with momentum) on
 *  - Fovea: tfjs-backend-wasm in Node (one thread: tfjs-wasm has no threads under Node), the trainer's own
 *    TrainStep, with Fovea's wasm convolution-gradient kernel;
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
import { imagesFrom } from '../../src/core/data/image-source';
import { registerFoveaWasmKernels } from '../../src/core/kernels/wasm';
import { buildClassifier, disposeNetwork, measureFeatureScale } from '../../src/core/model/classifier';
import { classifierConfigOf, resolveTrainConfig } from '../../src/core/train/config';
import { inputBatch, TrainStep } from '../../src/core/train/trainer';
import { demoImages, imageLookup } from '../lib/demo-data';
import { loadGoogLeNet, PROJECT_ROOT } from '../lib/node-model';
import { findTorchPython } from '../lib/python-torch';

/** Issue 15's targets on this machine: Fovea's images/s per thread over PyTorch's. */
export const CPU_TARGETS = { inference: 0.6, train: 0.4 } as const;

export interface CpuBenchConfig {
  sizes: number[];
  batch: number;
  steps: number;
  warmup: number;
  /** PyTorch's "all threads" run. */
  threads: number;
  out: string | null;
}

interface Rate {
  stepMs: number;
  imgPerSec: number;
}

export const CPU_BENCH_USAGE = `npm run bench -- --cpu [--sizes 224,96] [--batch 8] [--steps 5] [--warmup 1] [--threads N] [--out FILE]`;

export function parseCpuBenchArgs(argv: readonly string[]): CpuBenchConfig {
  const c: CpuBenchConfig = { sizes: [224, 96], batch: 8, steps: 5, warmup: 1, threads: availableParallelism(), out: null };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--cpu') continue;
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

async function medianRate(run: () => Promise<void>, images: number, warmup: number, steps: number): Promise<Rate> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const stepMs = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { stepMs, imgPerSec: (images * 1000) / stepMs };
}

/** Fovea on tfjs-backend-wasm in this process: inference and a scenario-4 step at `size`, on real demo photographs. */
async function foveaRates(size: number, config: CpuBenchConfig, log: (l: string) => void): Promise<{ inference: Rate; train: Rate }> {
  const demo = demoImages();
  const chosen = [...demo.filter((d) => d.grade === 0).slice(0, config.batch >> 1), ...demo.filter((d) => d.grade >= 2).slice(0, config.batch - (config.batch >> 1))];
  const lookup = imageLookup(chosen, size);
  const x = await inputBatch({ images: imagesFrom(lookup) }, chosen.map((d) => ({ id: d.id, rotation: 0 })), size);
  const labels = chosen.map((d) => (d.grade === 0 ? 0 : 1));
  const training = resolveTrainConfig({ scenario: 'finetune-pretrained', inputSize: size, batchSize: config.batch });
  const base = await loadGoogLeNet();
  const featureScale = await measureFeatureScale(base, training.headOn, x, training.headPooling);
  const net = buildClassifier(base, classifierConfigOf(training, 2, featureScale));
  const step = new TrainStep(net, training, 2);
  try {
    const inference = await medianRate(async () => {
      const p = net.model.predict(x) as tf.Tensor;
      await p.data();
      p.dispose();
    }, config.batch, config.warmup, config.steps);
    log(`  fovea wasm ${size} px inference ${inference.imgPerSec.toFixed(2)} img/s`);
    const prefix = net.prefix;
    const train = await medianRate(async () => {
      const f = prefix ? (prefix.predict(x) as tf.Tensor) : x;
      try {
        await step.run(f, labels);
      } finally {
        if (f !== x) f.dispose();
      }
    }, config.batch, config.warmup, config.steps);
    log(`  fovea wasm ${size} px scenario-4 step ${train.imgPerSec.toFixed(2)} img/s`);
    return { inference, train };
  } finally {
    step.dispose();
    x.dispose();
    disposeNetwork(net.model, base);
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
  targets: typeof CPU_TARGETS;
  meetsTargets: { inference: boolean; train: boolean };
}

export interface CpuBenchReport {
  bench: 'cpu';
  createdAt: string;
  torch: string;
  unit: 'images per second';
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
    rows.push({
      size, batch: config.batch,
      foveaWasmNode1Thread: { inference: round(f.inference.imgPerSec), train: round(f.train.imgPerSec) },
      pytorch1Thread: { inference: round(t1.inference.imgPerSec), train: round(t1.train.imgPerSec) },
      pytorchAllThreads: { threads: config.threads, inference: round(tn.inference.imgPerSec), train: round(tn.train.imgPerSec) },
      ratioPerThread: perThread, ratioVsPytorchOneThread: vsOne,
      targets: CPU_TARGETS,
      meetsTargets: { inference: perThread.inference >= CPU_TARGETS.inference, train: perThread.train >= CPU_TARGETS.train },
    });
  }
  return { bench: 'cpu', createdAt: new Date().toISOString(), torch: torch1.torch, unit: 'images per second', rows };
}

export function cpuSummaryLines(report: CpuBenchReport): string[] {
  const lines = ['size | fovea wasm 1T inf / train | pytorch 1T inf / train | pytorch NT inf / train | per thread: fovea 1T / (pytorch NT / N), inf / train (targets 0.6 / 0.4) | fovea 1T / pytorch 1T'];
  for (const r of report.rows) {
    lines.push(`${r.size} | ${r.foveaWasmNode1Thread.inference} / ${r.foveaWasmNode1Thread.train} | ${r.pytorch1Thread.inference} / ${r.pytorch1Thread.train} | ` +
      `${r.pytorchAllThreads.inference} / ${r.pytorchAllThreads.train} (${r.pytorchAllThreads.threads}T) | ${r.ratioPerThread.inference} / ${r.ratioPerThread.train} | ` +
      `${r.ratioVsPytorchOneThread.inference} / ${r.ratioVsPytorchOneThread.train}`);
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
