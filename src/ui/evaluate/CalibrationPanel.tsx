import {
  CALIBRATION_AT_PREVALENCE_COLUMNS, CALIBRATION_AT_PREVALENCE_NOTE, calibrationAtPrevalenceRow, temperatureDecisionSentence,
  validationMixSentence,
} from '../../core/eval/figures';
import type { EvalReport } from '../../core/eval/report';
import { formatMetric } from '../../core/eval/format';
import type { ReliabilityBin, SetSummary } from '../../core/eval/summary';
import { usePrevalenceStore } from '../../state/prevalence';
import { calibrationAtDeployment } from './prevalence-view';
import { conditionName, SET_PROVENANCE } from './provenance';

/**
 * ECE where the first screening question has another prevalence: the summary's 5/10/30% rows, and the user's
 * prevalence recomputed in the page from the per-image predictions when they are at hand.
 */
function CalibrationAtPrevalenceTable({ classNames, set, predictions }: { classNames: readonly string[]; set: SetSummary; predictions: EvalReport | null }) {
  const deployment = usePrevalenceStore((s) => s.deploymentPrevalence);
  const rows = set.calibration.atPrevalence ?? [];
  const task = set.binary[0];
  if (!task || rows.length === 0) return null;
  const yours = calibrationAtDeployment(classNames, set, predictions, deployment);
  return (
    <div className="table-scroll" data-testid="calibration-at-prevalence">
      <table className="data-table">
        <caption className="muted small">ECE where {conditionName(task.title)} has another prevalence</caption>
        <thead><tr>{CALIBRATION_AT_PREVALENCE_COLUMNS.map((c) => <th key={c} scope="col" className="num">{c}</th>)}</tr></thead>
        <tbody>
          {rows.map((a) => calibrationAtPrevalenceRow(a)).map((cells) => (
            <tr key={cells[0]}>{cells.map((c, j) => (j === 0 ? <th key={j} scope="row" className="num">{c}</th> : <td key={j} className="num">{c}</td>))}</tr>
          ))}
          {yours && (
            <tr data-testid="calibration-at-prevalence-yours">
              {calibrationAtPrevalenceRow(yours).map((c, j) => (j === 0 ? <th key={j} scope="row" className="num">{c} (yours)</th> : <td key={j} className="num">{c}</td>))}
            </tr>
          )}
        </tbody>
      </table>
      <p className="muted small">
        {CALIBRATION_AT_PREVALENCE_NOTE}
        {!yours && ` ECE at your prevalence (${formatMetric(deployment, 'percent')}) needs the per-image predictions, which an imported package does not carry.`}
      </p>
    </div>
  );
}

const SIZE = { width: 320, height: 300 };
const PAD = { left: 46, right: 12, top: 12, bottom: 42 };
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
/** Before scaling in amber (dashed, hollow), after in the accent (solid): the pair a reader compares. */
const BEFORE = '#b45309';
const AFTER = '#0b5f73';

const filled = (bins: ReliabilityBin[]) => bins.filter((b) => b.count > 0 && Number.isFinite(b.confidence) && Number.isFinite(b.accuracy));

/** Reliability diagram: mean confidence of the predicted class against the share correct, per confidence bin. */
function ReliabilityDiagram({ set }: { set: SetSummary }) {
  const c = set.calibration;
  const w = SIZE.width - PAD.left - PAD.right;
  const h = SIZE.height - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + v * w;
  const y = (v: number) => PAD.top + (1 - v) * h;
  const maxCount = Math.max(1, ...filled(c.binsBefore).map((b) => b.count), ...filled(c.binsAfter).map((b) => b.count));
  const series = (bins: ReliabilityBin[], colour: string, kind: 'before' | 'after') => {
    const pts = filled(bins);
    return (
      <g className={`reliability-${kind}`} data-testid={`reliability-${kind}`}>
        <polyline fill="none" stroke={colour} strokeWidth={2} strokeDasharray={kind === 'before' ? '5 3' : undefined}
          points={pts.map((b) => `${x(b.confidence).toFixed(1)},${y(b.accuracy).toFixed(1)}`).join(' ')} />
        {pts.map((b) => (
          <circle key={b.lower} cx={x(b.confidence)} cy={y(b.accuracy)} r={2.5 + 4 * Math.sqrt(b.count / maxCount)}
            fill={kind === 'before' ? '#fff' : colour} stroke={colour} strokeWidth={1.5}>
            <title>{`${kind === 'before' ? 'Before' : 'After'} scaling, confidence ${b.lower.toFixed(1)}–${b.upper.toFixed(1)}: ${b.count} images, ${formatMetric(b.accuracy, 'percent')} correct`}</title>
          </circle>
        ))}
      </g>
    );
  };
  return (
    <svg viewBox={`0 0 ${SIZE.width} ${SIZE.height}`} role="img" className="chart-svg"
      aria-label={`Reliability diagram, ${SET_PROVENANCE[set.set].name.toLowerCase()}: ECE ${formatMetric(c.eceBefore, 'score')} before and ${formatMetric(c.eceAfter, 'score')} after temperature scaling`}>
      {TICKS.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={PAD.top} y2={PAD.top + h} className="roc-grid" />
          <line x1={PAD.left} x2={PAD.left + w} y1={y(t)} y2={y(t)} className="roc-grid" />
          <text x={x(t)} y={PAD.top + h + 14} textAnchor="middle" className="roc-tick">{t.toFixed(1)}</text>
          <text x={PAD.left - 6} y={y(t) + 3} textAnchor="end" className="roc-tick">{t.toFixed(1)}</text>
        </g>
      ))}
      <rect x={PAD.left} y={PAD.top} width={w} height={h} className="roc-frame" />
      <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="roc-diagonal" />
      {series(c.binsBefore, BEFORE, 'before')}
      {series(c.binsAfter, AFTER, 'after')}
      <text x={PAD.left + w / 2} y={SIZE.height - 6} textAnchor="middle" className="roc-axis">Confidence in the predicted class</text>
      <text x={12} y={PAD.top + h / 2} textAnchor="middle" className="roc-axis" transform={`rotate(-90 12 ${PAD.top + h / 2})`}>Share correct</text>
    </svg>
  );
}

