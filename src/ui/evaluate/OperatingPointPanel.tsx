import {
  PREVALENCE_COLUMNS, prevalenceRow, selectionIntervals, selectionSentence, selectionWarning, THRESHOLD_SOURCE_WORDS,
} from '../../core/eval/figures';
import { formatEstimate, formatMetric } from '../../core/eval/format';
import type { BinaryTaskSummary, SetSummary } from '../../core/eval/summary';
import { usePrevalenceStore } from '../../state/prevalence';
import { Banner } from '../shared/Banner';
import { PrevalenceField } from './PrevalenceField';
import { outcomeAtDeployment } from './prevalence-view';
import { conditionName, operatingPointSentence, SET_PROVENANCE } from './provenance';

/** How the threshold was chosen, its intervals, and the few-cases warning. */
function ThresholdChoice({ task, confidence }: { task: BinaryTaskSummary; confidence: number }) {
  const selection = task.operatingPoint.selection;
  if (!selection) return null;
  const warning = selectionWarning(selection);
  return (
    <div className="op-choice" data-testid="op-selection">
      <p className="muted small">Threshold {selectionSentence(selection)}.</p>
      {warning && <Banner tone="warning" testId="op-few-cases">{warning}</Banner>}
      <dl className="op-facts">
        {selectionIntervals(selection, confidence).map((r) => <div key={r.label}><dt>{r.label}</dt><dd>{r.value}</dd></div>)}
      </dl>
    </div>
  );
}

/** PPV, NPV and referrals per 1,000 at 5%, 10%, 30%, the validation prevalence and the user's prevalence. */
function PrevalenceTable({ task, set }: { task: BinaryTaskSummary; set: SetSummary }) {
  const deployment = usePrevalenceStore((s) => s.deploymentPrevalence);
  const rows = task.operatingPoint.atPrevalence ?? [];
  const yours = prevalenceRow(outcomeAtDeployment(task, deployment));
  yours[0] = `${yours[0]} (yours)`;
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="op-prevalence">
        <caption className="muted small">
          What this threshold gives where {conditionName(task.title)} is more or less common (by Bayes from the {SET_PROVENANCE[set.set].name.toLowerCase()}’s
          sensitivity and specificity)
        </caption>
        <thead><tr>{PREVALENCE_COLUMNS.map((c) => <th key={c} scope="col" className="num">{c}</th>)}</tr></thead>
        <tbody>
          {[...rows.map(prevalenceRow), yours].map((cells, i) => (
            <tr key={cells[0]} className={i === rows.length ? 'deployment' : undefined} data-testid={i === rows.length ? 'op-prevalence-yours' : undefined}>
              {cells.map((c, j) => (j === 0 ? <th key={j} scope="row" className="num">{c}</th> : <td key={j} className="num">{c}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

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
        <div><dt>Threshold</dt><dd>{threshold}{' '}<span className="op-note">chosen on {THRESHOLD_SOURCE_WORDS[op.chosenOn] ?? op.chosenOn}</span></dd></div>
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
      <PrevalenceTable task={task} set={set} />
      <ThresholdChoice task={task} confidence={confidence} />
    </article>
  );
}

/** One card per yes/no screening question: where its threshold was chosen, what it gives on the shown set and at other prevalences. */
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
            Each threshold was chosen before the test set was seen, as the highest that reaches the target sensitivity on the images
            it was chosen from (each card says which); the figures below are what it gives on the {setName}.
            {set.set === 'validation' && ' On the set that chose it, the sensitivity meets the target by construction.'}
          </p>
          <PrevalenceField condition={conditionName(set.binary[0].title)} />
          <div className="op-cards">{set.binary.map((task) => <OperatingPointCard key={task.id} task={task} set={set} confidence={confidence} />)}</div>
        </>
      )}
    </section>
  );
}
