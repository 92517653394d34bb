/**
 * The training screen's state: the settings form, the run in progress (phase, batch and epoch history,
 * latest validation report) and the last finished run, which a later failure or cancel never erases.
 */
import { create } from 'zustand';
import {
  resolveTrainConfig, scenarioById, InvalidTrainConfigError,
  type OptimizerName, type ScenarioId, type TrainConfig,
} from '../core/train/config';
import type { EvalReport } from '../core/eval/report';
import type { EvaluationSummary } from '../core/eval/summary';
import type { TrainingCheckpoint } from '../core/train/checkpoint';
import type {
  DatasetDescription, EpochSummary, TrainItem, TrainPhase, TrainRequest, TrainResult, WorkerEvent,
} from '../worker/protocol';
import type { PhaseProgress } from '../core/train/events';
import { foveaWorker } from '../worker/client';
import { toUserError, type UserError } from './errors';
import { deriveDataset } from './dataset-derive';
import { useDatasetStore, type DatasetImage } from './dataset';
import { useModelStore } from './model';

import type { TrainForm, TrainStatus, BatchEvent, BatchPoint, RunInfo, FinishedRun, InterruptedRun, SavedRunSummary } from './run-types';

export type { TrainForm, TrainStatus, BatchEvent, BatchPoint, RunInfo, FinishedRun, InterruptedRun, SavedRunSummary } from './run-types';

export interface TrainingState {
  form: TrainForm;
  status: TrainStatus;
  phase: TrainPhase | null;
  phaseMessage: string | null;
  /** Items done of the phase's total (caching the frozen features), when the phase counts them. */
  phaseProgress: PhaseProgress | null;
  /** The phase a pause interrupted, shown again on resume (the worker sends no phase event then). */
  pausedFrom: TrainPhase | null;
  /** The run in progress (or the one that just stopped). */
  run: RunInfo | null;
  /** What that run asked the worker for (kept so that its checkpoints can be saved with it). */
  request: TrainRequest | null;
  /** 0-based epoch of the run's latest checkpoint (saved by saved-runs.ts); null before the first epoch ends. */
  checkpointEpoch: number | null;
  /** A run that can resume from its saved checkpoint; null when there is none. */
  interrupted: InterruptedRun | null;
  /** The project's finished runs, oldest first. */
  savedRuns: SavedRunSummary[];
  /** When that run stopped (finished, failed or cancelled); null while it runs. */
  endedAt: number | null;
  lastBatch: BatchEvent | null;
  batches: BatchPoint[];
  epochs: EpochSummary[];
  /** Validation report of the latest epoch of the run in progress. */
  liveReport: EvalReport | null;
  /** The last run that finished (completed, stopped early, or cancelled with a result). */
  finished: FinishedRun | null;
  /** Screening evaluation of the finished run (intervals, operating points, calibration); null until it exists. */
  summary: EvaluationSummary | null;
  /** The epoch whose weights are kept (0-based, as EpochSummary.epoch): the best so far while a run trains; null before its first epoch. */
  bestEpoch: number | null;
  /** Predictions on the held-out test set, same shape as the validation report; null when there is none. */
  testReport: EvalReport | null;
  error: UserError | null;
  /** Saving a run or a checkpoint failed (quota, private mode), in plain words; training itself goes on. */
  storageProblem: string | null;
  /** Counts start()s, so a late answer of an earlier run never overwrites a newer one. */
  runToken: number;
}

export interface TrainingActions {
  setForm(patch: Partial<TrainForm>): void;
  /** Applies one of the four scenarios (freeze + head) or switches to custom settings. */
  selectScenario(id: ScenarioId | 'custom'): void;
  start(): Promise<void>;
  /** Continues an interrupted run from its checkpoint: same request, the curves so far, then the epochs left. */
  resumeRun(request: TrainRequest, info: RunInfo, batches: BatchPoint[], checkpoint: TrainingCheckpoint): Promise<void>;
  /** Shows a finished run saved earlier (its model is already in the worker). */
  showSavedRun(run: FinishedRun): void;
  setInterrupted(interrupted: InterruptedRun | null): void;
  setSavedRuns(runs: SavedRunSummary[]): void;
  /** Shows a finished run: one of start()'s, or a result trained elsewhere (PyTorch) and imported for `info`. */
  finishRun(info: RunInfo, result: TrainResult): void;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  /** Called by the worker event handler. */
  onEvent(e: WorkerEvent): void;
  dismissError(): void;
  reset(): void;
}

const defaults = resolveTrainConfig({ scenario: 'finetune-pretrained' });

