/**
 * One `npm run evaluate` experiment: split (train / validation / test, patient-aware), train with the studio's
 * own core, score validation and test (test-time rotation averaging as configured), summarise (intervals,
 * operating point, calibration), and write metrics.json, report.html, MODEL_CARD.md and the model package.
 * With --cv K, K patient-aware folds each serve once as the test set.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { binaryTasksFor, scoredSet, summariseEvaluation, type ScoredSet } from '../../src/core/eval/evaluation';
import { type CrossValidationSummary, renderReportHtml } from '../../src/core/eval/report-html';
import { flatMetrics } from '../../src/core/eval/metric-definitions';
import type { EvaluationSummary } from '../../src/core/eval/summary';
import { describeImagePreparation } from '../../src/core/export/model-card';
import { modelCardOf, modelManifest, type ModelRecordInput } from '../../src/core/export/model-record';
import { describePreprocessing, exportPackage } from '../../src/core/export/package';
import { disposeNetwork } from '../../src/core/model/classifier';
import { resolveTrainConfig, scenarioById } from '../../src/core/train/config';
import type { TrainerEvent } from '../../src/core/train/events';
import type { HeadFitSummary } from '../../src/core/train/head-fit';
import type { OutOfFoldPredictions } from '../../src/core/train/out-of-fold';
import { trainClassifier, type TrainOutcome } from '../../src/core/train/trainer';
import { runTrainsConvolutions } from '../../src/worker/capabilities';
import { loadGoogLeNet, MODEL_DIR } from '../lib/node-model';
import { diskImages, EvaluateDataError, type TaskClasses } from './dataset';
import { featureSources, type FeatureSources } from './feature-extraction';
import { FeatureStore } from './feature-store';
import { type PredictionRow, predictionsCsv } from './predictions-csv';
import { foldDatasetSummary, planExperiment, type Fold } from './folds';
import type { EvaluateConfig } from './options';
import type { ParallelConfig } from './parallel-options';
import { poolAvailable, WorkerPool } from './pool';

export interface RunContext {
  config: EvaluateConfig;
  /** The command line as typed, for the report. */
  command: string;
  backend: string;
  log: (line: string) => void;
  /** Worker threads and the feature cache on disk (parallel-options.ts). Defaults to none of either. */
  parallel?: ParallelConfig;
}

const fmtTime = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`
  : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`);

/** One line: which L2 strength the head fit's inner cross-validation chose, from what, and how the final fit ended. */
function describeHeadFit(h: HeadFitSummary): string {
  const losses = h.cvLoss.map((l, i) => `${h.lambdas[i].toPrecision(3)}: ${l.toFixed(4)}`).join(', ');
  return `head fitted to convergence: L2 ${h.chosen.toPrecision(3)} chosen by ${h.folds}-fold cross-validation (held-out loss per L2: ${losses}); ` +
    `final fit ${h.iterations} L-BFGS iterations, objective ${h.trainLoss.toFixed(4)}, gradient norm ${h.gradientNorm.toExponential(1)} (${fmtTime(h.seconds)})` +
    (h.edge ? `; the chosen L2 is the ${h.edge} searched: the optimum may lie beyond it` : '');
}

/** Progress lines with an ETA on stderr, at most one every few seconds (a run has thousands of batches). */
function progressReporter(log: (line: string) => void, label: string, featuresBy: string): (e: TrainerEvent) => void {
  let last = 0;
  let cacheStart = 0;
  return (e) => {
    const now = performance.now();
    if (e.type === 'phase' && e.phase === 'caching-features' && e.progress) {
      const { done, total } = e.progress;
      if (done === 0) cacheStart = now;
      if (now - last < 5000 && done !== total) return;
      last = now;
      const rate = done / Math.max((now - cacheStart) / 1000, 1e-6);
      log(`${label} frozen features ${done}/${total} (${rate.toFixed(1)} img/s on ${featuresBy}, ETA ${done > 0 ? fmtTime((total - done) / rate) : '?'})`);
    } else if (e.type === 'batch') {
      if (now - last < 5000 && e.batch !== e.batches) return;
      last = now;
      log(`${label} epoch ${e.epoch + 1}/${e.epochs} batch ${e.batch}/${e.batches} loss ${e.loss.toFixed(3)} ` +
        `(${e.imagesPerSecond.toFixed(1)} img/s, ETA ${fmtTime(e.etaSeconds)})`);
    } else if (e.type === 'epoch') {
      const s = e.summary;
      log(`${label} epoch ${s.epoch + 1}: train loss ${s.trainLoss.toFixed(3)}, val loss ${s.valLoss.toFixed(3)}, ` +
        `val accuracy ${(s.valAccuracy * 100).toFixed(1)}% (${fmtTime(s.seconds)})`);
    } else if (e.type === 'phase' && e.phase !== 'caching-features') {
      log(`${label} ${e.phase}`);
    }
  };
}

