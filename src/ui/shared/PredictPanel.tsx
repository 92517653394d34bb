import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useModelStore } from '../../state/model';
import { DropZone } from './DropZone';
import { ErrorBanner } from './Banner';
import { Spinner } from './ProgressBar';
import { percent } from './format';

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

  const run = (file: File | undefined | null) => {
    if (file) void predict(file);
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
          </div>
        </div>
      )}
    </div>
  );
}
