import { formatInterval, formatMetric } from '../../core/eval/format';
import { headlineMetrics, type MetricValue } from '../../core/eval/metric-definitions';
import type { SetSummary } from '../../core/eval/summary';
import { SET_PROVENANCE } from './provenance';

function HeadlineCard({ headline, confidence }: { headline: MetricValue; confidence: number }) {
  const { key, label, value, scale, hint } = headline;
  return (
    <div className="headline-card" data-testid={`headline-${key}`}>
      <p className="headline-label">{label}</p>
      <p className="headline-value">{formatMetric(value.estimate, scale)}</p>
      <p className="headline-ci" data-testid="headline-ci">{formatInterval(value, scale, confidence)}</p>
      <p className="headline-hint">{hint}</p>
    </div>
  );
}

/** The headline numbers of one set, each with its bootstrap interval: grading first, then the screening questions. */
export function HeadlineCards({ set, confidence }: { set: SetSummary; confidence: number }) {
  const cards = headlineMetrics(set).filter((m) => m.card);
  const grading = cards.filter((m) => m.group === 'grading');
  const screening = cards.filter((m) => m.group === 'screening');
  const setName = SET_PROVENANCE[set.set].name.toLowerCase();
  return (
    <section className="headlines" aria-label={`Headline metrics, ${setName}`} data-testid="metrics-summary">
      <div className="headline-group">
        <h3 className="eyebrow">Grading · {setName}</h3>
        <div className="headline-row">{grading.map((h) => <HeadlineCard key={h.key} headline={h} confidence={confidence} />)}</div>
      </div>
      {screening.length > 0 && (
        <div className="headline-group">
          <h3 className="eyebrow">Screening questions · {setName}</h3>
          <div className="headline-row">{screening.map((h) => <HeadlineCard key={h.key} headline={h} confidence={confidence} />)}</div>
        </div>
      )}
    </section>
  );
}
