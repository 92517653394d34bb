import { useShallow } from 'zustand/react/shallow';
import type { TrainPhase, TrainResult } from '../../worker/protocol';
import { useAppStore } from '../../state/app';
import { useDatasetStore } from '../../state/dataset';
import { useDerivedDataset } from '../../state/dataset-derive';
import { isActive, useTrainingStore, type FormProblem } from '../../state/training';
import { ErrorBanner, Banner } from '../shared/Banner';
import { ProgressBar, Spinner } from '../shared/ProgressBar';
import { duration, percent, plural } from '../shared/format';

const PHASE_TEXT: Record<TrainPhase, string> = {
  preparing: 'Preparing the network and the images…',
  'caching-features': 'Computing the frozen layers’ features once, so every epoch after is fast…',
  training: 'Training',
  validating: 'Measuring on the validation images…',
  paused: 'Paused. Resume to continue where it stopped.',
  done: 'Finishing…',
};

/** Start, pause, resume, cancel; phase, progress, speed and time left; errors and the finished run. */
export function TrainRun({ formProblem }: { formProblem: FormProblem | null }) {
  const derived = useDerivedDataset();
  const loading = useDatasetStore((s) => s.progress !== null);
  const { modelStatus } = useAppStore(useShallow((s) => ({ modelStatus: s.modelStatus })));
  const t = useTrainingStore(
    useShallow((s) => ({
      endedAt: s.endedAt, status: s.status, phase: s.phase, phaseMessage: s.phaseMessage, phaseProgress: s.phaseProgress, pausedFrom: s.pausedFrom, lastBatch: s.lastBatch, run: s.run,
      epochsDone: s.epochs.length, error: s.error, finished: s.finished, epochsPlanned: s.form.epochs,
      start: s.start, pause: s.pause, resume: s.resume, cancel: s.cancel, dismissError: s.dismissError,
    })),
  );
  const setTab = useAppStore((s) => s.setTab);
  const active = isActive(t.status);

  const reason = modelStatus === 'loading' || modelStatus === 'idle' ? 'The pretrained GoogLeNet is still loading.'
    : modelStatus === 'failed' ? 'The pretrained model could not be loaded (see the message at the top).'
    : loading ? 'Images are still being read.'
    : derived.blockingReason ? `${derived.blockingReason}`
    : formProblem ? formProblem.message
    : null;

  const b = t.lastBatch;
  const shownPhase = t.phase === 'paused' ? t.pausedFrom : t.phase;
  const caching = shownPhase === 'caching-features' && t.phaseProgress && t.phaseProgress.total > 0 ? t.phaseProgress : null;
  // Fitting the head to convergence counts its fits (each L2 strength on each inner fold, then the final one).
  const fitting = shownPhase === 'training' && t.phaseProgress && t.phaseProgress.total > 0 ? t.phaseProgress : null;
  let fraction: number | undefined;
  let detail: string | undefined;
  if (caching) {
    fraction = caching.done / caching.total;
    detail = `${caching.done} of ${caching.total}`;
  } else if (fitting) {
    fraction = fitting.done / fitting.total;
    detail = `fit ${fitting.done} of ${fitting.total}`;
  } else if (b) {
    fraction = (b.epoch + b.batch / Math.max(1, b.batches)) / Math.max(1, b.epochs);
    detail = `Epoch ${b.epoch + 1} of ${b.epochs} · batch ${b.batch} of ${b.batches} · ${b.imagesPerSecond < 10 ? b.imagesPerSecond.toFixed(1) : Math.round(b.imagesPerSecond)} images/s · about ${duration(b.etaSeconds)} left`;
  }
  const phaseText = t.status === 'cancelling' ? 'Cancelling…' : t.phase ? PHASE_TEXT[t.phase] : 'Starting…';
  const phaseNote = caching ? null : t.phaseMessage;

  return (
    <section className="panel run-panel" aria-labelledby="run-title">
      <h2 id="run-title" className="panel-title">Run</h2>
      <p className="run-data muted">
        {derived.items.length > 0
          ? `${plural(derived.trainCount, 'image')} to train on, ${plural(derived.valCount, 'image')} to validate on, ` +
            `${derived.testCount > 0 ? `${plural(derived.testCount, 'image')} held out for the test, ` : ''}${plural(derived.classNames.length, 'class', 'classes')}.`
          : 'No dataset yet.'}
      </p>
      <div className="button-row">
        {!active && (
          <button type="button" className="button primary" data-testid="start-training" disabled={reason !== null} onClick={() => void t.start()}>
            {t.finished || t.status === 'failed' ? 'Train again' : 'Start training'}
          </button>
        )}
        {active && t.status !== 'paused' && (
          <button
            type="button"
            className="button secondary"
            data-testid="pause-training"
            disabled={t.status === 'cancelling' || t.status === 'pausing'}
            onClick={() => void t.pause()}
          >
            {t.status === 'pausing' ? 'Pausing…' : 'Pause'}
          </button>
        )}
        {t.status === 'paused' && (
          <button type="button" className="button primary" data-testid="resume-training" onClick={() => void t.resume()}>Resume</button>
        )}
        {active && (
          <button type="button" className="button danger-ghost" data-testid="cancel-training" disabled={t.status === 'cancelling'} onClick={() => void t.cancel()}>
            Cancel
          </button>
        )}
      </div>
      {!active && reason && <p className="disabled-reason" data-testid="start-disabled-reason">{reason}</p>}

      {active && (
        <div className="run-progress" aria-live="polite">
          <p className="phase">
            {t.status !== 'paused' && <Spinner />} {phaseText}
            {phaseNote && <span className="muted"> — {phaseNote}</span>}
          </p>
          <ProgressBar testId="train-progress" label={caching ? 'Computing features' : 'Training progress'} value={fraction} detail={detail} />
        </div>
      )}
      {!active && t.run && (
        <ProgressBar
          testId="train-progress"
          label={t.status !== 'done' || !t.finished ? 'Stopped'
            : t.finished.result.stoppedBecause === 'cancelled' ? 'Cancelled'
            : t.finished.result.stoppedBecause === 'early-stopping' ? 'Stopped early' : 'Finished'}
          value={t.status === 'done' && t.finished?.result.stoppedBecause !== 'cancelled' ? 1 : fraction ?? 0}
          detail={`${plural(t.epochsDone, 'epoch')} in ${duration(((t.endedAt ?? t.run.startedAt) - t.run.startedAt) / 1000)}`}
        />
      )}

      {t.error && <ErrorBanner error={t.error} onDismiss={t.dismissError} testId="train-error" />}

      {!active && t.finished && t.status === 'done' && <FinishedSummary onEvaluate={() => setTab('evaluate')} onExport={() => setTab('export')} />}
      {!active && t.finished && t.status !== 'done' && (
        <Banner tone="info" title="Your last finished model is kept.">
          <p>It is still shown on the Evaluate screen and can be exported.</p>
        </Banner>
      )}
    </section>
  );
}

