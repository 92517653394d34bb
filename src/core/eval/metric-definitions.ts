/**
 * The headline metrics, defined once: id, label, what it is (hint), scale, which way is better, and how to read
 * it from a set's summary. report.html's key table, the Evaluate screen's cards, the command's console line and
 * cross-validation means, and compare-all's table and CSV all list what `headlineMetrics` / `flatMetrics` give,
 * so a new headline figure is one entry here (plus its computation in summary/evaluation).
 */
import type { EvalReport } from './report';
import type { BinaryTaskSummary, IntervalEstimate, SetSummary } from './summary';
import type { MetricScale } from './format';

export type MetricDirection = 'higher-is-better' | 'lower-is-better';

/** Grading metrics describe the whole set; screening metrics one yes/no question (a binary task) of it. */
export type MetricGroup = 'grading' | 'screening';

interface DefinitionBase {
  /** Stable id: the key in flatMetrics (metrics.json cross-validation means, compare-all CSV columns). */
  id: string;
  /** Short label for cards and table headers. */
  label: string;
  /** One line for people: what the number says. */
  hint: string;
  scale: MetricScale;
  direction: MetricDirection;
  /** Shown as a card on the Evaluate screen (the others appear in tables). */
  card: boolean;
}

export interface SetMetricDefinition extends DefinitionBase {
  group: 'grading';
  /** The point estimate from an evaluation report (compare-all, which reports no intervals). */
  fromReport: (report: EvalReport) => number | undefined;
  /** Its name in CSV columns ('auc' in val_auc) and after a set's name in table headers ('Val AUC'). */
  csvName: string;
  columnLabel: string;
  /** The label in report tables, when longer than `label`. */
  longLabel?: string;
  /** The hint with the set's particulars, when it has any. */
  hintFor?: (set: SetSummary) => string;
  /** Undefined when the set does not have it (kappa of unordered classes). */
  read: (set: SetSummary) => IntervalEstimate | undefined;
}

export interface TaskMetricDefinition extends DefinitionBase {
  group: 'screening';
  read: (task: BinaryTaskSummary) => IntervalEstimate;
  /** The label with the task's particulars (e.g. the threshold), for tables. */
  detail?: (task: BinaryTaskSummary) => string;
}

/** The set-wide (grading) metrics, in display order. */
export const SET_METRICS: readonly SetMetricDefinition[] = [
  {
    id: 'accuracy', label: 'Accuracy', hint: 'exact class, all classes', scale: 'percent', direction: 'higher-is-better',
    group: 'grading', card: true, read: (s) => s.accuracy, fromReport: (r) => r.accuracy, csvName: 'accuracy', columnLabel: 'accuracy', hintFor: (s) => `exact class, all ${s.perClass.length} classes`,
  },
  {
    id: 'quadraticKappa', label: 'Quadratic kappa', longLabel: 'Quadratic-weighted kappa', hint: 'agreement with the grades; 1 perfect, 0 chance', scale: 'score',
    direction: 'higher-is-better', group: 'grading', card: true, read: (s) => s.quadraticKappa,
    fromReport: (r) => r.quadraticKappa, csvName: 'kappa', columnLabel: 'kappa',
  },
  {
    id: 'macroAuc', label: 'Macro AUC', longLabel: 'Macro AUC (one-vs-rest)', hint: 'mean one-vs-rest AUC; 0.5 is chance', scale: 'score', direction: 'higher-is-better',
    group: 'grading', card: true, read: (s) => s.macroAuc, fromReport: (r) => r.macroAuc, csvName: 'auc', columnLabel: 'AUC',
  },
];

/** The per-question (screening) metrics, in display order. */
export const TASK_METRICS: readonly TaskMetricDefinition[] = [
  {
    id: 'auc', label: 'AUC', hint: 'how well the score ranks positives above negatives; 0.5 is chance', scale: 'score',
    direction: 'higher-is-better', group: 'screening', card: true, read: (t) => t.auc,
  },
  {
    id: 'sensitivity', label: 'Sensitivity', hint: 'share of positive eyes referred at the chosen threshold', scale: 'percent',
    direction: 'higher-is-better', group: 'screening', card: false, read: (t) => t.operatingPoint.sensitivity,
    detail: (t) => `sensitivity at threshold ${t.operatingPoint.threshold.toFixed(3)}`,
  },
  {
    id: 'specificity', label: 'Specificity', hint: 'share of negative eyes not referred at the chosen threshold', scale: 'percent',
    direction: 'higher-is-better', group: 'screening', card: false, read: (t) => t.operatingPoint.specificity,
    detail: (t) => `specificity at threshold ${t.operatingPoint.threshold.toFixed(3)}`,
  },
];

