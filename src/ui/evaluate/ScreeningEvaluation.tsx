import type { EvalReport } from '../../core/eval/report';
import type { EvaluationSummary } from '../../core/eval/summary';
import { CalibrationPanel } from './CalibrationPanel';
import { ClassTable, ConfusionMatrix } from './ConfusionMatrix';
import { HeadlineCards } from './HeadlineCards';
import { OperatingPointPanel } from './OperatingPointPanel';
import { PredictionsGallery } from './PredictionsGallery';
import { SET_PROVENANCE, shownSet, type SetId } from './provenance';
import { ScreeningRocChart } from './RocChart';
import { SetProvenance, SetSwitch } from './SetProvenance';

export interface ScreeningEvaluationProps {
  summary: EvaluationSummary;
  /** The set asked for; the validation set is shown when the summary has no test set. */
  set: SetId;
  onSetChange: (set: SetId) => void;
  /** The epoch whose weights were kept (0-based), from the training store; null when unknown. */
  bestEpoch: number | null;
  /** Per-image predictions of each set, for the gallery; null where they are not available (an imported model). */
  predictions: Record<SetId, EvalReport | null>;
}

/**
 * The Evaluate screen once an evaluation summary exists: every number with its interval and the set it comes
 * from, the operating point of each screening question, calibration, ROC, confusion matrix and the images.
 */
export function ScreeningEvaluation({ summary, set, onSetChange, bestEpoch, predictions }: ScreeningEvaluationProps) {
  const shown = shownSet(summary, set);
  const confidence = summary.bootstrap.confidence;
  const setName = SET_PROVENANCE[shown.set].name;
  const source = `${setName.toLowerCase()}, ${shown.count} images`;
  const gallery = predictions[shown.set];
  return (
    <div className="evaluate-screen screening" data-set={shown.set}>
      <SetProvenance summary={summary} set={shown.set} onSetChange={onSetChange} bestEpoch={bestEpoch} />
      <HeadlineCards set={shown} confidence={confidence} />
      <OperatingPointPanel set={shown} confidence={confidence} />
      <div className="two-even eval-pair">
        <section className="panel" aria-labelledby="roc-title">
          <div className="panel-head">
            <h2 id="roc-title" className="panel-title">ROC curves</h2>
            <p className="panel-source">{setName}</p>
          </div>
          {shown.binary.length > 0
            ? <ScreeningRocChart set={shown} confidence={confidence} />
            : <p className="muted">These classes define no yes/no screening question to draw a ROC curve for; see the per-class AUC below.</p>}
        </section>
        <CalibrationPanel set={shown} classNames={summary.classNames} predictions={gallery} />
      </div>
      <section className="panel" aria-labelledby="confusion-title">
        <div className="panel-head">
          <h2 id="confusion-title" className="panel-title">Grades: confusion matrix and per class</h2>
          <p className="panel-source">{setName}</p>
        </div>
        <div className="grades-grid">
          <ConfusionMatrix report={{ classNames: summary.classNames, confusion: shown.confusion }} source={source} />
          <div>
            <h3 className="subhead">Per class <span className="muted small">(point estimates)</span></h3>
            <ClassTable rows={shown.perClass} source={source} />
          </div>
        </div>
      </section>
      {(predictions.validation || predictions.test) && (
        <section className="panel" aria-labelledby="gallery-title">
          <div className="panel-head">
            <h2 id="gallery-title" className="panel-title">{setName} images</h2>
            <p className="panel-source">{setName}</p>
          </div>
          {gallery ? (
            <PredictionsGallery
              key={shown.set}
              report={gallery}
              controls={summary.test && <SetSwitch value={shown.set} onChange={onSetChange} label="Images from" testId="gallery-set-switch" />}
            />
          ) : (
            <>
              {summary.test && <SetSwitch value={shown.set} onChange={onSetChange} label="Images from" testId="gallery-set-switch" />}
              <p className="muted">Per-image predictions of the {setName.toLowerCase()} are not available for this model.</p>
            </>
          )}
        </section>
      )}
    </div>
  );
}