export const initialForm: TrainForm = {
  scenario: defaults.scenario,
  freezeUpTo: defaults.freezeUpTo,
  headOn: defaults.headOn,
  headPooling: defaults.headPooling,
  inputSize: defaults.inputSize,
  epochs: defaults.epochs,
  batchSize: defaults.batchSize,
  optimizer: defaults.optimizer,
  learningRate: defaults.learningRate,
  pretrainedLrMultiplier: defaults.pretrainedLrMultiplier,
  weightDecay: defaults.weightDecay,
  lrSchedule: defaults.lrSchedule,
  rotations: defaults.rotations,
  earlyStopping: defaults.earlyStopping.enabled,
  patience: defaults.earlyStopping.patience,
  seed: defaults.seed,
  classWeighting: defaults.classWeighting,
  testTimeRotations: defaults.testTimeRotations,
  // Applies to a frozen backbone only (formToConfig); there the core's default is to fit the head to convergence.
  headFit: 'converged',
  colourNormalisation: false,
};

export const initialTrainingState: TrainingState = {
  form: initialForm,
  status: 'idle',
  phase: null,
  phaseMessage: null,
  phaseProgress: null,
  pausedFrom: null,
  run: null,
  request: null,
  checkpointEpoch: null,
  interrupted: null,
  savedRuns: [],
  endedAt: null,
  lastBatch: null,
  batches: [],
  epochs: [],
  liveReport: null,
  finished: null,
  summary: null,
  bestEpoch: null,
  testReport: null,
  error: null,
  storageProblem: null,
  runToken: 0,
};

/** The form as the worker's partial TrainConfig. */
export function formToConfig(form: TrainForm): Partial<TrainConfig> {
  return {
    scenario: form.scenario,
    freezeUpTo: form.freezeUpTo,
    headOn: form.headOn,
    headPooling: form.headPooling,
    inputSize: form.inputSize,
    epochs: form.epochs,
    batchSize: form.batchSize,
    optimizer: form.optimizer,
    learningRate: form.learningRate,
    pretrainedLrMultiplier: form.pretrainedLrMultiplier,
    weightDecay: form.weightDecay,
    lrSchedule: form.lrSchedule,
    rotations: form.rotations,
    earlyStopping: { enabled: form.earlyStopping, patience: form.patience, minDelta: 0 },
    seed: form.seed,
    classWeighting: form.classWeighting,
    testTimeRotations: form.testTimeRotations,
    // Only a head on a frozen backbone can be fitted to convergence; any other run trains by SGD epochs.
    ...(form.freezeUpTo === 'all' ? { headFit: form.headFit } : {}),
  };
}

/** What the model card says about where the images came from, and how many patients each split holds. */
export function describeDataset(images: readonly DatasetImage[], items: readonly TrainItem[]): DatasetDescription {
  const patientOf = new Map(images.map((i) => [i.id, i.patientId] as const));
  const patients = (split: TrainItem['split']) => new Set(items.filter((i) => i.split === split).map((i) => patientOf.get(i.id))).size;
  const fromSample = images.filter((i) => i.fromSample).length;
  const source = fromSample === images.length ? `Fovea's sample data (${images.length} graded fundus photographs)`
    : fromSample > 0 ? `${images.length - fromSample} photographs added by the user, and ${fromSample} from Fovea's sample data`
    : `${images.length} photographs added by the user`;
  const test = patients('test');
  return { source, patients: { train: patients('train'), validation: patients('val'), ...(test > 0 ? { test } : {}) } };
}

/** The training request for the current dataset (items, split, classes) and the form's settings. */
export function currentTrainRequest(form: TrainForm): TrainRequest {
  const datasetState = useDatasetStore.getState();
  const dataset = deriveDataset(datasetState);
  return {
    config: formToConfig(form),
    classNames: dataset.classNames,
    ordinal: dataset.ordinal,
    presetId: datasetState.presetId,
    colourNormalisation: form.colourNormalisation,
    fieldOfViewCrop: datasetState.fieldOfViewCrop,
    dataset: describeDataset(datasetState.images, dataset.items),
    items: dataset.items,
  };
}

export function runInfoOf(request: TrainRequest, startedAt: number): RunInfo {
  return {
    classNames: request.classNames,
    ordinal: request.ordinal,
    trainCount: request.items.filter((i) => i.split === 'train').length,
    valCount: request.items.filter((i) => i.split === 'val').length,
    testCount: request.items.filter((i) => i.split === 'test').length,
    startedAt,
  };
}

export interface FormProblem {
  field: string;
  message: string;
}

/** Checks the form with the same rules the worker applies; null when it is fine. */
export function checkForm(form: TrainForm): FormProblem | null {
  try {
    resolveTrainConfig(formToConfig(form));
    return null;
  } catch (e) {
    if (e instanceof InvalidTrainConfigError) return { field: e.field, message: e.message };
    return { field: '', message: e instanceof Error ? e.message : String(e) };
  }
}

