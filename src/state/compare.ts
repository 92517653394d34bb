/**
 * "Compare all": the four scenarios and a from-scratch run trained one after another in the worker on the
 * current dataset, split and settings. Lives in a store so the comparison survives switching tabs.
 */
import { create } from 'zustand';
import type { CompareEvent, CompareRunId, CompareRunResult } from '../worker/protocol';
import { COMPARE_RUN_IDS } from '../worker/protocol';
import * as Comlink from 'comlink';
import { foveaWorker } from '../worker/client';
import { toUserError, type UserError } from './errors';
import { currentTrainRequest, isActive, runInfoOf, type RunInfo, useTrainingStore } from './training';

export type CompareStatus = 'idle' | 'running' | 'cancelling' | 'done' | 'failed';

export interface CompareState {
  status: CompareStatus;
  /** One per run, in COMPARE_RUN_IDS order; filled as runs end. */
  results: (CompareRunResult | null)[];
  /** The run in progress and how far it is (0..1). */
  runningIndex: number | null;
  runFraction: number;
  imagesPerSecond: number;
  /** Input size of the from-scratch run (null: the form's). A smaller one keeps it short on a slow backend. */
  fromScratchInputSize: number | null;
  /** Epochs of every run (null: the form's). */
  epochs: number | null;
  startedAt: number | null;
  /** What the comparison was asked to do (classes, split counts): the run info of a run made the current model. */
  runInfo: RunInfo | null;
  /** The run being made the current model now. */
  adopting: CompareRunId | null;
  /** The last run made the current model, and its manifest's createdAt (it is still current while they match). */
  adopted: { id: CompareRunId; createdAt: string } | null;
  error: UserError | null;
}

export interface CompareActions {
  setFromScratchInputSize(size: number | null): void;
  setEpochs(epochs: number | null): void;
  start(): Promise<void>;
  cancel(): Promise<void>;
  /** Makes a finished run the current model, shown as a finished training run (Evaluate, Export). */
  makeCurrent(id: CompareRunId): Promise<void>;
  /** Drops the comparison, and the runs' weights the worker keeps. */
  clear(): Promise<void>;
  onEvent(e: CompareEvent): void;
  reset(): void;
}

export const initialCompareState: CompareState = {
  status: 'idle', results: COMPARE_RUN_IDS.map(() => null), runningIndex: null, runFraction: 0, imagesPerSecond: 0,
  fromScratchInputSize: null, epochs: null, startedAt: null, runInfo: null, adopting: null, adopted: null, error: null,
};

/** Bytes of weights the worker keeps for the comparison's runs. */
export const keptBytes = (results: readonly (CompareRunResult | null)[]): number =>
  results.reduce((n, r) => n + (r?.keptBytes ?? 0), 0);

/** Share of the whole comparison done: finished runs plus the fraction of the one in progress. */
export function overallProgress(s: Pick<CompareState, 'results' | 'runningIndex' | 'runFraction'>): number {
  const ended = s.results.filter((r) => r !== null).length;
  const inRun = s.runningIndex !== null && s.results[s.runningIndex] === null ? s.runFraction : 0;
  return Math.min(1, (ended + inRun) / COMPARE_RUN_IDS.length);
}

/** Whether the run made the current model last is still the current model (no training or import since). */
export function isAdoptedCurrent(adopted: CompareState['adopted'], id: CompareRunId, currentCreatedAt: string | undefined): boolean {
  return adopted !== null && adopted.id === id && adopted.createdAt === currentCreatedAt;
}

export const compareRunIndex = (id: CompareRunId): number => COMPARE_RUN_IDS.indexOf(id);

export const useCompareStore = create<CompareState & CompareActions>()((set, get) => ({
  ...initialCompareState,
  setFromScratchInputSize: (fromScratchInputSize) => set({ fromScratchInputSize }),
  setEpochs: (epochs) => set({ epochs }),
  start: async () => {
    const s = get();
    if (s.status === 'running' || s.status === 'cancelling') return;
    const request = currentTrainRequest(useTrainingStore.getState().form);
    if (s.epochs !== null) request.config = { ...request.config, epochs: s.epochs };
    const startedAt = Date.now();
    set({
      ...initialCompareState, fromScratchInputSize: s.fromScratchInputSize, epochs: s.epochs, status: 'running', startedAt,
      runInfo: runInfoOf(request, startedAt),
    });
    try {
      const results = await foveaWorker().compareAll(
        { ...request, ...(s.fromScratchInputSize ? { fromScratchInputSize: s.fromScratchInputSize } : {}) },
        Comlink.proxy((e: CompareEvent) => get().onEvent(e)),
      );
      set({ results, status: 'done', runningIndex: null });
    } catch (e) {
      set({ status: 'failed', error: toUserError(e), runningIndex: null });
    }
  },
  cancel: async () => {
    if (get().status !== 'running') return;
    set({ status: 'cancelling' });
    await foveaWorker().cancel();
  },
  makeCurrent: async (id) => {
    const s = get();
    if (s.adopting || s.status === 'running' || s.status === 'cancelling' || !s.runInfo) return;
    if (isActive(useTrainingStore.getState().status)) return;
    set({ adopting: id, error: null });
    try {
      const result = await foveaWorker().makeComparedRunCurrent(id);
      useTrainingStore.getState().finishRun({ ...s.runInfo, startedAt: Date.now() }, result);
      set({ adopting: null, adopted: { id, createdAt: result.model.manifest.createdAt } });
    } catch (e) {
      set({ adopting: null, error: toUserError(e) });
    }
  },
  clear: async () => {
    const s = get();
    if (s.status === 'running' || s.status === 'cancelling' || s.adopting) return;
    set({ ...initialCompareState, fromScratchInputSize: s.fromScratchInputSize, epochs: s.epochs });
    try {
      await foveaWorker().clearComparison();
    } catch {
      // Nothing to show: the next comparison drops the kept runs anyway.
    }
  },
  onEvent: (e) => {
    switch (e.type) {
      case 'run-start':
        set({ runningIndex: e.index, runFraction: 0, imagesPerSecond: 0 });
        return;
      case 'run-progress':
        set({ runningIndex: e.index, runFraction: e.fraction, imagesPerSecond: e.imagesPerSecond });
        return;
      case 'run-end':
        set((st) => ({ results: st.results.map((r, i) => (i === e.index ? e.result : r)) }));
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
  reset: () => set(initialCompareState),
}));
