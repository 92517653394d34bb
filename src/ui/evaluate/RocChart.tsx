import type { ReactNode } from 'react';
import type { EvalReport, RocCurve } from '../../core/eval/report';
import { formatEstimate } from '../../core/eval/format';
import type { SetSummary } from '../../core/eval/summary';
import { SET_PROVENANCE } from './provenance';

export const CLASS_COLORS = ['#0b5f73', '#c2410c', '#6d28d9', '#15803d', '#b91c1c', '#a16207', '#0369a1', '#be185d'];
/** Screening questions: the accent for the first (referable DR), violet for the second; both legible on white. */
const TASK_COLORS = ['#0b5f73', '#6d28d9', '#a16207', '#be185d'];

const SIZE = 280;
const PAD = { left: 44, right: 12, top: 12, bottom: 40 };
const W = SIZE - PAD.left - PAD.right;
const H = SIZE - PAD.top - PAD.bottom;
const x = (fpr: number) => PAD.left + fpr * W;
const y = (tpr: number) => PAD.top + (1 - tpr) * H;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

/** Curve points from (0,0) to (1,1), whether or not the stored curve includes its ends. */
function curvePoints(roc: RocCurve): string {
  const pts = roc.fpr.map((f, i): [number, number] => [f, roc.tpr[i]]);
  if (pts.length === 0 || pts[0][0] !== 0 || pts[0][1] !== 0) pts.unshift([0, 0]);
  const last = pts[pts.length - 1];
  if (last[0] !== 1 || last[1] !== 1) pts.push([1, 1]);
  return pts.map(([f, t]) => `${x(f).toFixed(1)},${y(t).toFixed(1)}`).join(' ');
}

/** Axes, grid and chance diagonal of a ROC plot (SVG: crisp and printable), around the given curves. */
function RocFrame({ label, children }: { label: string; children: ReactNode }) {
  return (
    <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={label} className="chart-svg">
      {TICKS.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={PAD.top} y2={PAD.top + H} className="roc-grid" />
          <line x1={PAD.left} x2={PAD.left + W} y1={y(t)} y2={y(t)} className="roc-grid" />
          <text x={x(t)} y={PAD.top + H + 14} textAnchor="middle" className="roc-tick">{t}</text>
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="roc-tick">{t}</text>
        </g>
      ))}
      <rect x={PAD.left} y={PAD.top} width={W} height={H} className="roc-frame" />
      <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="roc-diagonal" />
      {children}
      <text x={PAD.left + W / 2} y={SIZE - 6} textAnchor="middle" className="roc-axis">False-positive rate (1 − specificity)</text>
      <text x={12} y={PAD.top + H / 2} textAnchor="middle" className="roc-axis" transform={`rotate(-90 12 ${PAD.top + H / 2})`}>Sensitivity</text>
    </svg>
  );
}

/** One-vs-rest ROC curves with their AUC in the legend and the chance diagonal. */
export function RocChart({ report }: { report: Omit<EvalReport, 'predictions'> }) {
  // With two classes the curves mirror each other; the positive class (index 1) says it all.
  const curves = report.perClass
    .map((c, i) => ({ ...c, color: CLASS_COLORS[i % CLASS_COLORS.length] }))
    .filter((c, i) => c.roc && (report.classNames.length !== 2 || i === 1));
  return (
    <div className="roc" data-testid="roc-chart">
      <RocFrame label={`ROC curves: ${curves.map((c) => `${c.name} AUC ${c.roc!.auc.toFixed(3)}`).join('; ')}`}>
        {curves.map((c) => (
          <polyline key={c.name} fill="none" stroke={c.color} strokeWidth={2} strokeLinejoin="round" points={curvePoints(c.roc!)} />
        ))}
      </RocFrame>
      <ul className="roc-legend">
        {curves.map((c) => (
          <li key={c.name}><span className="swatch" style={{ background: c.color }} aria-hidden="true" />{c.name} <span className="muted">(AUC {c.roc!.auc.toFixed(3)})</span></li>
        ))}
        <li><span className="swatch dashed" aria-hidden="true" /><span className="muted">chance (AUC 0.5)</span></li>
        {curves.length === 0 && <li className="muted">No class has both positive and negative validation images, so no ROC curve can be drawn.</li>}
      </ul>
    </div>
  );
}

/** The screening questions' ROC curves on one set, each with its operating point (threshold chosen on validation) ringed. */
export function ScreeningRocChart({ set, confidence }: { set: SetSummary; confidence: number }) {
  const tasks = set.binary.map((task, i) => ({ task, color: TASK_COLORS[i % TASK_COLORS.length] }));
  const setName = SET_PROVENANCE[set.set].name.toLowerCase();
  return (
    <div className="roc" data-testid="roc-chart">
      <RocFrame label={`ROC curves, ${setName}: ${tasks.map(({ task }) => `${task.title} AUC ${task.auc.estimate.toFixed(3)}`).join('; ')}`}>
        {tasks.map(({ task, color }) => (
          <polyline key={task.id} fill="none" stroke={color} strokeWidth={2} strokeLinejoin="round" points={curvePoints(task.roc)} />
        ))}
        {tasks.map(({ task, color }) => {
          const op = task.operatingPoint;
          return (
            <circle key={task.id} data-testid={`roc-operating-point-${task.id}`} cx={x(1 - op.specificity.estimate)} cy={y(op.sensitivity.estimate)}
              r={5.5} fill="#fff" stroke={color} strokeWidth={2.5}>
              <title>{`${task.title}: threshold ${op.threshold.toFixed(3)}, sensitivity ${(op.sensitivity.estimate * 100).toFixed(1)}%, specificity ${(op.specificity.estimate * 100).toFixed(1)}%`}</title>
            </circle>
          );
        })}
      </RocFrame>
      <ul className="roc-legend">
        {tasks.map(({ task, color }) => (
          <li key={task.id}>
            <span className="swatch" style={{ background: color }} aria-hidden="true" />{task.title}
            <span className="legend-detail">AUC {formatEstimate(task.auc, 'score', confidence)}</span>
          </li>
        ))}
        <li><span className="swatch ring" aria-hidden="true" /><span className="muted">operating point (threshold chosen on the validation set)</span></li>
        <li><span className="swatch dashed" aria-hidden="true" /><span className="muted">chance (AUC 0.5)</span></li>
      </ul>
    </div>
  );
}