export function isActive(status: TrainStatus): boolean {
  return status === 'starting' || status === 'running' || status === 'pausing' || status === 'paused' || status === 'cancelling';
}

/** How a phase event moves the run's status: pauses and resumes follow the worker; the end comes from train(). */
function statusAfterPhase(status: TrainStatus, phase: TrainPhase): TrainStatus {
  if (status === 'cancelling' || !isActive(status)) return status;
  if (phase === 'paused') return 'paused';
  if (phase === 'done' || status === 'pausing') return status;
  return 'running';
}

export const runIdOf = (info: RunInfo): string => `run-${info.startedAt}`;

/** The runs list's line for a finished run. */
export function summariseRun(run: FinishedRun): SavedRunSummary {
  const { result, info } = run;
  return {
    id: run.id, startedAt: info.startedAt, finishedAt: run.finishedAt, scenario: result.config.scenario,
    inputSize: result.config.inputSize, classNames: info.classNames, epochs: result.epochs.length, bestEpoch: result.bestEpoch,
    valAccuracy: result.report.accuracy, valKappa: result.report.quadraticKappa ?? null, stoppedBecause: result.stoppedBecause,
  };
}

/**
 * Runs `request` in the worker and shows it: from scratch (`batches`, `epochs` empty) or resumed from a
 * checkpoint (the curves so far). A run that fails after a checkpoint offers to resume, except a diverged one
 * (it would diverge again) and a cancelled one (the user stopped it).
 */
async function launch(request: TrainRequest, info: RunInfo, batches: BatchPoint[], epochs: EpochSummary[]): Promise<void> {
  const set = useTrainingStore.setState;
  const get = useTrainingStore.getState;
  set({
    status: 'starting', phase: 'preparing', phaseMessage: null, phaseProgress: null, pausedFrom: null, run: info, request, interrupted: null,
    bestEpoch: request.resumeFrom?.best?.epoch ?? null,
    checkpointEpoch: request.resumeFrom?.epoch ?? null, endedAt: null, lastBatch: null, batches, epochs, liveReport: null, error: null,
  });
  const token = get().runToken + 1;
  set({ runToken: token });
  try {
    const result = await foveaWorker().train(request);
    if (token !== get().runToken) return;
    get().finishRun(info, result);
  } catch (e) {
    if (token !== get().runToken) return;
    const error = toUserError(e);
    if (error.name === 'CancelledError') {
      set({ status: 'idle', phase: null, phaseMessage: null, pausedFrom: null, endedAt: Date.now() });
      return;
    }
    const { checkpointEpoch } = get();
    const resumable = checkpointEpoch !== null && (error.name === 'DeviceLostError' || error.name === 'InternalError');
    set({
      status: 'failed', error, endedAt: Date.now(),
      interrupted: resumable ? {
        info, epochsDone: checkpointEpoch + 1, epochs: resolveTrainConfig(request.config).epochs,
        batchSize: resolveTrainConfig(request.config).batchSize, savedAt: Date.now(),
        reason: error.name === 'DeviceLostError' ? 'device-lost' : 'failed',
      } : null,
    });
  }
}

const defaultLearningRate = (optimizer: OptimizerName) => resolveTrainConfig({ optimizer }).learningRate;