function FinishedSummary({ onEvaluate, onExport }: { onEvaluate: () => void; onExport: () => void }) {
  const { finished, bestEpoch, summary } = useTrainingStore(useShallow((s) => ({ finished: s.finished, bestEpoch: s.bestEpoch, summary: s.summary })));
  if (!finished) return null;
  const { result } = finished;
  const why = result.headFit ? 'The classifier is fitted to convergence.'
    : result.stoppedBecause === 'completed' ? `Completed ${plural(result.epochs.length, 'epoch')}.`
    : result.stoppedBecause === 'early-stopping' ? `Stopped early after epoch ${result.epochs.length}: the validation loss stopped improving.`
    : `Cancelled after ${plural(result.epochs.length, 'epoch')}.`;
  const test = summary?.test;
  return (
    <Banner
      tone="success"
      testId="train-finished"
      title={why}
      actions={<>
        <button type="button" className="button" onClick={onEvaluate}>See evaluation →</button>
        <button type="button" className="button secondary" onClick={onExport}>Export</button>
      </>}
    >
      {result.headFit && <HeadFitLine fit={result.headFit} />}
      <p>
        {result.headFit ? `Validation accuracy ${percent(result.report.accuracy)}, loss ${result.report.loss.toFixed(3)}.`
          : bestEpoch !== null ? `Best epoch ${bestEpoch + 1}: validation accuracy ${percent(result.report.accuracy)}, loss ${result.report.loss.toFixed(3)}. Its weights are kept.`
          : `Validation accuracy ${percent(result.report.accuracy)}.`}
      </p>
      <p data-testid="train-test-summary">
        {test
          ? `Test set (${plural(test.count, 'image')}, scored once with those weights): accuracy ${percent(test.accuracy.estimate)}` +
            `${test.binary.length > 0 ? `; ${test.binary.map((b) => `${b.title} sensitivity ${percent(b.operatingPoint.sensitivity.estimate)}, specificity ${percent(b.operatingPoint.specificity.estimate)}`).join('; ')}` : ''}.`
          : 'No test set was held out (Dataset screen, test share): the numbers are from validation, which also chose the epoch and the threshold.'}
      </p>
    </Banner>
  );
}

const lambdaText = (x: number) => Number(x.toPrecision(2)).toString();

/** What the head fit searched and what won, from the worker's numbers. */
function HeadFitLine({ fit }: { fit: NonNullable<TrainResult['headFit']> }) {
  const searched = `${fit.lambdas.length} values from ${lambdaText(fit.lambdas[0])} to ${lambdaText(fit.lambdas[fit.lambdas.length - 1])}`;
  const cv = fit.folds > 0
    ? `L2 chosen by ${fit.folds}-fold cross-validation: λ = ${lambdaText(fit.chosen)} (searched ${searched}; held-out loss ` +
      `${fit.cvLoss[fit.lambdas.indexOf(fit.chosen)].toFixed(3)} at the winner, ${Math.max(...fit.cvLoss).toFixed(3)} at the worst).`
    : `Too few patients to cross-validate: λ = ${lambdaText(fit.chosen)}, the middle of ${searched}.`;
  return (
    <p data-testid="head-fit-summary">
      {cv} Final fit: {plural(fit.iterations, 'L-BFGS iteration')}, gradient norm {fit.gradientNorm.toExponential(1)} ({duration(fit.seconds)}).
      {fit.edge && ` The winner is the ${fit.edge} λ searched: a better one may lie beyond it.`}
    </p>
  );
}
