import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../state/app';
import { startWorker } from '../../state/session';
import type { BackendInfo } from '../../worker/protocol';
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

const NOTICE_TITLE: Record<BackendInfo['backend'], string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGPU is not available: training uses WebGL instead.',
  wasm: 'No usable GPU: Fovea runs on the CPU (WebAssembly). Only scenarios 1 and 3 can train here.',
  cpu: 'No usable GPU: Fovea runs on the CPU, very slowly. Only scenarios 1 and 3 can train here.',
};

/** Header badge: which compute backend trains, and whether the pretrained model is loaded. */
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
  return (
    <div className={`backend-badge backend-${tone}`} data-testid="backend-badge" title={detail ?? undefined} aria-live="polite">
      {tone === 'loading' ? <Spinner /> : <span className="dot" aria-hidden="true" />}
      <span>{text}</span>
      {detail && tone !== 'loading' && <span className="badge-detail">{detail}</span>}
    </div>
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
        <Banner tone="warning" testId="backend-notice" title={NOTICE_TITLE[backend.backend]}>
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