export const useTrainingStore = create<TrainingState & TrainingActions>()((set, get) => ({
  ...initialTrainingState,

  setForm: (patch) =>
    set((s) => {
      const form = { ...s.form, ...patch };
      // Switching optimizer moves a default learning rate to the other optimizer's default.
      if (patch.optimizer && patch.optimizer !== s.form.optimizer && patch.learningRate === undefined
        && s.form.learningRate === defaultLearningRate(s.form.optimizer)) {
        form.learningRate = defaultLearningRate(patch.optimizer);
      }
      // Changing what is frozen or where the head sits by hand makes the setup custom.
      if ((patch.freezeUpTo !== undefined || patch.headOn !== undefined) && patch.scenario === undefined
        && s.form.scenario !== 'custom') {
        form.scenario = 'custom';
      }
      return { form };
    }),

  selectScenario: (id) =>
    set((s) => {
      if (id === 'custom') return { form: { ...s.form, scenario: 'custom' } };
      const preset = scenarioById(id);
      return { form: { ...s.form, scenario: id, freezeUpTo: preset.freezeUpTo, headOn: preset.headOn } };
    }),

  start: async () => {
    if (isActive(get().status)) return;
    const request = currentTrainRequest(get().form);
    await launch(request, runInfoOf(request, Date.now()), [], []);
  },

  resumeRun: async (request, info, batches, checkpoint) => {
    if (isActive(get().status)) return;
    await launch({ ...request, resumeFrom: checkpoint }, info, batches, checkpoint.epochs);
  },

  showSavedRun: (run) => {
    set({
      status: 'done', phase: 'done', phaseMessage: null, pausedFrom: null, run: run.info, request: null, checkpointEpoch: null,
      endedAt: run.finishedAt, lastBatch: null, batches: run.batches, epochs: run.result.epochs, liveReport: run.result.report,
      finished: run, summary: run.result.summary, bestEpoch: run.result.bestEpoch, testReport: run.result.test ?? null, error: null,
    });
    useModelStore.getState().showModel(run.result.model);
  },

  setInterrupted: (interrupted) => set({ interrupted }),
  setSavedRuns: (savedRuns) => set({ savedRuns }),

  finishRun: (info, result) => {
    const now = Date.now();
    set((s) => ({
      status: 'done',
      phase: 'done',
      run: info,
      endedAt: now,
      // A result trained elsewhere (PyTorch) has no batches of this session: only its epochs.
      batches: s.run === info ? s.batches : [],
      epochs: s.run === info ? s.epochs : result.epochs,
      liveReport: s.run === info ? s.liveReport : result.report,
      finished: { id: runIdOf(info), info, result, batches: s.run === info ? s.batches : [], finishedAt: now },
      request: null,
      checkpointEpoch: null,
      interrupted: null,
      summary: result.summary,
      bestEpoch: result.bestEpoch,
      testReport: result.test ?? null,
      error: null,
    }));
    useModelStore.getState().showModel(result.model);
  },

  pause: async () => {
    if (get().status !== 'running' && get().status !== 'starting') return;
    set({ status: 'pausing' });
    try {
      // Resolves once the worker has stopped at the end of its current batch.
      await foveaWorker().pause();
      if (get().status === 'pausing') set({ status: 'paused' });
    } catch (e) {
      set((s) => ({ error: toUserError(e), status: s.status === 'pausing' ? 'running' : s.status }));
    }
  },

  resume: async () => {
    if (get().status !== 'paused') return;
    try {
      await foveaWorker().resume();
      if (get().status === 'paused') set((s) => ({ status: 'running', phase: s.phase === 'paused' ? s.pausedFrom ?? 'training' : s.phase }));
    } catch (e) {
      set({ error: toUserError(e) });
    }
  },

  cancel: async () => {
    if (!isActive(get().status)) return;
    set({ status: 'cancelling' });
    try {
      await foveaWorker().cancel();
    } catch (e) {
      set({ error: toUserError(e) });
    }
  },

  onEvent: (e) => {
    switch (e.type) {
      case 'phase':
        set((s) => ({
          phase: e.phase,
          // A pause keeps the interrupted phase's message (e.g. feature-caching progress) for the resume.
          phaseMessage: e.phase === 'paused' ? s.phaseMessage : e.message ?? null,
          phaseProgress: e.phase === 'paused' ? s.phaseProgress : e.progress ?? null,
          pausedFrom: e.phase === 'paused' ? (s.phase === 'paused' ? s.pausedFrom : s.phase) : null,
          status: statusAfterPhase(s.status, e.phase),
        }));
        return;
      case 'batch': {
        // Epochs count from 0 and batches from 1 (the batch just finished), so x runs over (0, epochs].
        const point: BatchPoint = { x: e.epoch + e.batch / Math.max(1, e.batches), loss: e.loss, accuracy: e.accuracy };
        set((s) => ({ lastBatch: e, batches: [...s.batches, point], status: s.status === 'starting' ? 'running' : s.status }));
        return;
      }
      case 'epoch':
        set((s) => ({ epochs: [...s.epochs.filter((x) => x.epoch !== e.summary.epoch), e.summary], liveReport: e.report, bestEpoch: e.bestEpoch }));
        return;
      case 'device-lost':
        // train() also rejects with DeviceLostError; make sure the run stops looking active.
        set((s) => ({
          status: isActive(s.status) ? 'failed' : s.status,
          endedAt: isActive(s.status) ? Date.now() : s.endedAt,
          error: s.error ?? toUserError(Object.assign(new Error(e.message), { name: 'DeviceLostError' })),
        }));
        return;
      case 'checkpoint':
        set({ checkpointEpoch: e.checkpoint.epoch });
        return;
      case 'decode-progress':
        return;
    }
  },

  dismissError: () => set({ error: null }),
  reset: () => set({ ...initialTrainingState, runToken: get().runToken }), // a run settling after a reset still knows it is stale
}));

/** X position (in epochs) at which an epoch's summary is drawn: the end of that (0-based) epoch. */
export function epochEndX(summary: EpochSummary): number {
  return summary.epoch + 1;
}

