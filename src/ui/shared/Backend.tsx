import { useShallow } from 'zustand/react/shallow';
import {
  BACKEND_PREFERENCES, BACKEND_TITLES, describeAdapter, formatImagesPerSecond, gpuKindOfAdapter, gpuKindOfRenderer,
  type BackendPreference, type GpuKind,
} from '../../core/backend/choice';
import { PROBE_RECORD_MAX_AGE_DAYS } from '../../core/backend/probe-record';
import { useAppStore } from '../../state/app';
import { changeBackendPreference, measureBackendAgain, startWorker } from '../../state/session';
import { isActive, useTrainingStore } from '../../state/training';
import type { BackendChoice, BackendInfo } from '../../worker/protocol';
import { Banner, ErrorBanner } from './Banner';
import { Spinner } from './ProgressBar';

/** The badge's name for a backend: "CPU (WebAssembly, SIMD, 4 threads)" says how the CPU fallback runs. */
export function backendLabel(info: BackendInfo): string {
  switch (info.backend) {
    case 'webgpu': return 'WebGPU';
    case 'webgl': return 'WebGL (fallback)';
    case 'wasm': {
      const how = info.wasm ? [info.wasm.simd ? 'SIMD' : null, info.wasm.threads === 1 ? '1 thread' : `${info.wasm.threads} threads`] : [];
      return `CPU (${['WebAssembly', ...how].filter(Boolean).join(', ')})`;
    }
    case 'cpu': return 'CPU (very slow)';
  }
}

const CPU_MEANING = 'slower: predictions and scenarios 1 and 3 (frozen backbone) only';

const PREFERENCE_LABEL: Record<BackendPreference, string> = {
  auto: 'Auto (Fovea measures and decides)', webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly (CPU)',
};

/** The banner's title: what runs, and (on the CPU backends) what that means, from what the backend can train. */
function noticeTitle(info: BackendInfo): string {
  const chosen = info.choice && info.choice.preference === info.backend;
  const only = info.trainsConvolutions ? '' : ' Only scenarios 1 and 3 can train here.';
  switch (info.backend) {
    case 'webgpu': return 'WebGPU';
    case 'webgl': return chosen ? 'Training uses WebGL, as chosen.' : 'WebGPU is not available: training uses WebGL instead.';
    case 'wasm': return `${chosen ? 'Fovea runs on the CPU (WebAssembly), as chosen.' : 'No usable GPU: Fovea runs on the CPU (WebAssembly).'}${only}`;
    case 'cpu': return `No usable GPU: Fovea runs on the CPU, very slowly.${only}`;
  }
}

const KIND_WORDS: Record<GpuKind, string> = { hardware: 'hardware GPU', software: 'software, computes on the CPU', unknown: 'does not say what it runs on' };

/** The evidence behind the choice, one line per fact, for the badge's details. */
export function evidenceLines(info: BackendInfo): string[] {
  const choice: BackendChoice | undefined = info.choice;
  if (!choice) return [];
  const { facts } = choice;
  const lines: string[] = [];
  if (facts.webgpu) {
    const fallback = facts.webgpu.isFallbackAdapter ? ', fallback adapter' : '';
    lines.push(`WebGPU adapter: ${describeAdapter(facts.webgpu) || 'no info'} (${KIND_WORDS[gpuKindOfAdapter(facts.webgpu)]}${fallback})`);
  } else {
    lines.push(`WebGPU: none (${facts.webgpuMissing ?? 'no adapter'})`);
  }
  if (facts.webglRenderer !== null) {
    lines.push(`WebGL renderer: ${facts.webglRenderer || 'hidden by the browser'} (${KIND_WORDS[gpuKindOfRenderer(facts.webglRenderer)]})`);
  } else {
    lines.push(`WebGL: none (${facts.webglMissing ?? 'no context'})`);
  }
  for (const [name, why] of Object.entries(facts.failed ?? {})) {
    lines.push(`${BACKEND_TITLES[name as keyof typeof BACKEND_TITLES]} failed to start: ${why}`);
  }
  if (choice.probes) {
    const timings = choice.probes.map((p) => `${BACKEND_TITLES[p.backend]} ${p.imagesPerSecond === null ? `failed (${p.error ?? '?'})` : `${formatImagesPerSecond(p.imagesPerSecond)} images/s`}`);
    lines.push(choice.probesReused && choice.probeRecord
      ? `Probe (GoogLeNet, 64 px, batch 2) kept from ${new Date(choice.probeRecord.measuredAt).toLocaleDateString()}: ${timings.join(', ')}; ` +
        `run again after ${PROBE_RECORD_MAX_AGE_DAYS} days or when the browser or GPU changes`
      : `Probe (GoogLeNet, 64 px, batch 2): ${timings.join(', ')}; it took ${choice.probeSeconds.toFixed(1)} s`);
  }
  if (info.wasm) lines.push(`WebAssembly: ${info.wasm.simd ? 'SIMD' : 'no SIMD'}, ${info.wasm.threads === 1 ? '1 thread' : `${info.wasm.threads} threads`}`);
  if (info.imagesPerSecond !== undefined) {
    lines.push(`Measured speed: ${formatImagesPerSecond(info.imagesPerSecond)} images/s (GoogLeNet inference, 64 px, batch 2)`);
  }
  return lines;
}

