/**
 * The plain data of training runs that the stores and the project's storage share (the form, a run's
 * description, finished and interrupted runs): a module of its own, so storage depends on no store.
 */
import type { TrainConfig } from '../core/train/config';
import type { TrainResult, WorkerEvent } from '../worker/protocol';

/** The settings form, as the user sees it (a subset of TrainConfig; the rest keeps its defaults). */
export type TrainForm = Pick<
  TrainConfig,
  | 'scenario' | 'freezeUpTo' | 'headOn' | 'headPooling' | 'inputSize' | 'epochs' | 'batchSize' | 'optimizer' | 'learningRate'
  | 'pretrainedLrMultiplier' | 'weightDecay' | 'lrSchedule' | 'rotations' | 'seed' | 'classWeighting' | 'testTimeRotations'
  | 'headFit'
> & {
  earlyStopping: boolean;
  patience: number;
  /** Local-average colour subtraction (Ben Graham) on this run's images; recorded in the model. Default off. */
  colourNormalisation: boolean;
};

export type TrainStatus = 'idle' | 'starting' | 'running' | 'pausing' | 'paused' | 'cancelling' | 'done' | 'failed';

export type BatchEvent = Extract<WorkerEvent, { type: 'batch' }>;

/** One training batch on the chart: x is in epochs (2.5 = halfway through the third epoch). */
export interface BatchPoint {
  x: number;
  loss: number;
  accuracy: number;
}

/** What a run was asked to do, for labels and the evaluate screen. */
export interface RunInfo {
  classNames: string[];
  ordinal: boolean;
  trainCount: number;
  valCount: number;
  /** Images held out as the test set (0: none). */
  testCount: number;
  startedAt: number;
}

export interface FinishedRun {
  /** `run-<startedAt>`: the run's key among the project's saved runs. */
  id: string;
  info: RunInfo;
  result: TrainResult;
  batches: BatchPoint[];
  finishedAt: number;
}

/** A run that stopped before its end (page reloaded, tab crashed, GPU lost) and can resume from a checkpoint. */
export interface InterruptedRun {
  info: RunInfo;
  /** Epochs completed (the checkpoint's epoch + 1), of `epochs` planned. */
  epochsDone: number;
  epochs: number;
  /** The run's batch size (a lost GPU may have run out of memory at it: Resume can halve it). */
  batchSize: number;
  savedAt: number;
  /** Why it stopped, for the banner. */
  reason: 'reload' | 'device-lost' | 'failed';
}

/** One finished run kept in the project, as the runs list shows it (its model stays in storage). */
export interface SavedRunSummary {
  id: string;
  startedAt: number;
  finishedAt: number;
  scenario: TrainConfig['scenario'];
  inputSize: number;
  classNames: string[];
  epochs: number;
  bestEpoch: number;
  valAccuracy: number;
  valKappa: number | null;
  stoppedBecause: TrainResult['stoppedBecause'];
}
