import type { EvalReport } from '../../core/eval/report';
import { fixed, percent } from '../shared/format';

function Metric({ label, value, hint, testId }: { label: string; value: string; hint: string; testId?: string }) {
  return (
    <div className="metric" data-testid={testId}>
      <p className="metric-label">{label}</p>
      <p className="metric-value">{value}</p>
      <p className="metric-hint">{hint}</p>
    </div>
  );
}

export function MetricsSummary({ report }: { report: Omit<EvalReport, 'predictions'> }) {
  return (
    <div className="metrics" data-testid="metrics-summary" aria-label="Validation metrics">
      <Metric label="Accuracy" value={percent(report.accuracy)} hint={`of ${report.count} validation images`} testId="metric-accuracy" />
      <Metric label="Loss" value={fixed(report.loss)} hint="mean cross-entropy; lower is better" testId="metric-loss" />
      <Metric label="Macro AUC" value={fixed(report.macroAuc)} hint="area under ROC, one class vs the rest; 0.5 is chance" testId="metric-auc" />
      {report.quadraticKappa !== undefined && (
        <Metric label="Quadratic-weighted kappa" value={fixed(report.quadraticKappa)} hint="agreement with the grades; 1 is perfect, 0 chance" testId="kappa" />
      )}
    </div>
  );
}
