import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../state/app';
import { Banner, ErrorBanner } from './Banner';
import { Spinner } from './ProgressBar';

const BACKEND_LABEL = { webgpu: 'WebGPU', webgl: 'WebGL (fallback)', cpu: 'CPU (slow)' } as const;

/** Header badge: which compute backend trains, and whether the pretrained model is loaded. */
export function BackendBadge() {
  const { backend, modelStatus } = useAppStore(useShallow((s) => ({ backend: s.backend, modelStatus: s.modelStatus })));
  let text: string;
  let tone: string;
  if (modelStatus === 'loading' || modelStatus === 'idle') {
    text = 'Loading GoogLeNet…';
    tone = 'loading';
  } else if (modelStatus === 'failed' || !backend) {
    text = 'No GPU backend';
    tone = 'error';
  } else {
    text = BACKEND_LABEL[backend.backend];
    tone = backend.backend === 'webgpu' ? 'ok' : 'warning';
  }
  return (
    <div className={`backend-badge backend-${tone}`} data-testid="backend-badge" title={backend?.adapter ?? undefined} aria-live="polite">
      {tone === 'loading' ? <Spinner /> : <span className="dot" aria-hidden="true" />}
      <span>{text}</span>
      {backend?.adapter && tone !== 'loading' && <span className="badge-detail">{backend.adapter}</span>}
    </div>
  );
}

/** The backend notice (fallback, failure) and a lost GPU device, as banners under the header. */
export function BackendMessages() {
  const { backend, initError, deviceLost, setDeviceLost, init, modelStatus } = useAppStore(
    useShallow((s) => ({
      backend: s.backend, initError: s.initError, deviceLost: s.deviceLost, setDeviceLost: s.setDeviceLost,
      init: s.init, modelStatus: s.modelStatus,
    })),
  );
  return (
    <div className="app-messages">
      {initError && (
        <div data-testid="backend-notice">
          <ErrorBanner
            error={initError}
            title={initError.name === 'NoBackendError' ? 'This browser cannot train here: no GPU backend is available.' : 'The pretrained model could not be loaded.'}
          />
          {modelStatus === 'failed' && (
            <p className="retry"><button type="button" className="button secondary" onClick={() => void init()}>Try again</button></p>
          )}
        </div>
      )}
      {!initError && backend?.notice && (
        <Banner tone="warning" testId="backend-notice" title={backend.backend === 'webgl' ? 'WebGPU is not available: training uses WebGL instead.' : 'Training runs on the CPU.'}>
          <p>{backend.notice}</p>
          <p className="muted">Everything else works the same; your dataset and results are not affected.</p>
        </Banner>
      )}
      {deviceLost && (
        <Banner tone="error" title="The GPU stopped responding." onDismiss={() => setDeviceLost(null)}>
          <p>{deviceLost}</p>
          <p className="muted">This usually means it ran out of memory. Start training again with a smaller batch size or input size; if that fails too, reload the page. Models you exported are safe.</p>
        </Banner>
      )}
    </div>
  );
}
