import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useModelStore } from '../../state/model';
import type { ImagePrediction, ScreeningDecision } from '../../worker/protocol';
import { DropZone } from './DropZone';
import { ErrorBanner } from './Banner';
import { Spinner } from './ProgressBar';
import { percent } from './format';
import { useInsightStore } from '../../state/insight';
import { GradCamPanel } from './GradCamOverlay';

/** "Drop a new image to get a prediction": works with the trained or the imported model. */
export function PredictPanel({ hasModel }: { hasModel: boolean }) {
  const inputId = useId();
  const { prediction, busy, error, predict, dismissErrors } = useModelStore(
    useShallow((s) => ({
      prediction: s.prediction,
      busy: s.predictStatus === 'busy',
      error: s.predictError,
      predict: s.predict,
      dismissErrors: s.dismissErrors,
    })),
  );

  const openGradCam = useInsightStore((s) => s.open);
  /** The file dropped here, for Grad-CAM (its object URL cannot be fetched back under the CSP). */
  const [lastFile, setLastFile] = useState<File | null>(null);
  const gradCamOpen = useInsightStore((s) => s.target?.kind === 'url' && s.target.url === prediction?.imageUrl);

  const run = (file: File | undefined | null) => {
    if (!file) return;
    setLastFile(file);
    void predict(file);
  };

  return (
    <div className="predict">
      <DropZone
        testId="predict-dropzone"
        label="Drop an image to get a prediction"
        className="dropzone-compact"
        onDrop={(dt) => run(dt.files[0])}
      >
        <p className="dropzone-title">Drop a new image to get a prediction</p>
        <p className="muted small">
          {hasModel ? 'The image stays on this computer; it is not added to the dataset.' : 'Train a model or import a model package first.'}
        </p>
        <input
          id={inputId}
          className="visually-hidden"
          type="file"
          accept="image/*"
          onChange={(e) => {
            run(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
        <label htmlFor={inputId} className="button secondary">Choose an image…</label>
        {busy && <p className="muted small"><Spinner /> Predicting…</p>}
      </DropZone>

      {error && <ErrorBanner error={error} onDismiss={dismissErrors} />}

      {prediction && (
        <div className="prediction" data-testid="prediction-result" aria-live="polite">
          <img src={prediction.imageUrl} alt={`The image ${prediction.fileName}`} className="prediction-image" />
          <div className="prediction-body">
            <p className="prediction-file muted small">{prediction.fileName}</p>
            <p className="prediction-top">
              {prediction.result.classNames[prediction.result.predictedClass]}
              <span className="muted"> · {percent(prediction.result.probs[prediction.result.predictedClass])}</span>
            </p>
            <ul className="prob-bars" aria-label="Probability of each class">
              {prediction.result.classNames.map((name, i) => (
                <li key={name} className={i === prediction.result.predictedClass ? 'top' : undefined}>
                  <span className="prob-name">{name}</span>
                  <span className="prob-track" aria-hidden="true">
                    <span className="prob-fill" style={{ width: `${(prediction.result.probs[i] ?? 0) * 100}%` }} />
                  </span>
                  <span className="prob-value">{percent(prediction.result.probs[i])}</span>
                </li>
              ))}
            </ul>
            <p className="muted small" data-testid="prediction-method">{methodNote(prediction.result)}</p>
            {!gradCamOpen && lastFile?.name === prediction.fileName && (
              <button type="button" className="button secondary small" data-testid="prediction-gradcam"
                onClick={() => void openGradCam({ kind: 'url', url: prediction.imageUrl, file: lastFile })}>
                What did it look at? (Grad-CAM)
              </button>
            )}
            {prediction.result.screening && prediction.result.screening.length > 0 && (
              <ul className="screening-decisions" data-testid="screening-decision" aria-label="Screening decisions" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                {prediction.result.screening.map((d) => <li key={d.id}><ScreeningLine decision={d} /></li>)}
              </ul>
            )}
          </div>
        </div>
      )}
      {prediction && gradCamOpen && <GradCamPanel />}
    </div>
  );
}

/** "Refer: score 0.71 ≥ threshold 0.34 (chosen for 90% sensitivity on validation)". */
function ScreeningLine({ decision: d }: { decision: ScreeningDecision }) {
  const chosen = `chosen for ${Math.round(d.targetSensitivity * 100)}% sensitivity on validation`;
  // Enough digits that the two numbers differ when they are close.
  const digits = d.score.toFixed(2) === d.threshold.toFixed(2) ? 4 : 2;
  return (
    <>
      <span className="screening-title">{d.title}</span>{' — '}
      <strong className={d.positive ? 'screening-refer' : 'screening-clear'}>{d.positive ? 'Refer' : 'No referral'}</strong>
      {`: score ${d.score.toFixed(digits)} ${d.positive ? '≥' : '<'} threshold ${d.threshold.toFixed(digits)} (${chosen})`}
    </>
  );
}

/** How the probabilities were made, in one line. */
function methodNote(r: ImagePrediction): string {
  const parts = [r.rotations > 1 ? `averaged over ${r.rotations} rotations` : 'one pass'];
  parts.push(r.calibrated ? 'calibrated with the temperature fitted on validation' : 'not calibrated');
  return `Probabilities ${parts.join(', ')}.`;
}