/** The user's choice of backend: saved with the project, applied at once by restarting the worker's backend. */
function BackendPreferenceSetting() {
  const { preference, source, switching, switchError, ready } = useAppStore(useShallow((s) => ({
    preference: s.backendPreference, source: s.backendPreferenceSource, switching: s.backendSwitching,
    switchError: s.backendSwitchError, ready: s.modelStatus === 'ready',
  })));
  const training = useTrainingStore((s) => isActive(s.status));
  return (
    <div className="backend-setting">
      <label>
        Compute backend{' '}
        <select
          data-testid="backend-preference" value={preference} disabled={switching || training || !ready}
          onChange={(e) => void changeBackendPreference(e.target.value as BackendPreference)}
        >
          {BACKEND_PREFERENCES.map((p) => <option key={p} value={p}>{PREFERENCE_LABEL[p]}</option>)}
        </select>
      </label>
      {switching && <span className="muted small" data-testid="backend-switching"> <Spinner /> Switching…</span>}
      {training && <p className="muted small">Change it when the training run has finished.</p>}
      {source === 'url' && !switching && (
        <p className="muted small">Set for this page by its address (?backend={preference}); a choice here is saved with the project.</p>
      )}
      {switchError && <p className="error small" data-testid="backend-switch-error">{switchError.message}</p>}
    </div>
  );
}

/**
 * Header badge: which compute backend runs, its measured speed, and whether the pretrained model is loaded. A click
 * opens why this backend was chosen (the evidence) and the setting that overrides the choice.
 */
export function BackendBadge() {
  const { backend, modelStatus } = useAppStore(useShallow((s) => ({ backend: s.backend, modelStatus: s.modelStatus })));
  let text: string;
  let tone: string;
  if (modelStatus === 'loading' || modelStatus === 'idle') {
    text = 'Loading GoogLeNet…';
    tone = 'loading';
  } else if (modelStatus === 'failed' || !backend) {
    text = 'No compute backend';
    tone = 'error';
  } else {
    text = backendLabel(backend);
    tone = backend.backend === 'webgpu' ? 'ok' : 'warning';
  }
  // On the CPU backends the detail says what that means; on a GPU, which adapter.
  const detail = backend && !backend.trainsConvolutions ? CPU_MEANING : backend?.adapter;
  const speed = tone !== 'loading' && backend?.imagesPerSecond !== undefined ? `${formatImagesPerSecond(backend.imagesPerSecond)} images/s` : null;
  return (
    <details className="backend-choice" data-testid="backend-choice">
      <summary className={`backend-badge backend-${tone}`} data-testid="backend-badge" title="Why this backend? Click for the evidence and the setting" aria-live="polite">
        {tone === 'loading' ? <Spinner /> : <span className="dot" aria-hidden="true" />}
        <span>{text}</span>
        {speed && <span className="badge-speed" data-testid="backend-speed">{speed}</span>}
        {detail && tone !== 'loading' && <span className="badge-detail">{detail}</span>}
      </summary>
      <div className="backend-details" data-testid="backend-details">
        {backend?.choice && <p data-testid="backend-reason">{backend.choice.reason}</p>}
        {backend && (
          <ul className="small muted" data-testid="backend-evidence">
            {evidenceLines(backend).map((line) => <li key={line}>{line}</li>)}
          </ul>
        )}
        {backend?.choice?.probesReused && (
          <p className="small">
            <button type="button" className="button secondary" data-testid="backend-measure-again" disabled={modelStatus !== 'ready'} onClick={() => void measureBackendAgain()}>
              Measure again
            </button>
          </p>
        )}
        <BackendPreferenceSetting />
      </div>
    </details>
  );
}

/** The backend notice (fallback, failure) and a lost GPU device, as banners under the header. */
export function BackendMessages() {
  const { backend, initError, deviceLost, backendRestarted, setDeviceLost, modelStatus } = useAppStore(
    useShallow((s) => ({
      backend: s.backend, initError: s.initError, deviceLost: s.deviceLost, backendRestarted: s.backendRestarted,
      setDeviceLost: s.setDeviceLost,
      modelStatus: s.modelStatus,
    })),
  );
  return (
    <div className="app-messages">
      {initError && (
        <div data-testid="backend-notice">
          <ErrorBanner
            error={initError}
            title={initError.name === 'NoBackendError' ? 'This browser cannot run the network: no compute backend started.' : 'The pretrained model could not be loaded.'}
          />
          {modelStatus === 'failed' && (
            <p className="retry"><button type="button" className="button secondary" onClick={() => void startWorker()}>Try again</button></p>
          )}
        </div>
      )}
      {!initError && backend?.notice && (
        <Banner tone="warning" testId="backend-notice" title={noticeTitle(backend)}>
          <p>{backend.notice}</p>
          <p className="muted">Everything else works the same; your dataset and results are not affected.</p>
        </Banner>
      )}
      {deviceLost && (
        <Banner tone="error" testId="device-lost" title="The GPU stopped responding." onDismiss={() => setDeviceLost(null)}>
          <p>{deviceLost}</p>
          <p className="muted" data-testid="device-lost-recovery">
            {backendRestarted
              ? 'Fovea restarted the GPU; your dataset and finished runs are kept. An interrupted run resumes from its last completed epoch (Train screen); if the GPU ran out of memory, a smaller batch size or input size helps.'
              : 'Training stopped. Fovea is restarting the GPU; your dataset and finished runs are kept.'}
          </p>
        </Banner>
      )}
    </div>
  );
}
