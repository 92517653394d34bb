/// <reference types="vite-plugin-pwa/react" />
// Registers the offline service worker (vite.config.ts, built app only: in the dev server the hook does nothing)
// and says when a new version of Fovea has been downloaded. The new version waits until the user reloads, so a
// running training is never swapped out from under itself.
import { useRef, useState } from 'react';
import { useRegisterSW } from 'virtual:pwa-register/react';
import { isActive, useTrainingStore } from '../../state/training';
import { Banner } from './Banner';

export function UpdateBanner() {
  const reloading = useRef(false);
  // Another tab took the update: this page still runs the previous version until it reloads.
  const [updatedElsewhere, setUpdatedElsewhere] = useState(false);
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    // Called once the new version controls this page: reload if the user asked here, else only say so.
    onNeedReload() {
      if (reloading.current) window.location.reload();
      else setUpdatedElsewhere(true);
    },
    onRegisterError(error: unknown) {
      console.warn(`Offline use is not available: the service worker did not register (${String(error)}).`);
    },
  });
  const training = useTrainingStore((s) => isActive(s.status));
  if (!needRefresh && !updatedElsewhere) return null;

  const reload = () => {
    if (updatedElsewhere) {
      window.location.reload();
      return;
    }
    reloading.current = true;
    void updateServiceWorker(true);
  };
  return (
    <div className="update-banner">
      <Banner
        tone="info"
        testId="update-banner"
        title="A new version of Fovea is ready"
        onDismiss={() => { setNeedRefresh(false); setUpdatedElsewhere(false); }}
        dismissLabel="Later"
        actions={
          <button type="button" className="button primary small" data-testid="update-reload" onClick={reload}>
            Reload to use it
          </button>
        }
      >
        <p className="muted">
          {training
            ? 'A training is running: reloading now stops it (it can resume from its last completed epoch). Better to let it finish; the new version waits.'
            : 'Your projects, images and runs are kept. The new version stays waiting until you reload.'}
        </p>
      </Banner>
    </div>
  );
}
