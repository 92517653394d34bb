/**
 * A training run's epoch-end checkpoint as plain data (no tensors: structuredClone-able, so the worker can
 * post it and the page can keep it in IndexedDB), the conversions between tensors and saved values, and the
 * checks that a checkpoint fits the run resuming from it. The trainer takes and restores checkpoints.
 */
import type { EvalReport } from '../eval/report';
import type { TrainConfig } from './config';
import { SETTING_NAMES, settingAt, settingSpec, type SettingName } from './settings';
import type { EarlyStoppingState } from './early-stopping';
import type { EpochSummary } from './events';
import type { HeadFitSummary } from './head-fit';

/** A tensor's values, copied off the device. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export const CHECKPOINT_FORMAT = 'fovea-training-checkpoint';

/** Everything a run needs to continue after an epoch exactly as it would have without stopping. */
export interface TrainingCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  /** Resolved config of the run; resuming with a different one is refused. */
  config: TrainConfig;
  classCount: number;
  /** 0-based epoch just completed; a resumed run starts at epoch + 1. */
  epoch: number;
  /** Summaries of epochs 0..epoch (the curves continue from these). */
  epochs: EpochSummary[];
  earlyStopping: EarlyStoppingState;
  /** The constant the head's features are scaled by (measured once, at the run's start). */
  featureScale: number;
  /** Every trainable variable (head, then pretrained layers), current values. */
  weights: SavedTensor[];
  /** Optimizer slots: iterations first, then momentum, or Adam's first then second moments, by variable. */
  optimizers: { head: SavedTensor[]; pretrained: SavedTensor[] };
  /** The best epoch so far (lowest validation loss) and its trainable weights. */
  best: { epoch: number; report: EvalReport; weights: SavedTensor[] } | null;
  /** Position of the dropout layer's stream of mask seeds (masks drawn so far). */
  dropoutDraws: number;
  pace: { imagesDone: number; trainSeconds: number };
  /** headFit 'converged': the fit is the run's one step, and this its search summary (absent for SGD runs). */
  headFit?: HeadFitSummary;
}

/** A checkpoint that does not fit the run asked to resume from it; `what` names the differing setting or variable. */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
  constructor(readonly what: string, readonly saved: unknown, readonly current: unknown) {
    super(`The checkpoint does not fit this run: ${what} is ${describe(saved)} in the checkpoint but ${describe(current)} here. ` +
      'Resume with the settings and dataset the checkpoint was saved with, or start a new run.');
  }
}

const describe = (v: unknown): string => (v === undefined ? 'absent' : Array.isArray(v) ? `[${v.join(', ')}]` : JSON.stringify(v) ?? String(v));

/** The first setting in which two resolved configs differ (nested settings as 'earlyStopping.patience'), or null. */
export function configDifference(saved: object, current: object, prefix = ''): { field: string; saved: unknown; current: unknown } | null {
  const a = saved as Record<string, unknown>;
  const b = current as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const [x, y] = [a[key], b[key]];
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
      const inner = configDifference(x, y, `${prefix}${key}.`);
      if (inner) return inner;
    } else if (!Object.is(x, y)) {
      return { field: `${prefix}${key}`, saved: x, current: y };
    }
  }
  return null;
}

/**
 * The checkpoint, to continue with another batch size (after the GPU ran out of memory at this one). Each
 * epoch still visits the same samples in the same order (the shuffle and rotation draws do not depend on the
 * batch size); only their grouping into steps changes, so the run is a continuation, no longer bit-identical
 * to an uninterrupted one.
 */
export function withBatchSize(checkpoint: TrainingCheckpoint, batchSize: number): TrainingCheckpoint {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new CheckpointMismatchError('the new batch size', batchSize, 'a whole number of at least 1');
  return { ...checkpoint, config: { ...checkpoint.config, batchSize } };
}

/**
 * Settings added after checkpoints were first saved, with the value every run had before they existed (the
 * table's checkpoint.before): a checkpoint without one was saved by a run that used that value.
 */
export const SETTINGS_BEFORE_THEY_EXISTED: Readonly<Partial<Record<SettingName, unknown>>> = Object.fromEntries(
  SETTING_NAMES.flatMap((name) => {
    const rule = settingSpec(name).checkpoint;
    return rule.mustMatch && rule.before !== undefined ? [[name, rule.before]] : [];
  }),
);