function BinTable({ set }: { set: SetSummary }) {
  const { binsBefore, binsAfter } = set.calibration;
  return (
    <details className="bin-details">
      <summary>The bins as a table</summary>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Reliability bins, {SET_PROVENANCE[set.set].name.toLowerCase()}, before and after temperature scaling</caption>
          <thead>
            <tr>
              <th scope="col">Confidence</th>
              <th scope="col" className="num">Images before</th>
              <th scope="col" className="num">Correct before</th>
              <th scope="col" className="num">Images after</th>
              <th scope="col" className="num">Correct after</th>
            </tr>
          </thead>
          <tbody>
            {binsBefore.map((b, i) => (
              <tr key={b.lower}>
                <th scope="row" className="num">{b.lower.toFixed(1)}–{b.upper.toFixed(1)}</th>
                <td className="num">{b.count}</td>
                <td className="num">{formatMetric(b.accuracy, 'percent')}</td>
                <td className="num">{binsAfter[i]?.count ?? '—'}</td>
                <td className="num">{formatMetric(binsAfter[i]?.accuracy, 'percent')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/**
 * Temperature scaling (decided on validation by cross-validation) and what it does to calibration on the shown
 * set, the class mix the probabilities are calibrated for, and ECE at other prevalences.
 */
export function CalibrationPanel({ set, classNames, predictions }: { set: SetSummary; classNames: readonly string[]; predictions: EvalReport | null }) {
  const c = set.calibration;
  const mix = validationMixSentence(classNames, c);
  const decision = temperatureDecisionSentence(c.temperatureDecision);
  return (
    <section className="panel" aria-labelledby="calibration-title" data-testid="calibration-panel">
      <div className="panel-head">
        <h2 id="calibration-title" className="panel-title">Calibration</h2>
        <p className="panel-source">{SET_PROVENANCE[set.set].name}</p>
      </div>
      <dl className="calibration-facts">
        <div><dt>Temperature T</dt><dd data-testid="temperature">{c.temperature.toFixed(2)}</dd><dd className="fact-note">{c.temperatureDecision
          ? c.temperatureDecision.kept ? `fitted on the ${c.fittedOn} set; kept by cross-validation` : `fitted T = ${c.temperatureDecision.fittedTemperature.toFixed(2)} not applied`
          : `fitted on the ${c.fittedOn} set`}</dd></div>
        <div><dt>ECE before</dt><dd data-testid="ece-before">{formatMetric(c.eceBefore, 'score')}</dd><dd className="fact-note">NLL {formatMetric(c.nllBefore, 'score')}</dd></div>
        <div><dt>ECE after</dt><dd data-testid="ece-after">{formatMetric(c.eceAfter, 'score')}</dd><dd className="fact-note">NLL {formatMetric(c.nllAfter, 'score')}</dd></div>
      </dl>
      {(mix || decision) && (
        <p className="muted small" data-testid="calibration-provenance">{[mix, decision].filter(Boolean).join(' ')}</p>
      )}
      <figure className="chart-figure">
        <ReliabilityDiagram set={set} />
        <ul className="roc-legend">
          <li><span className="swatch dashed-before" aria-hidden="true" />Before temperature scaling</li>
          <li><span className="swatch" style={{ background: AFTER }} aria-hidden="true" />After (logits ÷ {c.temperature.toFixed(2)})</li>
          <li><span className="swatch dashed" aria-hidden="true" /><span className="muted">perfect calibration</span></li>
        </ul>
        <figcaption className="muted small">
          Dots on the diagonal mean “80% sure” is right 80% of the time; dot area grows with the bin’s images. ECE: expected calibration
          error over {c.binsBefore.length} bins (lower is better). Scaling never changes which class is predicted.
        </figcaption>
      </figure>
      <CalibrationAtPrevalenceTable classNames={classNames} set={set} predictions={predictions} />
      <BinTable set={set} />
    </section>
  );
}
