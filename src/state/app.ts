/**
 * App-wide state: which screen is open, which compute backend the worker found, whether the pretrained
 * model is loaded, and a lost GPU device. Plain data only; the worker itself lives in worker/client.
 */
import { create } from 'zustand';
import type { BackendInfo } from '../worker/protocol';
import { foveaWorker, eventSink } from '../worker/client';
import { handleWorkerEvent } from './worker-events';
import { toUserError, type UserError } from './errors';

export const TABS = ['learn', 'dataset', 'train', 'evaluate', 'export'] as const;
export type TabId = (typeof TABS)[number];

export type ModelLoadStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface AppState {
  tab: TabId;
  backend: BackendInfo | null;
  modelStatus: ModelLoadStatus;
  /** Why the worker could not start (no GPU backend, model files missing…). */
  initError: UserError | null;
  /** Set when the GPU device was lost (usually out of memory); training must be restarted. */
  deviceLost: string | null;
  /** Whether the worker has started its backend again since the device was lost (no reload needed). */
  backendRestarted: boolean;
}

export interface AppActions {
  setTab(tab: TabId): void;
  /** Starts the worker, picks the backend and loads the pretrained GoogLeNet. Safe to call more than once. */
  init(): Promise<void>;
  setDeviceLost(message: string | null): void;
  /** The worker's backend after a restart that followed a lost device. */
  setBackendRestarted(backend: BackendInfo): void;
  reset(): void;
}

export const initialAppState: AppState = {
  tab: 'dataset',
  backend: null,
  modelStatus: 'idle',
  initError: null,
  deviceLost: null,
  backendRestarted: false,
};

/** The pretrained model, served from public/ under the app's base path. */
export const PRETRAINED_MODEL_URL = `${import.meta.env.BASE_URL}models/googlenet/model.json`;

export const useAppStore = create<AppState & AppActions>()((set, get) => ({
  ...initialAppState,
  setTab: (tab) => set({ tab }),
  init: async () => {
    const status = get().modelStatus;
    if (status === 'loading' || status === 'ready') return;
    set({ modelStatus: 'loading', initError: null });
    try {
      // The worker resolves relative URLs against its own script; give it an absolute one.
      const modelUrl = new URL(PRETRAINED_MODEL_URL, window.location.href).href;
      const backend = await foveaWorker().init(eventSink(handleWorkerEvent), modelUrl);
      set({ backend, modelStatus: 'ready' });
    } catch (e) {
      set({ modelStatus: 'failed', initError: toUserError(e) });
    }
  },
  setDeviceLost: (deviceLost) => set({ deviceLost, backendRestarted: false }),
  setBackendRestarted: (backend) => set({ backend, backendRestarted: true }),
  reset: () => set(initialAppState),
}));