/** One metric of one set, ready to show. */
export interface MetricValue {
  /** flatMetrics key: the metric id, or `<task id>.<metric id>` for a screening question. */
  key: string;
  group: MetricGroup;
  /** Short label (cards, headers): 'Accuracy', 'Referable DR · AUC'. */
  label: string;
  /** Long label (report tables): 'Referable DR (grade 2 or worse): sensitivity at threshold 0.213'. */
  longLabel: string;
  hint: string;
  value: IntervalEstimate;
  scale: MetricScale;
  direction: MetricDirection;
  card: boolean;
}

/** A binary task's title without its parenthesised criterion: 'Referable DR (grade 2 or worse)' -> 'Referable DR'. */
export function taskName(task: Pick<BinaryTaskSummary, 'title'>): string {
  const open = task.title.indexOf(' (');
  return open > 0 && task.title.endsWith(')') ? task.title.slice(0, open) : task.title;
}

/** The criterion in a task's title ('grade 2 or worse'), or its positive classes when it has none. */
export function taskCriterion(task: Pick<BinaryTaskSummary, 'title' | 'positiveClasses'>): string {
  const open = task.title.indexOf(' (');
  return open > 0 && task.title.endsWith(')') ? task.title.slice(open + 2, -1) : task.positiveClasses.join(', ');
}

/** Every headline metric of a set, grading first, then each screening question's; absent ones left out. */
export function headlineMetrics(set: SetSummary): MetricValue[] {
  const out: MetricValue[] = [];
  for (const d of SET_METRICS) {
    const value = d.read(set);
    if (!value) continue;
    out.push({
      key: d.id, group: d.group, label: d.label, longLabel: d.longLabel ?? d.label, hint: d.hintFor ? d.hintFor(set) : d.hint, value, scale: d.scale, direction: d.direction, card: d.card,
    });
  }
  for (const task of set.binary) {
    for (const d of TASK_METRICS) {
      out.push({
        key: `${task.id}.${d.id}`, group: d.group, label: `${taskName(task)} · ${d.label}`,
        longLabel: `${task.title}: ${d.detail ? d.detail(task) : d.label}`,
        hint: `${taskCriterion(task)}: ${task.positives} of ${task.positives + task.negatives} eyes`,
        value: d.read(task), scale: d.scale, direction: d.direction, card: d.card,
      });
    }
  }
  return out;
}

/** The calibration figure kept beside the headline in flat form (metrics.json cross-validation means). */
export const ECE_KEY = 'eceAfterTemperature';

/** Headline metrics as plain numbers by key (console line, cross-validation means, compare-all's CSV). */
export function flatMetrics(set: SetSummary): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of headlineMetrics(set)) out[m.key] = m.value.estimate;
  out[ECE_KEY] = set.calibration.eceAfter;
  return out;
}

/** A run's reports as compare-all keeps them: the kept epoch's validation report, and the test set's when there is one. */
export interface RunReports {
  report?: EvalReport;
  test?: EvalReport;
}

/** One column of compare-all's table and CSV: a grading metric of one set. */
export interface ReportColumn {
  /** CSV column and test id: 'val_accuracy', 'test_kappa'. */
  key: string;
  /** Table header: 'Val accuracy'. */
  header: string;
  scale: MetricScale;
  read: (run: RunReports) => number | undefined;
}

const REPORT_SETS = [
  { prefix: 'val', label: 'Val', pick: (r: RunReports) => r.report },
  { prefix: 'test', label: 'Test', pick: (r: RunReports) => r.test },
] as const;

/** Compare-all's metric columns: every grading metric of validation, then of test. */
export function reportColumns(): ReportColumn[] {
  return REPORT_SETS.flatMap((set) => SET_METRICS.map((d): ReportColumn => ({
    key: `${set.prefix}_${d.csvName}`, header: `${set.label} ${d.columnLabel}`,
    scale: d.scale,
    read: (run) => {
      const report = set.pick(run);
      return report ? d.fromReport(report) : undefined;
    },
  })));
}
