/**
 * App-wide state: which screen is open, which compute backend the worker found, whether the pretrained
 * model is loaded, and a lost GPU device. A plain store: session.ts starts the worker and fills it in.
 */
import { create } from 'zustand';
import type { BackendInfo, BackendPreference, PreferenceSource } from '../worker/protocol';
import type { UserError } from './errors';

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
  /** The backend the user asked for ('auto': the evidence decides), and where that came from. */
  backendPreference: BackendPreference;
  backendPreferenceSource: PreferenceSource;
  /** The worker is choosing and starting a backend for a new preference. */
  backendSwitching: boolean;
  /** Why the last change of backend failed, in plain words (the previous backend keeps running). */
  backendSwitchError: UserError | null;
}

export interface AppActions {
  setTab(tab: TabId): void;
  /** The worker is starting its backend and loading the pretrained GoogLeNet. */
  modelLoading(): void;
  /** The worker is ready on `backend`. */
  modelReady(backend: BackendInfo): void;
  /** The worker could not start (no backend, model files missing). */
  modelFailed(error: UserError): void;
  setDeviceLost(message: string | null): void;
  /** The worker's backend after a restart that followed a lost device. */
  setBackendRestarted(backend: BackendInfo): void;
  /** The preference the worker starts (or started) with. */
  setBackendPreference(preference: BackendPreference, source: PreferenceSource): void;
  /** The user chose another backend: the worker is switching. */
  backendSwitchStarted(preference: BackendPreference): void;
  backendSwitched(backend: BackendInfo): void;
  backendSwitchFailed(error: UserError): void;
  /** GoogLeNet images/s measured on the running backend. */
  backendMeasured(imagesPerSecond: number): void;
  reset(): void;
}

export const initialAppState: AppState = {
  tab: 'dataset',
  backend: null,
  modelStatus: 'idle',
  initError: null,
  deviceLost: null,
  backendRestarted: false,
  backendPreference: 'auto',
  backendPreferenceSource: 'settings',
  backendSwitching: false,
  backendSwitchError: null,
};

export const useAppStore = create<AppState & AppActions>()((set) => ({
  ...initialAppState,
  setTab: (tab) => set({ tab }),
  modelLoading: () => set({ modelStatus: 'loading', initError: null }),
  modelReady: (backend) => set({ backend, modelStatus: 'ready' }),
  modelFailed: (initError) => set({ modelStatus: 'failed', initError }),
  setDeviceLost: (deviceLost) => set({ deviceLost, backendRestarted: false }),
  setBackendRestarted: (backend) => set({ backend, backendRestarted: true }),
  setBackendPreference: (backendPreference, backendPreferenceSource) => set({ backendPreference, backendPreferenceSource }),
  backendSwitchStarted: (backendPreference) => set({
    backendPreference, backendPreferenceSource: 'settings', backendSwitching: true, backendSwitchError: null,
  }),
  backendSwitched: (backend) => set({ backend, backendSwitching: false }),
  backendSwitchFailed: (backendSwitchError) => set({ backendSwitching: false, backendSwitchError }),
  backendMeasured: (imagesPerSecond) => set((s) => (s.backend ? { backend: { ...s.backend, imagesPerSecond } } : {})),
  reset: () => set(initialAppState),
}));
