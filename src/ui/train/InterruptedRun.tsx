import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../state/app';
import { useDatasetStore } from '../../state/dataset';
import { discardInterrupted, resumeInterrupted } from '../../state/saved-runs';
import { isActive, useTrainingStore } from '../../state/training';
import { Banner } from '../shared/Banner';

const WHY: Record<'reload' | 'device-lost' | 'failed', string> = {
  reload: 'The page was closed or reloaded while it trained.',
  'device-lost': 'The GPU stopped responding while it trained.',
  failed: 'It stopped because of an error.',
};

/** A run that stopped before its end, saved at its last epoch: Resume continues it there, Discard drops it. */
export function InterruptedRun() {
  const { interrupted, active, storageProblem } = useTrainingStore(
    useShallow((s) => ({ interrupted: s.interrupted, active: isActive(s.status), storageProblem: s.storageProblem })),
  );
  const loading = useDatasetStore((s) => s.progress !== null);
  const ready = useAppStore((s) => s.modelStatus === 'ready');
  const [busy, setBusy] = useState(false);
  const dismissStorage = () => useTrainingStore.setState({ storageProblem: null });
  return (
    <>
      {storageProblem && (
        <Banner tone="warning" testId="run-storage-problem" title="Not everything could be saved" onDismiss={dismissStorage}>
          <p>{storageProblem}</p>
        </Banner>
      )}
      {interrupted && !active && (
        <Banner
          tone="info"
          testId="interrupted-run"
          title={`A training run stopped after epoch ${interrupted.epochsDone} of ${interrupted.epochs}.`}
          actions={(
            <>
              <button
                type="button"
                className="button primary"
                data-testid="resume-interrupted"
                disabled={busy || loading || !ready}
                title={loading ? 'Wait until the images are loaded.' : !ready ? 'Wait until the pretrained model is loaded.' : undefined}
                onClick={() => { setBusy(true); void resumeInterrupted().finally(() => setBusy(false)); }}
              >
                Resume from epoch {interrupted.epochsDone + 1}
              </button>
              {interrupted.reason === 'device-lost' && interrupted.batchSize > 1 && (
                <button
                  type="button"
                  className="button secondary"
                  data-testid="resume-smaller-batch"
                  disabled={busy || loading || !ready}
                  onClick={() => { setBusy(true); void resumeInterrupted(undefined, Math.floor(interrupted.batchSize / 2)).finally(() => setBusy(false)); }}
                >
                  Resume with batch size {Math.floor(interrupted.batchSize / 2)}
                </button>
              )}
              <button type="button" className="button secondary" data-testid="discard-interrupted" disabled={busy} onClick={() => void discardInterrupted()}>
                Discard
              </button>
            </>
          )}
        >
          <p>
            {WHY[interrupted.reason]} Its weights, optimiser and curves were saved at the end of epoch {interrupted.epochsDone}
            {' '}({new Date(interrupted.savedAt).toLocaleString()}); resuming continues exactly where it stopped, with the same settings and images.
          </p>
          {interrupted.reason === 'device-lost' && interrupted.batchSize > 1 && (
            <p className="muted">
              A GPU usually stops like this when it runs out of memory: batch size {interrupted.batchSize} may not fit. Resuming at
              {' '}{Math.floor(interrupted.batchSize / 2)} needs about half the memory for the activations; it visits the same images in the same
              order, in smaller steps.
            </p>
          )}
        </Banner>
      )}
    </>
  );
}