/** Headline figures of a set, flat, for the console table and cross-validation means (metric-definitions.ts). */
export const headline = flatMetrics;

interface FoldResult {
  fold: Fold;
  outcome: TrainOutcome;
  summary: EvaluationSummary;
  seconds: { total: number };
}

/**
 * The summary of validation and test; operating points chosen on `outOfFold` when the run has it (a frozen
 * backbone's fitted head: TrainOutcome.outOfFold), else on validation (the convolution scenarios).
 */
function summarise(
  ctx: RunContext, classes: TaskClasses, validation: ScoredSet, test: ScoredSet | null, outOfFold?: OutOfFoldPredictions[],
): EvaluationSummary {
  const method = outOfFold?.[0];
  const lambdas = (outOfFold ?? []).map((o) => o.lambda);
  return summariseEvaluation(validation, test, {
    classNames: classes.classNames, ordinal: classes.ordinal,
    binaryTasks: binaryTasksFor(classes.task, classes.classNames),
    targetSensitivity: ctx.config.targetSensitivity, resamples: ctx.config.bootstrap, seed: ctx.config.seed,
    ...(outOfFold && method ? {
      outOfFold: { labels: outOfFold.flatMap((o) => o.labels), probs: outOfFold.flatMap((o) => o.probs), patients: outOfFold.flatMap((o) => o.patients) },
      outOfFoldMethod: {
        folds: method.folds, lambda: Math.min(...lambdas), rotationsAveraged: Math.min(...outOfFold.map((o) => o.rotationsAveraged)),
        ...(Math.max(...lambdas) !== Math.min(...lambdas) ? { lambdaMax: Math.max(...lambdas) } : {}),
      },
    } : {}),
  });
}

/** Every fold's out-of-fold predictions, or none when one fold lacks them (then validation chooses). */
const outOfFoldOf = (outcomes: TrainOutcome[]) => (outcomes.every((o) => o.outOfFold) ? outcomes.map((o) => o.outOfFold!) : undefined);

/** One line: where the operating points were chosen, and why there. */
function describeOperatingPointSource(summary: EvaluationSummary): string {
  const selection = summary.validation.binary[0]?.operatingPoint.selection;
  if (!selection) return 'operating point: none (no screening question with positives and negatives)';
  if (selection.source === 'validation') {
    return `operating point chosen on validation (${selection.positives} positives / ${selection.negatives} negatives): ` +
      'out-of-fold predictions need a frozen backbone with its head fitted to convergence';
  }
  return `operating point chosen on out-of-fold train+validation predictions (${selection.positives} positives / ${selection.negatives} negatives)`;
}

const concat = (sets: ScoredSet[]): ScoredSet => ({ labels: sets.flatMap((x) => [...x.labels]), probs: sets.flatMap((x) => [...x.probs]) });

async function runFold(ctx: RunContext, fold: Fold, classes: TaskClasses, sources: FeatureSources): Promise<FoldResult> {
  const start = performance.now();
  const base = await loadGoogLeNet(ctx.config.model ?? MODEL_DIR);
  let outcome: TrainOutcome;
  try {
    outcome = await trainClassifier(
      base,
      { classNames: classes.classNames, ordinal: classes.ordinal, train: fold.train, val: fold.val, test: fold.test, images: sources.images },
      ctx.config.training,
      {
        onEvent: progressReporter(ctx.log, fold.name, sources.computedBy),
        ...(sources.extractFeatures ? { extractFeatures: sources.extractFeatures } : {}),
        ...(sources.shareStep && sources.sharePredict && runTrainsConvolutions(resolveTrainConfig(ctx.config.training).freezeUpTo)
          ? { shareStep: sources.shareStep, sharePredict: sources.sharePredict } : {}),
      },
    );
  } catch (e) {
    disposeNetwork(base);
    throw e;
  }
  const summary = summarise(ctx, classes, scoredSet(outcome.report), outcome.test ? scoredSet(outcome.test) : null, outOfFoldOf([outcome]));
  return { fold, outcome, summary, seconds: { total: (performance.now() - start) / 1000 } };
}

/**
 * Every validation and test image's probabilities (averaged over the test-time rotations, before temperature
 * scaling) with its set and true class, and the out-of-fold ones (set 'out-of-fold').
 */
function predictionRows(outcomes: TrainOutcome[]): PredictionRow[] {
  return outcomes.flatMap((outcome, f) => [
    ...([['validation', outcome.report] as const, ['test', outcome.test] as const]).flatMap(([set, report]) =>
      (report?.predictions ?? []).map((p) => ({ fold: f + 1, set, id: p.id, trueClass: p.trueClass, probs: p.probs }))),
    ...(outcome.outOfFold
      ? outcome.outOfFold.ids.map((id, i) => ({ fold: f + 1, set: 'out-of-fold' as const, id, trueClass: outcome.outOfFold!.labels[i], probs: outcome.outOfFold!.probs[i] }))
      : []),
  ]);
}

