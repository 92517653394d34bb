import type { EvalReport } from '../../core/eval/report';
import { formatMetric } from '../../core/eval/format';
import type { ClassSummary } from '../../core/eval/summary';

interface ConfusionMatrixProps {
  report: Pick<EvalReport, 'classNames' | 'confusion'>;
  /** Which images, e.g. 'test set, 366 images'; said in the table's caption. */
  source?: string;
}

/** Rows: true class; columns: predicted class. Shading is the row share, so rare classes read as clearly as common ones. */
export function ConfusionMatrix({ report, source }: ConfusionMatrixProps) {
  const { classNames, confusion } = report;
  return (
    <div className="table-scroll">
      <table className="confusion" data-testid="confusion-matrix">
        <caption className="visually-hidden">Confusion matrix{source ? `, ${source}` : ''}: rows are true classes, columns are predicted classes</caption>
        <thead>
          <tr>
            <td className="confusion-corner"><span className="muted small">true ↓ / predicted →</span></td>
            {classNames.map((n) => <th key={n} scope="col">{n}</th>)}
            <th scope="col" className="num muted">Total</th>
          </tr>
        </thead>
        <tbody>
          {confusion.map((row, t) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={t}>
                <th scope="row">{classNames[t]}</th>
                {row.map((count, p) => {
                  const share = total > 0 ? count / total : 0;
                  const hue = t === p ? '11, 95, 115' : '194, 65, 12';
                  return (
                    <td
                      key={p}
                      className={`cell${t === p ? ' diagonal' : ''}${share > 0.55 ? ' dark' : ''}`}
                      style={{ backgroundColor: `rgba(${hue}, ${(share * 0.85).toFixed(3)})` }}
                      title={`${count} of ${total} “${classNames[t]}” images predicted as “${classNames[p]}”`}
                    >
                      <span className="cell-count">{count}</span>
                      <span className="cell-share">{total > 0 ? `${Math.round(share * 100)}%` : '—'}</span>
                    </td>
                  );
                })}
                <td className="num muted">{total}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A per-class row from either a live report (AUC inside its ROC curve) or a summary (AUC as a number). */
export function classRows(report: Pick<EvalReport, 'perClass'>): ClassSummary[] {
  return report.perClass.map((c) => ({ name: c.name, support: c.support, sensitivity: c.sensitivity, specificity: c.specificity, auc: c.roc?.auc ?? NaN }));
}

export function ClassTable({ rows, source }: { rows: ClassSummary[]; source?: string }) {
  const pct = (x: number) => formatMetric(x, 'percent');
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="class-table">
        <caption className="visually-hidden">Per class sensitivity, specificity and one-vs-rest AUC{source ? `, ${source}` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="num">Support</th>
            <th scope="col" className="num" title="Of the images of this class, the share recognised">Sensitivity</th>
            <th scope="col" className="num" title="Of the images of other classes, the share not called this class">Specificity</th>
            <th scope="col" className="num">AUC</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td className="num">{c.support}</td>
              <td className="num">{pct(c.sensitivity)}</td>
              <td className="num">{pct(c.specificity)}</td>
              <td className="num">{formatMetric(c.auc, 'score')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
