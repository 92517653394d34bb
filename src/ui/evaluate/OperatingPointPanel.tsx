import { formatEstimate, formatMetric } from '../../core/eval/report-html';
import type { BinaryTaskSummary, SetSummary } from '../../core/eval/summary';
import { conditionName, operatingPointSentence, SET_PROVENANCE } from './provenance';

function OperatingPointCard({ task, set, confidence }: { task: BinaryTaskSummary; set: SetSummary; confidence: number }) {
  const op = task.operatingPoint;
  const condition = conditionName(task.title);
  const setName = SET_PROVENANCE[set.set].name.toLowerCase();
  const prevalence = task.positives / Math.max(1, task.positives + task.negatives);
  const threshold = op.threshold.toFixed(3);
  return (
    <article className="op-card" data-testid={`operating-point-${task.id}`} aria-labelledby={`op-${task.id}`}>
      <header className="op-head">
        <h3 id={`op-${task.id}`} className="op-title">{task.title}</h3>
        <p className="muted small">Referred when P({task.positiveClasses.join(' + ')}) ≥ {threshold}</p>
      </header>
      <p className="op-sentence" data-testid="op-sentence">{operatingPointSentence(task)}</p>
      <dl className="op-facts">
        <div><dt>Target sensitivity</dt><dd>{formatMetric(op.targetSensitivity, 'percent')}</dd></div>
        <div><dt>Threshold</dt><dd>{threshold}{' '}<span className="op-note">chosen on the {op.chosenOn} set</span></dd></div>
        <div><dt>Sensitivity</dt><dd data-testid="op-sensitivity">{formatEstimate(op.sensitivity, 'percent', confidence)}</dd></div>
        <div><dt>Specificity</dt><dd data-testid="op-specificity">{formatEstimate(op.specificity, 'percent', confidence)}</dd></div>
        <div><dt>PPV</dt><dd>{formatMetric(op.ppv, 'percent')}{' '}<span className="op-note">referred eyes that have {condition}</span></dd></div>
        <div><dt>NPV</dt><dd>{formatMetric(op.npv, 'percent')}{' '}<span className="op-note">not-referred eyes free of it</span></dd></div>
      </dl>
      <div className="table-scroll">
        <table className="two-by-two" data-testid="op-counts">
          <caption>Eyes in the {setName} by truth and decision at threshold {threshold}</caption>
          <thead>
            <tr>
              <td />
              <th scope="col">Referred</th>
              <th scope="col">Not referred</th>
              <th scope="col" className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">With {condition}</th>
              <td className="hit"><span className="count">{op.tp}</span><span className="kind">true positive</span></td>
              <td className="miss"><span className="count">{op.fn}</span><span className="kind">false negative</span></td>
              <td className="num total">{op.tp + op.fn}</td>
            </tr>
            <tr>
              <th scope="row">Without {condition}</th>
              <td className="miss"><span className="count">{op.fp}</span><span className="kind">false positive</span></td>
              <td className="hit"><span className="count">{op.tn}</span><span className="kind">true negative</span></td>
              <td className="num total">{op.fp + op.tn}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <p className="muted small">PPV and NPV depend on prevalence: {formatMetric(prevalence, 'percent')} of eyes in this set have {condition}.</p>
    </article>
  );
}

/** One card per yes/no screening question: the threshold chosen on validation and what it gives on the shown set. */
export function OperatingPointPanel({ set, confidence }: { set: SetSummary; confidence: number }) {
  const setName = SET_PROVENANCE[set.set].name.toLowerCase();
  return (
    <section className="panel" aria-labelledby="operating-title" data-testid="operating-points">
      <div className="panel-head">
        <h2 id="operating-title" className="panel-title">Operating point</h2>
        <p className="panel-source">{SET_PROVENANCE[set.set].name}</p>
      </div>
      {set.binary.length === 0 ? (
        <p className="muted">These classes define no yes/no screening question, so there is no operating point.</p>
      ) : (
        <>
          <p className="muted small">
            Each threshold was chosen on the validation set as the highest that reaches the target sensitivity there; the figures below
            are what it gives on the {setName}.
            {set.set === 'validation' && ' On the set that chose it, the sensitivity meets the target by construction.'}
          </p>
          <div className="op-cards">{set.binary.map((task) => <OperatingPointCard key={task.id} task={task} set={set} confidence={confidence} />)}</div>
        </>
      )}
    </section>
  );
}
