/** What a training run reports while it runs (plain data; the worker forwards these to the UI). */
import type { EvalReport } from '../eval/report';

export type TrainPhase = 'preparing' | 'caching-features' | 'training' | 'validating' | 'paused' | 'done';

export interface BatchProgress {
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based index of the batch just finished in this epoch. */
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  /** Seconds left for the whole run, estimated from the pace so far. */
  etaSeconds: number;
}

export interface EpochSummary {
  /** 0-based epoch. */
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  learningRate: number;
  seconds: number;
}

/** How far a phase that counts items (caching the frozen features of every sample) has got. */
export interface PhaseProgress {
  done: number;
  total: number;
}

export type TrainerEvent =
  | { type: 'phase'; phase: TrainPhase; message?: string; progress?: PhaseProgress }
  | ({ type: 'batch' } & BatchProgress)
  /** `bestEpoch`: the 0-based epoch with the lowest validation loss so far (whose weights the run keeps). */
  | { type: 'epoch'; summary: EpochSummary; report: EvalReport; bestEpoch: number };