/** The checkpoint's config with the settings it predates filled in (see SETTINGS_BEFORE_THEY_EXISTED). */
export function savedConfig(checkpoint: Pick<TrainingCheckpoint, 'config'>): TrainConfig {
  const config = structuredClone(checkpoint.config) as unknown as Record<string, unknown>;
  for (const [name, before] of Object.entries(SETTINGS_BEFORE_THEY_EXISTED)) {
    if (settingAt(config, name) !== undefined) continue;
    const [group, leaf] = name.split('.');
    if (leaf) config[group] = { ...(config[group] as object), [leaf]: before };
    else config[name] = before;
  }
  return config as unknown as TrainConfig;
}

/**
 * The first setting the run may not resume with: one that must match and differs (a setting the checkpoint
 * predates counts at the value runs had then), or one the checkpoint holds that this version does not know.
 */
export function settingMismatch(checkpoint: Pick<TrainingCheckpoint, 'config'>, config: TrainConfig): { field: string; saved: unknown; current: unknown } | null {
  const saved = savedConfig(checkpoint);
  for (const name of SETTING_NAMES) {
    if (!settingSpec(name).checkpoint.mustMatch) continue;
    const [a, b] = [settingAt(saved, name), settingAt(config, name)];
    if (!Object.is(a, b)) return { field: name, saved: a, current: b };
  }
  const unknown = leafNames(saved).find((name) => !(SETTING_NAMES as string[]).includes(name));
  return unknown ? { field: unknown, saved: settingAt(saved, unknown), current: undefined } : null;
}

/** Every setting of a config-shaped object by its path ('earlyStopping.patience'). */
function leafNames(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? leafNames(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/** Throws CheckpointMismatchError unless the checkpoint is ours and was saved by a run with this config and class count. */
export function checkCheckpointFits(checkpoint: TrainingCheckpoint, config: TrainConfig, classCount: number): void {
  if (checkpoint.format !== CHECKPOINT_FORMAT) throw new CheckpointMismatchError('the format', checkpoint.format, CHECKPOINT_FORMAT);
  if (checkpoint.version !== 1) throw new CheckpointMismatchError('the format version', checkpoint.version, 1);
  const diff = settingMismatch(checkpoint, config);
  if (diff) throw new CheckpointMismatchError(`the training setting '${diff.field}'`, diff.saved, diff.current);
  if (checkpoint.classCount !== classCount) throw new CheckpointMismatchError('the number of classes', checkpoint.classCount, classCount);
  if (!(Number.isInteger(checkpoint.epoch) && checkpoint.epoch >= 0 && checkpoint.epoch < config.epochs)) {
    throw new CheckpointMismatchError('the last completed epoch', checkpoint.epoch, `0..${config.epochs - 1}`);
  }
  if (!(Number.isInteger(checkpoint.dropoutDraws) && checkpoint.dropoutDraws >= 0)) {
    throw new CheckpointMismatchError('the dropout stream position', checkpoint.dropoutDraws, 'a whole number of at least 0');
  }
  if (checkpoint.epochs.length !== checkpoint.epoch + 1) {
    throw new CheckpointMismatchError('the number of epoch summaries', checkpoint.epochs.length, checkpoint.epoch + 1);
  }
}

/**
 * Throws CheckpointMismatchError unless `saved` holds one tensor per expected one, of its shape (and its name,
 * when `checkNames`), in order.
 */
export function checkSavedTensors(
  what: string, saved: SavedTensor[], expected: { name: string; shape: number[] }[], checkNames = true,
): void {
  if (saved.length !== expected.length) throw new CheckpointMismatchError(`the number of ${what}`, saved.length, expected.length);
  saved.forEach((s, i) => {
    const e = expected[i];
    if (checkNames && s.name !== e.name) throw new CheckpointMismatchError(`${what} ${i + 1}`, s.name, e.name);
    if (s.shape.length !== e.shape.length || s.shape.some((d, j) => d !== e.shape[j])) {
      throw new CheckpointMismatchError(`the shape of ${what} '${e.name}'`, s.shape, e.shape);
    }
    const size = s.shape.reduce((a, d) => a * d, 1);
    if (s.values.length !== size) throw new CheckpointMismatchError(`the number of values of ${what} '${e.name}'`, s.values.length, size);
  });
}
