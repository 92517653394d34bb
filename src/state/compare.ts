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
import { currentTrainRequest, useTrainingStore } from './training';

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
  error: UserError | null;
}

export interface CompareActions {
  setFromScratchInputSize(size: number | null): void;
  setEpochs(epochs: number | null): void;
  start(): Promise<void>;
  cancel(): Promise<void>;
  onEvent(e: CompareEvent): void;
  reset(): void;
}

export const initialCompareState: CompareState = {
  status: 'idle', results: COMPARE_RUN_IDS.map(() => null), runningIndex: null, runFraction: 0, imagesPerSecond: 0,
  fromScratchInputSize: null, epochs: null, startedAt: null, error: null,
};

/** Share of the whole comparison done: finished runs plus the fraction of the one in progress. */
export function overallProgress(s: Pick<CompareState, 'results' | 'runningIndex' | 'runFraction'>): number {
  const ended = s.results.filter((r) => r !== null).length;
  const inRun = s.runningIndex !== null && s.results[s.runningIndex] === null ? s.runFraction : 0;
  return Math.min(1, (ended + inRun) / COMPARE_RUN_IDS.length);
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
    set({ ...initialCompareState, fromScratchInputSize: s.fromScratchInputSize, epochs: s.epochs, status: 'running', startedAt: Date.now() });
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
