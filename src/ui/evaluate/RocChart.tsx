import type { EvalReport } from '../../core/eval/report';

export const CLASS_COLORS = ['#0b5f73', '#c2410c', '#6d28d9', '#15803d', '#b91c1c', '#a16207', '#0369a1', '#be185d'];

const SIZE = 280;
const PAD = { left: 44, right: 12, top: 12, bottom: 40 };

/** One-vs-rest ROC curves with their AUC in the legend and the chance diagonal (SVG: crisp and printable). */
export function RocChart({ report }: { report: Omit<EvalReport, 'predictions'> }) {
  // With two classes the curves mirror each other; the positive class (index 1) says it all.
  const curves = report.perClass
    .map((c, i) => ({ ...c, color: CLASS_COLORS[i % CLASS_COLORS.length] }))
    .filter((c, i) => c.roc && (report.classNames.length !== 2 || i === 1));
  const w = SIZE - PAD.left - PAD.right;
  const h = SIZE - PAD.top - PAD.bottom;
  const x = (fpr: number) => PAD.left + fpr * w;
  const y = (tpr: number) => PAD.top + (1 - tpr) * h;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div className="roc" data-testid="roc-chart">
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={`ROC curves: ${curves.map((c) => `${c.name} AUC ${c.roc!.auc.toFixed(3)}`).join('; ')}`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={PAD.top} y2={PAD.top + h} className="roc-grid" />
            <line x1={PAD.left} x2={PAD.left + w} y1={y(t)} y2={y(t)} className="roc-grid" />
            <text x={x(t)} y={PAD.top + h + 14} textAnchor="middle" className="roc-tick">{t}</text>
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="roc-tick">{t}</text>
          </g>
        ))}
        <rect x={PAD.left} y={PAD.top} width={w} height={h} className="roc-frame" />
        <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="roc-diagonal" />
        {curves.map((c) => (
          <polyline
            key={c.name}
            fill="none"
            stroke={c.color}
            strokeWidth={2}
            strokeLinejoin="round"
            points={c.roc!.fpr.map((f, i) => `${x(f).toFixed(1)},${y(c.roc!.tpr[i]).toFixed(1)}`).join(' ')}
          />
        ))}
        <text x={PAD.left + w / 2} y={SIZE - 6} textAnchor="middle" className="roc-axis">False-positive rate (1 − specificity)</text>
        <text x={12} y={PAD.top + h / 2} textAnchor="middle" className="roc-axis" transform={`rotate(-90 12 ${PAD.top + h / 2})`}>Sensitivity</text>
      </svg>
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
