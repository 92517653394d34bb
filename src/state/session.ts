/**
 * Start-up wiring above the stores: starts the training worker (backend + pretrained GoogLeNet) and routes
 * its events to the stores that show them; changes the compute backend when the user chooses another one.
 * The stores themselves stay plain and never start anything.
 */
import { isBackendPreference, type BackendPreference } from '../core/backend/choice';
import { eventSink, foveaWorker } from '../worker/client';
import type { BackendInfo, BackendRequest } from '../worker/protocol';
import { useAppStore } from './app';
import { toUserError } from './errors';
import { projectStorage, selectProject } from './project-storage';
import { activeProjectId } from './projects';
import { handleWorkerEvent } from './worker-events';
import { forgetProbeRecord, loadProbeRecord, rememberProbes } from './probe-store';

/** The pretrained model, served from public/ under the app's base path. */
export const PRETRAINED_MODEL_URL = `${import.meta.env.BASE_URL}models/googlenet/model.json`;

/**
 * `?backend=webgpu|webgl|wasm|auto` overrides the project's setting for this page (tests, support); `?threads=n`
 * sets the WebAssembly backend's thread count (for measurements). Null when the address sets no backend.
 */
export function backendRequestFromAddress(search: string): BackendRequest | null {
  const params = new URLSearchParams(search);
  const preference = params.get('backend');
  if (!isBackendPreference(preference)) return null;
  const threads = Number(params.get('threads'));
  return { preference, source: 'url', ...(Number.isInteger(threads) && threads >= 1 ? { wasmThreads: threads } : {}) };
}

/** `?probe=1`: time the candidate backends even where the browser's facts settle the choice (support, tests). */
export function probeAlwaysFromAddress(search: string): boolean {
  return new URLSearchParams(search).get('probe') === '1';
}

/** The address's override, else the project's saved preference, else 'auto'; with `?probe=1` if the address says so. */
async function startingBackendRequest(): Promise<BackendRequest> {
  const search = globalThis.location?.search ?? '';
  const probe = probeAlwaysFromAddress(search) ? { probeAlways: true } : {};
  const fromAddress = backendRequestFromAddress(search);
  if (fromAddress) return { ...fromAddress, ...probe };
  try {
    selectProject(activeProjectId());
    return { preference: (await projectStorage().loadBackendPreference()) ?? 'auto', source: 'settings', ...probe };
  } catch {
    return { preference: 'auto', source: 'settings', ...probe };
  }
}

/**
 * The badge shows a measured speed: a probe's when the choice ran one, else a short timing in the background on
 * WebAssembly (about a second there). Not on a GPU: compiling its kernels would cost a GPU user seconds at start.
 */
function measureInBackground(info: BackendInfo): void {
  if (info.backend !== 'wasm' || info.imagesPerSecond !== undefined) return;
  foveaWorker().measureSpeed()
    .then((imagesPerSecond) => {
      if (imagesPerSecond !== null && useAppStore.getState().backend?.backend === info.backend) useAppStore.getState().backendMeasured(imagesPerSecond);
    })
    .catch(() => undefined);
}

/** Starts the worker, picks the backend and loads the pretrained GoogLeNet. Safe to call more than once. */
export async function startWorker(): Promise<void> {
  const app = useAppStore.getState();
  if (app.modelStatus === 'loading' || app.modelStatus === 'ready') return;
  app.modelLoading();
  try {
    const request = await startingBackendRequest();
    useAppStore.getState().setBackendPreference(request.preference, request.source);
    // The worker resolves relative URLs against its own script; give it an absolute one.
    const modelUrl = new URL(PRETRAINED_MODEL_URL, window.location.href).href;
    const info = await foveaWorker().init(eventSink(handleWorkerEvent), modelUrl, { ...request, knownProbes: loadProbeRecord() });
    rememberProbes(info);
    useAppStore.getState().modelReady(info);
    measureInBackground(info);
  } catch (e) {
    useAppStore.getState().modelFailed(toUserError(e));
  }
}

/**
 * The user chose another backend: saved in the project's settings, and the worker switches now (the current
 * model's weights move with it; the dataset and finished runs are untouched).
 */
export async function changeBackendPreference(preference: BackendPreference): Promise<void> {
  const app = useAppStore.getState();
  if (app.backendSwitching || app.modelStatus !== 'ready') return;
  app.backendSwitchStarted(preference);
  // Saving may fail (private mode, quota): the switch still applies to this session.
  await projectStorage().saveBackendPreference(preference).catch(() => undefined);
  try {
    const info = await foveaWorker().setBackendPreference({ preference, source: 'settings', knownProbes: loadProbeRecord() });
    rememberProbes(info);
    useAppStore.getState().backendSwitched(info);
    measureInBackground(info);
  } catch (e) {
    useAppStore.getState().backendSwitchFailed(toUserError(e));
  }
}

/**
 * Drops the probe timings kept from an earlier visit and chooses the backend again with the saved preference, probing
 * afresh where the facts do not settle it (the badge's "Measure again").
 */
export async function measureBackendAgain(): Promise<void> {
  forgetProbeRecord();
  const app = useAppStore.getState();
  if (app.backendSwitching || app.modelStatus !== 'ready') return;
  const { backendPreference: preference, backendPreferenceSource: source } = app;
  app.backendSwitchStarted(preference);
  try {
    const probe = probeAlwaysFromAddress(globalThis.location?.search ?? '') ? { probeAlways: true } : {};
    const info = await foveaWorker().setBackendPreference({ preference, source, ...probe });
    rememberProbes(info);
    useAppStore.getState().backendSwitched(info);
    measureInBackground(info);
  } catch (e) {
    useAppStore.getState().backendSwitchFailed(toUserError(e));
  }
}
