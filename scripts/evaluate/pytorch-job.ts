/**
 * `npm run evaluate:pytorch`: the same experiment as `npm run evaluate` (same data, split, settings, starting
 * network), trained by the studio's exported PyTorch training job (train.py) instead of tfjs, then scored by the
 * same summary. The job is built by the studio's own exporter (`src/core/export/training-job.ts`), so this measures
 * exactly what a user who clicks *Export training job* gets; it is also how scenario 4 is measured on a computer
 * whose tfjs backend trains convolutions too slowly (Debian's python3-torch on the CPU).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { binaryTasksFor, summariseEvaluation, type ScoredSet } from '../../src/core/eval/evaluation';
import { renderReportHtml } from '../../src/core/eval/report-html';
import { describePreprocessing } from '../../src/core/export/package';
import {
  exportTrainingJob, forEachTrainingImage, prepareStartingNetwork, type ExternalPredictions, type TrainingJobItem,
  type TrainingResultMetrics,
} from '../../src/core/export/training-job';
import { disposeNetwork } from '../../src/core/model/classifier';
import { resolveTrainConfig, scenarioById } from '../../src/core/train/config';
import type { TrainingItem } from '../../src/core/train/trainer';
import { loadGoogLeNet, MODEL_DIR } from '../lib/node-model';
import { diskImages } from './dataset';
import { foldDatasetSummary, planExperiment, type Fold } from './folds';
import type { EvaluateConfig } from './options';
import { type PredictionRow, predictionsCsv } from './predictions-csv';

export interface PytorchJobOptions {
  /** A Python that imports torch (scripts/lib/python-torch.ts findTorchPython). */
  python: string;
  /** PyTorch's intra-op threads (OMP_NUM_THREADS / torch.set_num_threads). */
  threads: number;
}

/** Why a PyTorch-job run cannot go ahead, in plain words. */
export class PytorchJobError extends Error {
  override name = 'PytorchJobError';
}

interface JobContext {
  config: EvaluateConfig;
  command: string;
  log: (line: string) => void;
}

const sideOf = (items: readonly TrainingItem[], split: TrainingJobItem['split']): TrainingJobItem[] =>
  items.map((it) => ({ id: it.id, classIndex: it.classIndex, split, patientId: it.patientId ?? it.id }));

