import { formatInterval, formatMetric, type MetricScale } from '../../core/eval/report-html';
import type { IntervalEstimate, SetSummary } from '../../core/eval/summary';
import { SET_PROVENANCE } from './provenance';

interface Headline {
  id: string;
  label: string;
  value: IntervalEstimate;
  scale: MetricScale;
  hint: string;
}

function gradingHeadlines(set: SetSummary, classCount: number): Headline[] {
  const out: Headline[] = [
    { id: 'accuracy', label: 'Accuracy', value: set.accuracy, scale: 'percent', hint: `exact class, all ${classCount} classes` },
  ];
  if (set.quadraticKappa) {
    out.push({ id: 'kappa', label: 'Quadratic kappa', value: set.quadraticKappa, scale: 'score', hint: 'agreement with the grades; 1 perfect, 0 chance' });
  }
  out.push({ id: 'macro-auc', label: 'Macro AUC', value: set.macroAuc, scale: 'score', hint: 'mean one-vs-rest AUC; 0.5 is chance' });
  return out;
}

function HeadlineCard({ headline, confidence }: { headline: Headline; confidence: number }) {
  const { id, label, value, scale, hint } = headline;
  return (
    <div className="headline-card" data-testid={`headline-${id}`}>
      <p className="headline-label">{label}</p>
      <p className="headline-value">{formatMetric(value.estimate, scale)}</p>
      <p className="headline-ci" data-testid="headline-ci">{formatInterval(value, scale, confidence)}</p>
      <p className="headline-hint">{hint}</p>
    </div>
  );
}

/** The headline numbers of one set, each with its bootstrap interval: grading first, then the screening questions. */
export function HeadlineCards({ set, classCount, confidence }: { set: SetSummary; classCount: number; confidence: number }) {
  const screening: Headline[] = set.binary.map((task) => ({
    id: `auc-${task.id}`,
    label: `${task.title.replace(/\s*\(.*\)$/, '')} · AUC`,
    value: task.auc,
    scale: 'score',
    hint: `${/\((.*)\)/.exec(task.title)?.[1] ?? task.positiveClasses.join(', ')}: ${task.positives} of ${task.positives + task.negatives} eyes`,
  }));
  const setName = SET_PROVENANCE[set.set].name.toLowerCase();
  return (
    <section className="headlines" aria-label={`Headline metrics, ${setName}`} data-testid="metrics-summary">
      <div className="headline-group">
        <h3 className="eyebrow">Grading · {setName}</h3>
        <div className="headline-row">{gradingHeadlines(set, classCount).map((h) => <HeadlineCard key={h.id} headline={h} confidence={confidence} />)}</div>
      </div>
      {screening.length > 0 && (
        <div className="headline-group">
          <h3 className="eyebrow">Screening questions · {setName}</h3>
          <div className="headline-row">{screening.map((h) => <HeadlineCard key={h.id} headline={h} confidence={confidence} />)}</div>
        </div>
      )}
    </section>
  );
}