/** The project commit the run's code came from (with '+changes' when the work tree differed), or null outside git. */
function sourceCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

/**
 * Trains and scores every fold, images read from disk batch by batch (nothing kept), frozen features computed by
 * the worker pool when there is one and kept on disk with --cache; the threads are closed however it ends.
 */
async function runFolds(
  ctx: RunContext, folds: Fold[], classes: TaskClasses, paths: ReadonlyMap<string, string>, describeRun: string,
): Promise<{ results: FoldResult[]; parallel: { workers: number; stepsSharedByWorkers: boolean } }> {
  const { config, log } = ctx;
  const { inputSize } = resolveTrainConfig(config.training);
  const parallel = ctx.parallel ?? { workers: 0, cacheDir: null };
  const pathOf = (id: string) => {
    const path = paths.get(id);
    if (!path) throw new EvaluateDataError(`Unknown image ${id}.`);
    return path;
  };
  let pool: WorkerPool | null = null;
  if (parallel.workers > 0 && !poolAvailable()) log('note: worker threads need the source tree (npm run evaluate); this run uses one thread.');
  else if (parallel.workers > 0) pool = await WorkerPool.start({ workers: parallel.workers, modelDir: config.model ?? MODEL_DIR });
  try {
    const store = parallel.cacheDir ? new FeatureStore(parallel.cacheDir) : null;
    const sources = featureSources({
      pool, store, backend: ctx.backend, pathOf, inputSize, preprocessing: config.preprocessing,
      diskImages: diskImages(paths, inputSize, config.preprocessing),
    });
    const results: FoldResult[] = [];
    const shared = Boolean(sources.shareStep) && runTrainsConvolutions(resolveTrainConfig(config.training).freezeUpTo);
    for (const fold of folds) {
      log(`${fold.name} ${fold.train.length} train, ${fold.val.length} validation, ${fold.test.length} test images; ` +
        `${classes.classNames.length} classes (${classes.task}); ${describeRun}; frozen features on ${sources.computedBy}` +
        (shared ? `; each step and prediction shared by ${sources.computedBy} (data-parallel)` : '') +
        (store ? `, cached in ${store.dir}` : ''));
      const read = store?.stats.read ?? 0;
      const computed = store?.stats.computed ?? 0;
      const result = await runFold(ctx, fold, classes, sources);
      results.push(result);
      if (result.outcome.headFit) log(`${fold.name} ${describeHeadFit(result.outcome.headFit)}`);
      log(`${fold.name} ${describeOperatingPointSource(result.summary)}`);
      if (store) log(`${fold.name} feature cache on disk: ${store.stats.read - read} samples read, ${store.stats.computed - computed} computed`);
      const shown = result.summary.test ?? result.summary.validation;
      log(`${fold.name} ${shown.set}: ${Object.entries(headline(shown)).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
      if (results.length < folds.length) disposeNetwork(result.outcome.net.model);
    }
    return { results, parallel: { workers: pool?.size ?? 0, stepsSharedByWorkers: shared } };
  } finally {
    await pool?.close();
  }
}

export async function runEvaluation(ctx: RunContext): Promise<{ metricsPath: string; metrics: Record<string, unknown> }> {
  const { config, log } = ctx;
  const t0 = performance.now();
  // Read now: the work tree may change while a long run goes on.
  const commit = sourceCommit();
  const training = resolveTrainConfig(config.training);

  const plan = planExperiment(config);
  const { trainSet, classes, paths, folds } = plan;
  for (const note of trainSet.notes) log(`note: ${note}`);

  mkdirSync(config.out, { recursive: true });
  const scenario = training.scenario === 'custom' ? null : scenarioById(training.scenario);
  const settings = {
    ...training, task: classes.task, preprocessing: config.preprocessing, targetSensitivity: config.targetSensitivity,
    valFraction: config.valFraction, testFraction: config.testFraction, splitSeed: config.seed, backend: ctx.backend,
  };
  const provenance = JSON.parse(readFileSync(join(config.model ?? MODEL_DIR, 'provenance.json'), 'utf8')) as Record<string, unknown>;

  const { results, parallel } = await runFolds(ctx, folds, classes, paths, `${ctx.backend}; ${training.inputSize} px; scenario ${scenario ? scenario.number : 'custom'}`);

  // The model kept (exported, described by the model card) is the last fold's; with --cv the report's headline is
  // the pooled out-of-fold summary: every image scored once by a model that never saw it in training.
  const main = results[results.length - 1];
  const data = foldDatasetSummary(plan, main.fold);
  const pooled = results.length > 1
    ? summarise(ctx, classes, concat(results.map((r) => scoredSet(r.outcome.report))), concat(results.map((r) => scoredSet(r.outcome.test!))),
      outOfFoldOf(results.map((r) => r.outcome)))
    : null;
  const timings = { totalSeconds: (performance.now() - t0) / 1000, perFoldSeconds: results.map((r) => r.seconds.total) };
  let cv: CrossValidationSummary | undefined;
  if (results.length > 1) {
    const perFold = results.map((r, f) => ({ fold: f + 1, metrics: headline(r.summary.test!) }));
    const mean: Record<string, number> = {};
    const sd: Record<string, number> = {};
    for (const key of Object.keys(perFold[0].metrics)) {
      const xs = perFold.map((p) => p.metrics[key]).filter((x) => Number.isFinite(x));
      mean[key] = xs.reduce((a, b) => a + b, 0) / xs.length;
      sd[key] = Math.sqrt(xs.reduce((a, b) => a + (b - mean[key]) ** 2, 0) / Math.max(xs.length - 1, 1));
    }
    cv = { k: results.length, folds: perFold, mean, sd };
    log(`[cv] pooled out-of-fold test: ${Object.entries(headline(pooled!.test!)).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  }

  const epochs = main.outcome.epochs;
  const metrics: Record<string, unknown> = {
    tool: 'fovea evaluate', createdAt: new Date().toISOString(), command: ctx.command, backend: ctx.backend,
    commit, parallel,
    settings, seeds: { split: config.seed, training: training.seed, bootstrap: config.seed },
    data, notes: trainSet.notes, epochs, bestEpoch: main.outcome.bestEpoch, stoppedBecause: main.outcome.stoppedBecause,
    featureCache: main.outcome.cache, timings, headFit: main.outcome.headFit ?? null,
    // How the operating points' out-of-fold predictions were made (each task's selection says its counts); null: validation chose.
    outOfFold: main.outcome.outOfFold ? {
      images: main.outcome.outOfFold.ids.length, patients: new Set(main.outcome.outOfFold.patients).size, folds: main.outcome.outOfFold.folds,
      lambda: main.outcome.outOfFold.lambda, rotationsAveraged: main.outcome.outOfFold.rotationsAveraged, sets: 'train+validation',
    } : null,
    validation: main.summary.validation, test: main.summary.test ?? null,
    cv: cv ? { ...cv, pooledOutOfFold: pooled } : null,
  };
  const metricsPath = join(config.out, 'metrics.json');
  writeFileSync(metricsPath, JSON.stringify(metrics, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  writeFileSync(join(config.out, 'report.html'), renderReportHtml({
    title: `Fovea evaluation: ${classes.task}, ${scenario ? `scenario ${scenario.number}` : 'custom'}, ${training.inputSize} px` +
      (pooled ? `, ${results.length}-fold cross-validation (pooled out-of-fold predictions)` : ''),
    createdAt: metrics.createdAt as string, command: ctx.command, summary: pooled ?? main.summary, settings, data,
    epochs, bestEpoch: main.outcome.bestEpoch, timings: { total: timings.totalSeconds }, backend: ctx.backend,
    ...(cv ? { cv } : {}),
  }));
  writeFileSync(join(config.out, 'predictions.csv'), predictionsCsv(predictionRows(results.map((r) => r.outcome)), classes.classNames));
  const record: ModelRecordInput = {
    createdAt: metrics.createdAt as string, classNames: classes.classNames, ordinal: classes.ordinal, task: classes.task,
    config: training, epochs, validation: main.outcome.report, summary: main.summary,
    preprocessing: {
      manifest: describePreprocessing(config.preprocessing),
      card: describeImagePreparation({
        fieldOfViewCrop: config.preprocessing !== 'centre', colourNormalisation: config.preprocessing === 'fov-colour',
        resize: 'area average', inputSize: training.inputSize, testTimeRotations: training.testTimeRotations,
      }),
    },
    extraSettings: settings, data, weightsProvenance: provenance, headFit: main.outcome.headFit ?? null,
    ...(config.eval ? { externalValidation: `Test set: ${config.eval}` } : {}),
  };
  const card = modelCardOf(record);
  writeFileSync(join(config.out, 'MODEL_CARD.md'), card);
  if (config.exportModel) {
    writeFileSync(join(config.out, 'model.zip'), await exportPackage(main.outcome.net.model, modelManifest(record), { 'MODEL_CARD.md': card }));
  }
  disposeNetwork(main.outcome.net.model);
  log(`wrote ${config.out}/ (metrics.json, report.html, MODEL_CARD.md, predictions.csv${config.exportModel ? ', model.zip' : ''}) in ${fmtTime(timings.totalSeconds)}`);
  void tf;
  return { metricsPath, metrics };
}