/** Builds the job folder (job/ and images/ as the studio's two zips unpacked) for one fold; returns the job items. */
async function writeJob(ctx: JobContext, fold: Fold, classNames: string[], ordinal: boolean, paths: ReadonlyMap<string, string>, dir: string): Promise<void> {
  const training = resolveTrainConfig(ctx.config.training);
  const images = diskImages(paths, training.inputSize, ctx.config.preprocessing);
  const items = [...sideOf(fold.train, 'train'), ...sideOf(fold.val, 'val'), ...sideOf(fold.test, 'test')];
  const base = await loadGoogLeNet(ctx.config.model ?? MODEL_DIR);
  let job: Uint8Array;
  try {
    const net = await prepareStartingNetwork(base, { train: fold.train, images, classNames }, training);
    try {
      job = await exportTrainingJob({
        model: net.model, config: training, classNames, ordinal, items, preprocessing: describePreprocessing(ctx.config.preprocessing),
      });
    } finally {
      disposeNetwork(net.model);
    }
  } finally {
    disposeNetwork(base);
  }
  for (const [path, bytes] of Object.entries(unzipSync(job))) {
    if (path.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  // The images straight to disk, a batch at a time (the images zip would hold all of them: 4.4 GB for 30,000 at 224 px).
  ctx.log(`${fold.name} preparing ${items.length} images at ${training.inputSize} px for the job`);
  mkdirSync(join(dir, 'images'), { recursive: true });
  await forEachTrainingImage(items, images, training.inputSize, (name, rgb) => writeFileSync(join(dir, 'images', name), rgb));
}

/** Runs train.py in `jobDir`, its per-epoch JSON lines passed to the log; resolves when it exits 0. */
function runTrainPy(ctx: JobContext, options: PytorchJobOptions, jobDir: string, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.python, ['train.py', '--images', '../images', '--out', 'result'], {
      cwd: jobDir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: String(options.threads), MKL_NUM_THREADS: String(options.threads) },
    });
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) ctx.log(`${label} train.py ${line.trim()}`);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (e) => reject(new PytorchJobError(`${options.python} did not start: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve()
      : reject(new PytorchJobError(`train.py exited with ${code}:\n${stderr.trim()}`))));
  });
}

const scored = (p: ExternalPredictions, patients: ReadonlyMap<string, string>): ScoredSet => ({
  labels: p.labels, probs: p.probs, patients: p.ids.map((id) => patients.get(id) ?? id),
});

/** Every validation and test image's probabilities as train.py wrote them (averaged over its test-time rotations). */
function predictionRows(result: TrainingResultMetrics): PredictionRow[] {
  return ([['validation', result.val] as const, ['test', result.test] as const]).flatMap(([set, p]) =>
    (p ? p.ids.map((id, i) => ({ fold: 1, set, id, trueClass: p.labels[i], probs: p.probs[i] })) : []));
}

/** Trains the experiment's one split with train.py and writes metrics.json, report.html and predictions.csv. */
export async function runPytorchEvaluation(ctx: JobContext, options: PytorchJobOptions): Promise<{ metricsPath: string; metrics: Record<string, unknown> }> {
  const { config, log } = ctx;
  if (config.cv >= 2) throw new PytorchJobError('--cv is not supported with the PyTorch job yet: it trains one split (drop --cv).');
  const t0 = performance.now();
  const training = resolveTrainConfig(config.training);
  const plan = planExperiment(config);
  for (const note of plan.trainSet.notes) log(`note: ${note}`);
  const { classes } = plan;
  const [fold] = plan.folds;
  const k = classes.classNames.length;
  mkdirSync(config.out, { recursive: true });
  const work = join(config.out, 'pytorch-job');
  rmSync(work, { recursive: true, force: true });
  log(`${fold.name} ${fold.train.length} train, ${fold.val.length} validation, ${fold.test.length} test images; ${k} classes (${classes.task}); ` +
    `PyTorch job on the CPU (${options.threads} thread${options.threads === 1 ? '' : 's'}), ${training.inputSize} px`);
  await writeJob(ctx, fold, classes.classNames, classes.ordinal, plan.paths, work);
  const tJob = performance.now();
  await runTrainPy(ctx, options, join(work, 'job'), fold.name);
  const tTrain = performance.now();
  const result = JSON.parse(readFileSync(join(work, 'job', 'result', 'metrics.json'), 'utf8')) as TrainingResultMetrics;
  const summary = summariseEvaluation(scored(result.val, plan.patients), result.test ? scored(result.test, plan.patients) : null, {
    classNames: classes.classNames, ordinal: classes.ordinal, binaryTasks: binaryTasksFor(classes.task, classes.classNames),
    targetSensitivity: config.targetSensitivity, resamples: config.bootstrap, seed: config.seed,
  });
  const data = foldDatasetSummary(plan, fold);
  const scenario = training.scenario === 'custom' ? null : scenarioById(training.scenario);
  const trainer = `PyTorch job (train.py, ${options.threads} CPU thread${options.threads === 1 ? '' : 's'})`;
  const settings = {
    ...training, task: classes.task, preprocessing: config.preprocessing, targetSensitivity: config.targetSensitivity,
    valFraction: config.valFraction, testFraction: config.testFraction, splitSeed: config.seed, backend: trainer,
  };
  const timings = { totalSeconds: (performance.now() - t0) / 1000, jobSeconds: (tJob - t0) / 1000, trainSeconds: (tTrain - tJob) / 1000 };
  const metrics: Record<string, unknown> = {
    tool: 'fovea evaluate (PyTorch job)', createdAt: new Date().toISOString(), command: ctx.command, backend: trainer,
    settings, seeds: { split: config.seed, training: training.seed, bootstrap: config.seed }, data, notes: plan.trainSet.notes,
    epochs: result.epochs, bestEpoch: result.bestEpoch, stoppedBecause: result.stoppedBecause, timings,
    validation: summary.validation, test: summary.test ?? null,
  };
  const metricsPath = join(config.out, 'metrics.json');
  writeFileSync(metricsPath, JSON.stringify(metrics, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  writeFileSync(join(config.out, 'report.html'), renderReportHtml({
    title: `Fovea evaluation (PyTorch job): ${classes.task}, ${scenario ? `scenario ${scenario.number}` : 'custom'}, ${training.inputSize} px`,
    createdAt: metrics.createdAt as string, command: ctx.command, summary, settings, data, epochs: result.epochs,
    bestEpoch: result.bestEpoch, timings: { 'job export': timings.jobSeconds, training: timings.trainSeconds, total: timings.totalSeconds },
    backend: trainer,
  }));
  writeFileSync(join(config.out, 'predictions.csv'), predictionsCsv(predictionRows(result), classes.classNames));
  // The job folder holds every image as raw pixels (435 MB for 2,889 images at 224 px): keep only train.py's result.
  for (const name of ['weights.safetensors', 'metrics.json']) {
    writeFileSync(join(config.out, name === 'metrics.json' ? 'train-py-metrics.json' : name), readFileSync(join(work, 'job', 'result', name)));
  }
  rmSync(work, { recursive: true, force: true });
  log(`wrote ${config.out}/ (metrics.json, report.html, predictions.csv, weights.safetensors, train-py-metrics.json) in ${Math.round(timings.totalSeconds)} s`);
  return { metricsPath, metrics };
}
