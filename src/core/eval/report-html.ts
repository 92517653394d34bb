/**
 * report.html for the evaluate command: one self-contained page (inline CSS and SVG, no scripts, nothing
 * fetched) that a clinician or reviewer can open offline. Pure string building: runs in Node and in a Worker.
 * The numbers to quote come from the test set when there is one, else from the validation set, and every
 * number says which set it comes from and carries its bootstrap interval.
 */
import type { TrainConfig } from '../train/config';
import type { EpochSummary } from '../train/events';
import type { DatasetSummary } from './dataset-summary';
import { splitsOf } from './dataset-summary';
import type { RocCurve } from './report';
import type { BinaryTaskSummary, EvaluationSummary, IntervalEstimate, ReliabilityBin, SetSummary } from './summary';
import { formatDuration, formatEstimate, formatInterval, formatMetric, NOT_MEASURED, type MetricScale } from './format';
import { headlineMetrics } from './metric-definitions';
import { SETTING_NAMES, settingAt, settingSpec } from '../train/settings';
import {
  CALIBRATION_AT_PREVALENCE_COLUMNS, CALIBRATION_AT_PREVALENCE_NOTE, calibrationAtPrevalenceRow, calibrationTaskTitle, PREVALENCE_COLUMNS,
  prevalenceRows, selectionIntervals, selectionSentence, selectionWarning, temperatureDecisionSentence, validationMixSentence,
} from './figures';

/** Training settings as shown: a TrainConfig as it is, or any record of settings (TrainConfig plus task, preprocessing). */
export type SettingsRecord = Readonly<Partial<TrainConfig>> | Readonly<Record<string, unknown>>;

export type EpochPoint = Pick<EpochSummary, 'epoch' | 'trainLoss' | 'valLoss' | 'valAccuracy'>;

/** k-fold cross-validation, when it was run: each fold's metrics and their mean and standard deviation. */
export interface CrossValidationSummary {
  k: number;
  folds: { fold: number; metrics: Record<string, number> }[];
  mean: Record<string, number>;
  sd: Record<string, number>;
}

export interface ReportInput {
  title: string;
  /** ISO 8601 time the report was made. */
  createdAt: string;
  /** The exact command line that produced the report, shown verbatim. */
  command: string;
  summary: EvaluationSummary;
  /** TrainConfig plus task and preprocessing: shown as a key/value table. */
  settings: SettingsRecord;
  data: DatasetSummary;
  epochs: EpochPoint[];
  /** The epoch whose weights were kept (0-based, as `EpochSummary.epoch`). */
  bestEpoch: number;
  /** Seconds per phase, e.g. { 'feature cache': 41.2, training: 612.7, evaluation: 38.1 }. */
  timings: Record<string, number>;
  /** The tfjs backend that ran, e.g. 'webgpu' or 'wasm'. */
  backend: string;
  cv?: CrossValidationSummary;
}

// ---- Formatting shared with the model card -------------------------------------------------------------

export { ciLabel, formatDuration, formatEstimate, formatInterval, formatMetric, type MetricScale } from './format';

export const SET_LABELS: Record<SetSummary['set'], string> = { validation: 'validation set', test: 'test set' };

/** The set whose numbers to quote: the untouched test set when there is one. */
export function quotedSet(summary: EvaluationSummary): SetSummary {
  return summary.test ?? summary.validation;
}

export interface KeyMetric {
  label: string;
  value: IntervalEstimate;
  scale: MetricScale;
}

/** The headline numbers of one set, in the order reports list them. */
export function keyMetrics(set: SetSummary): KeyMetric[] {
  return headlineMetrics(set).map((m) => ({ label: m.longLabel, value: m.value, scale: m.scale }));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A setting's value for people: objects as compact JSON. */
export function formatSetting(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

// ---- SVG plotting ---------------------------------------------------------------------------------------

const PALETTE = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#db2777'];
const BEFORE_COLOUR = '#d97706';
const AFTER_COLOUR = '#2563eb';

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  label: string;
  format: (v: number) => string;
}

/** The plotting area of a chart, in SVG pixels, and the maps from data to pixels. */
interface Frame {
  width: number;
  height: number;
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  x: (v: number) => number;
  y: (v: number) => number;
}

function makeFrame(xAxis: Axis, yAxis: Axis, width = 440, height = 340): Frame {
  const left = 56;
  const top = 14;
  const plotWidth = width - left - 16;
  const plotHeight = height - top - 48;
  return {
    width, height, left, top, plotWidth, plotHeight,
    x: (v) => left + ((v - xAxis.min) / (xAxis.max - xAxis.min || 1)) * plotWidth,
    y: (v) => top + plotHeight - ((v - yAxis.min) / (yAxis.max - yAxis.min || 1)) * plotHeight,
  };
}

const px = (v: number) => String(Math.round(v * 10) / 10);

function pathD(frame: Frame, points: [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(frame.x(x))},${px(frame.y(y))}`).join(' ');
}

function axesSvg(frame: Frame, xAxis: Axis, yAxis: Axis): string {
  const { left, top, plotWidth, plotHeight } = frame;
  const bottom = top + plotHeight;
  const parts = [`<rect class="frame" x="${px(left)}" y="${px(top)}" width="${px(plotWidth)}" height="${px(plotHeight)}"/>`];
  for (const t of xAxis.ticks) {
    const x = px(frame.x(t));
    parts.push(`<line class="grid" x1="${x}" y1="${px(top)}" x2="${x}" y2="${px(bottom)}"/>`,
      `<text class="tick" x="${x}" y="${px(bottom + 16)}" text-anchor="middle">${escapeHtml(xAxis.format(t))}</text>`);
  }
  for (const t of yAxis.ticks) {
    const y = px(frame.y(t));
    parts.push(`<line class="grid" x1="${px(left)}" y1="${y}" x2="${px(left + plotWidth)}" y2="${y}"/>`,
      `<text class="tick" x="${px(left - 6)}" y="${px(frame.y(t) + 4)}" text-anchor="end">${escapeHtml(yAxis.format(t))}</text>`);
  }
  parts.push(
    `<text class="axis-label" x="${px(left + plotWidth / 2)}" y="${px(frame.height - 8)}" text-anchor="middle">${escapeHtml(xAxis.label)}</text>`,
    `<text class="axis-label" transform="translate(14 ${px(top + plotHeight / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(yAxis.label)}</text>`,
  );
  return parts.join('');
}

function svgOpen(frame: Frame, label: string): string {
  return `<svg viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" role="img" aria-label="${escapeHtml(label)}">`;
}

const unitTicks = [0, 0.2, 0.4, 0.6, 0.8, 1];
const unitAxis = (label: string, format: (v: number) => string = (v) => v.toFixed(1)): Axis =>
  ({ min: 0, max: 1, ticks: unitTicks, label, format });

/** About five round tick values from 0 to at least `max`. */
function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** ROC points as drawn: the curve always runs from (0,0) to (1,1) (thresholds above and below every score). */
function rocPoints(roc: RocCurve): [number, number][] {
  const points = roc.fpr.map((f, i): [number, number] => [f, roc.tpr[i]]);
  if (points.length === 0 || points[0][0] !== 0 || points[0][1] !== 0) points.unshift([0, 0]);
  const last = points[points.length - 1];
  if (last[0] !== 1 || last[1] !== 1) points.push([1, 1]);
  return points;
}

function legend(items: { colour: string; text: string; dashed?: boolean }[]): string {
  return `<ul class="legend">${items.map((i) =>
    `<li><span class="swatch${i.dashed ? ' dashed' : ''}" style="border-color:${i.colour}"></span>${escapeHtml(i.text)}</li>`).join('')}</ul>`;
}

function rocFigure(set: SetSummary, confidence: number): string {
  const xAxis = unitAxis('1 − specificity (false-positive rate)');
  const yAxis = unitAxis('Sensitivity (true-positive rate)');
  const frame = makeFrame(xAxis, yAxis);
  const curves = set.binary.map((task, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const op = task.operatingPoint;
    const cx = px(frame.x(1 - op.specificity.estimate));
    const cy = px(frame.y(op.sensitivity.estimate));
    return `<path class="roc-curve" data-task="${escapeHtml(task.id)}" d="${pathD(frame, rocPoints(task.roc))}" stroke="${colour}"/>` +
      `<circle class="operating-point" data-task="${escapeHtml(task.id)}" cx="${cx}" cy="${cy}" r="5" stroke="${colour}">` +
      `<title>${escapeHtml(`${task.title}: threshold ${op.threshold.toFixed(3)}`)}</title></circle>`;
  }).join('');
  const chance = `<path class="chance" d="${pathD(frame, [[0, 0], [1, 1]])}"/>`;
  const items = set.binary.map((task, i) => ({
    colour: PALETTE[i % PALETTE.length],
    text: `${task.title}: AUC ${formatEstimate(task.auc, 'score', confidence)}, ${SET_LABELS[set.set]}`,
  }));
  const body = set.binary.length === 0
    ? '<p class="note">No binary screening task was evaluated, so there is no ROC curve.</p>'
    : `${svgOpen(frame, `ROC curves, ${SET_LABELS[set.set]}`)}${axesSvg(frame, xAxis, yAxis)}${chance}${curves}</svg>` +
      legend([...items, { colour: '#94a3b8', text: 'Chance', dashed: true }]) +
      '<p class="note">Circles mark the operating point (threshold chosen before the test set was seen).</p>';
  return `<figure id="roc" class="plot">${body}</figure>`;
}

function calibrationFigure(set: SetSummary): string {
  const c = set.calibration;
  const xAxis = unitAxis('Mean confidence of the predicted grade');
  const yAxis = unitAxis('Fraction correct');
  const frame = makeFrame(xAxis, yAxis);
  const series = (bins: ReliabilityBin[], colour: string, cls: string) => {
    const filled = bins.filter((b) => b.count > 0 && Number.isFinite(b.confidence) && Number.isFinite(b.accuracy));
    const maxCount = Math.max(1, ...filled.map((b) => b.count));
    const dots = filled.map((b) =>
      `<circle cx="${px(frame.x(b.confidence))}" cy="${px(frame.y(b.accuracy))}" r="${px(2.5 + 4.5 * Math.sqrt(b.count / maxCount))}" fill="${colour}">` +
      `<title>${escapeHtml(`${b.lower.toFixed(1)}–${b.upper.toFixed(1)}: ${b.count} images, ${formatMetric(b.accuracy, 'percent')} correct`)}</title></circle>`).join('');
    return `<g class="${cls}"><path d="${pathD(frame, filled.map((b): [number, number] => [b.confidence, b.accuracy]))}" stroke="${colour}"/>${dots}</g>`;
  };
  const svg = `${svgOpen(frame, `Reliability diagram, ${SET_LABELS[set.set]}`)}${axesSvg(frame, xAxis, yAxis)}` +
    `<path class="chance" d="${pathD(frame, [[0, 0], [1, 1]])}"/>` +
    `${series(c.binsBefore, BEFORE_COLOUR, 'reliability before')}${series(c.binsAfter, AFTER_COLOUR, 'reliability after')}</svg>`;
  return `<figure id="calibration" class="plot">${svg}${legend([
    { colour: BEFORE_COLOUR, text: `Before temperature scaling: ECE ${formatMetric(c.eceBefore, 'score')}, NLL ${formatMetric(c.nllBefore, 'score')}` },
    { colour: AFTER_COLOUR, text: `After (T = ${c.temperature.toFixed(2)}): ECE ${formatMetric(c.eceAfter, 'score')}, NLL ${formatMetric(c.nllAfter, 'score')}` },
    { colour: '#94a3b8', text: 'Perfect calibration', dashed: true },
  ])}<p class="note">${escapeHtml(`${SET_LABELS[set.set]}, ${set.count} images; dot area grows with the bin's image count; ` +
    `the temperature was fitted on the ${c.fittedOn} set.`)}</p></figure>`;
}

function trainingFigure(epochs: EpochPoint[], bestEpoch: number): string {
  if (epochs.length === 0) return '<p class="note">No per-epoch history was recorded.</p>';
  const shown = epochs.map((e) => e.epoch + 1);
  const xMax = Math.max(2, ...shown);
  const step = Math.max(1, Math.ceil(xMax / 10));
  const xTicks = Array.from({ length: Math.floor(xMax / step) }, (_, i) => (i + 1) * step).filter((t) => t <= xMax);
  const xAxis: Axis = { min: 1, max: xMax, ticks: xTicks.includes(1) ? xTicks : [1, ...xTicks], label: 'Epoch', format: String };
  const losses = epochs.flatMap((e) => [e.trainLoss, e.valLoss]).filter(Number.isFinite);
  const lossTicks = niceTicks(Math.max(...losses, 0));
  const lossAxis: Axis = { min: 0, max: lossTicks[lossTicks.length - 1], ticks: lossTicks, label: 'Cross-entropy loss', format: (v) => String(v) };
  const accAxis = unitAxis('Validation accuracy', (v) => `${Math.round(v * 100)}%`);
  const chart = (yAxis: Axis, lines: { key: keyof EpochPoint; colour: string; cls: string }[], label: string) => {
    const frame = makeFrame(xAxis, yAxis, 420, 300);
    const best = `<line class="best-epoch" x1="${px(frame.x(bestEpoch + 1))}" y1="${px(frame.top)}" x2="${px(frame.x(bestEpoch + 1))}" y2="${px(frame.top + frame.plotHeight)}"/>`;
    const paths = lines.map((l) => {
      const pts = epochs.filter((e) => Number.isFinite(e[l.key])).map((e): [number, number] => [e.epoch + 1, e[l.key]]);
      const dots = pts.map(([x, y]) => `<circle cx="${px(frame.x(x))}" cy="${px(frame.y(y))}" r="2.5" fill="${l.colour}"/>`).join('');
      return `<g class="${l.cls}"><path d="${pathD(frame, pts)}" stroke="${l.colour}"/>${dots}</g>`;
    }).join('');
    return `${svgOpen(frame, label)}${axesSvg(frame, xAxis, yAxis)}${best}${paths}</svg>`;
  };
  return `<figure id="training" class="plot"><div class="pair">` +
    chart(lossAxis, [{ key: 'trainLoss', colour: AFTER_COLOUR, cls: 'train-loss' }, { key: 'valLoss', colour: BEFORE_COLOUR, cls: 'val-loss' }], 'Loss per epoch') +
    chart(accAxis, [{ key: 'valAccuracy', colour: PALETTE[2], cls: 'val-accuracy' }], 'Validation accuracy per epoch') +
    `</div>${legend([
      { colour: AFTER_COLOUR, text: 'Training loss' }, { colour: BEFORE_COLOUR, text: 'Validation loss' },
      { colour: PALETTE[2], text: 'Validation accuracy' }, { colour: '#64748b', text: `Best epoch (${bestEpoch + 1}), whose weights were kept`, dashed: true },
    ])}</figure>`;
}

// ---- Tables ---------------------------------------------------------------------------------------------

function confusionTable(set: SetSummary, classNames: string[]): string {
  const head = classNames.map((n) => `<th scope="col">${escapeHtml(n)}</th>`).join('');
  const rows = set.confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((count, p) => {
      const fraction = total > 0 ? count / total : 0;
      const style = `background:rgba(37,99,235,${(0.04 + 0.86 * fraction).toFixed(3)});color:${fraction > 0.5 ? '#fff' : '#0f172a'}`;
      return `<td class="${t === p ? 'diagonal' : ''}" style="${style}">${count}<small>${formatMetric(fraction, 'percent')}</small></td>`;
    }).join('');
    return `<tr><th scope="row">${escapeHtml(classNames[t] ?? String(t))}</th>${cells}<td class="total">${total}</td></tr>`;
  }).join('');
  return `<figure id="confusion" class="plot"><table class="confusion">` +
    `<thead><tr><th class="corner">True ↓ / Predicted →</th>${head}<th scope="col">Total</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p class="note">${escapeHtml(`${SET_LABELS[set.set]}, ${set.count} images. Each cell: images and share of its true-class row; shading follows the row share.`)}</p></figure>`;
}

/** An estimate in a table cell: the value, then its interval in smaller type. */
function estimateCell(e: IntervalEstimate, scale: MetricScale, confidence: number): string {
  return `<td>${formatMetric(e.estimate, scale)} <span class="ci">(${escapeHtml(formatInterval(e, scale, confidence))})</span></td>`;
}

function perClassTable(set: SetSummary): string {
  const rows = set.perClass.map((c) => `<tr><th scope="row">${escapeHtml(c.name)}</th><td>${c.support}</td>` +
    `<td>${formatMetric(c.sensitivity, 'percent')}</td><td>${formatMetric(c.specificity, 'percent')}</td><td>${formatMetric(c.auc, 'score')}</td></tr>`).join('');
  return `<table class="data"><thead><tr><th>Class</th><th>Images</th><th>Sensitivity (recall)</th><th>Specificity</th><th>AUC (one-vs-rest)</th></tr></thead>` +
    `<tbody>${rows}</tbody></table><p class="note">${escapeHtml(`${SET_LABELS[set.set]}; point estimates (per-class intervals are not bootstrapped).`)}</p>`;
}

function operatingPointTable(set: SetSummary, confidence: number): string {
  if (set.binary.length === 0) return '<p class="note">No binary screening task, so no operating point.</p>';
  const row = (task: BinaryTaskSummary) => {
    const op = task.operatingPoint;
    return `<tr><th scope="row">${escapeHtml(task.title)}</th><td>${formatMetric(op.targetSensitivity, 'percent')}</td><td>${op.threshold.toFixed(3)}</td>` +
      estimateCell(op.sensitivity, 'percent', confidence) + estimateCell(op.specificity, 'percent', confidence) +
      `<td>${formatMetric(op.ppv, 'percent')}</td><td>${formatMetric(op.npv, 'percent')}</td><td>${op.tp} / ${op.fp} / ${op.tn} / ${op.fn}</td></tr>`;
  };
  return `<table class="data"><thead><tr><th>Task</th><th>Target sensitivity</th><th>Threshold</th><th>Sensitivity</th><th>Specificity</th>` +
    `<th>PPV</th><th>NPV</th><th>TP / FP / TN / FN</th></tr></thead><tbody>${set.binary.map(row).join('')}</tbody></table>` +
    `<p class="note">${escapeHtml(`Thresholds on the summed probability of the positive grades, chosen for the target sensitivity before ` +
      `the test set was seen; figures from the ${SET_LABELS[set.set]}. PPV and NPV depend on this set's prevalence.`)}</p>` +
    set.binary.map((task) => thresholdChoice(task, confidence) + prevalenceTable(task, set)).join('');
}

/** How a task's threshold was chosen, its intervals, and the few-cases warning. */
function thresholdChoice(task: BinaryTaskSummary, confidence: number): string {
  const selection = task.operatingPoint.selection;
  if (!selection) return '';
  const warning = selectionWarning(selection);
  return `<div class="threshold-choice" data-task="${escapeHtml(task.id)}"><h3>${escapeHtml(task.title)}: the threshold</h3>` +
    `<p class="note">${escapeHtml(`Threshold ${selectionSentence(selection)}.`)}</p>` +
    (warning ? `<p class="banner validation warning">${escapeHtml(warning)}</p>` : '') +
    keyValueTable(selectionIntervals(selection, confidence).map((r): [string, string] => [r.label, r.value])) + '</div>';
}

/** What the threshold gives at 5%, 10%, 30% and the validation prevalence, from this set's sensitivity and specificity. */
function prevalenceTable(task: BinaryTaskSummary, set: SetSummary): string {
  const rows = prevalenceRows(task.operatingPoint);
  if (rows.length === 0) return '';
  return `<table class="data prevalence" data-task="${escapeHtml(task.id)}"><caption>${escapeHtml(`${task.title}: at other prevalences`)}</caption>` +
    `<thead><tr>${PREVALENCE_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`).join('')}</tbody></table>` +
    `<p class="note">${escapeHtml(`By Bayes from the sensitivity and specificity on the ${SET_LABELS[set.set]}.`)}</p>`;
}

/** The validation class mix, the temperature decision, and ECE at other prevalences. */
function calibrationFacts(set: SetSummary, classNames: string[]): string {
  const c = set.calibration;
  const sentences = [validationMixSentence(classNames, c), temperatureDecisionSentence(c.temperatureDecision)].filter((x): x is string => x !== null);
  const rows = c.atPrevalence ?? [];
  const table = rows.length === 0 ? '' :
    `<table class="data calibration-prevalence"><caption>${escapeHtml(`ECE where ${calibrationTaskTitle(rows, set.binary)} has another prevalence`)}</caption>` +
    `<thead><tr>${CALIBRATION_AT_PREVALENCE_COLUMNS.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((a) => `<tr>${calibrationAtPrevalenceRow(a).map((v, i) => (i === 0 ? `<th scope="row">${escapeHtml(v)}</th>` : `<td>${escapeHtml(v)}</td>`)).join('')}</tr>`).join('') +
    `</tbody></table><p class="note">${escapeHtml(CALIBRATION_AT_PREVALENCE_NOTE)}</p>`;
  return sentences.map((t) => `<p class="note calibration-fact">${escapeHtml(t)}</p>`).join('') + table;
}

function comparisonTable(summary: EvaluationSummary, confidence: number): string {
  const test = summary.test;
  if (!test) return '';
  const val = keyMetrics(summary.validation);
  const rows = keyMetrics(test).map((m, i) => `<tr><th scope="row">${escapeHtml(m.label)}</th>` +
    (val[i] ? estimateCell(val[i].value, val[i].scale, confidence) : `<td>${NOT_MEASURED}</td>`) +
    `${estimateCell(m.value, m.scale, confidence)}</tr>`).join('');
  return `<section><h2>Validation and test side by side</h2><table class="data"><thead><tr><th>Metric</th><th>Validation set (${summary.validation.count})</th>` +
    `<th>Test set (${test.count})</th></tr></thead><tbody>${rows}</tbody></table>` +
    '<p class="note">The validation set chose the best epoch, the thresholds (with the training set, where they were chosen out-of-fold) ' +
    'and the temperature, so its numbers are optimistic; quote the test set.</p></section>';
}

function dataTable(data: DatasetSummary): string {
  const splits = splitsOf(data);
  const head = splits.map((s) => `<th>${s}</th>`).join('');
  const rows = data.classNames.map((name, k) => `<tr><th scope="row">${escapeHtml(name)}</th>` +
    splits.map((s) => `<td>${data.counts[s]?.[k] ?? 0}</td>`).join('') + '</tr>').join('');
  const totals = splits.map((s) => `<td>${(data.counts[s] ?? []).reduce((a, b) => a + b, 0)}</td>`).join('');
  const patients = data.patients
    ? `<tr class="patients"><th scope="row">Patients</th>${splits.map((s) => `<td>${data.patients?.[s] ?? NOT_MEASURED}</td>`).join('')}</tr>` : '';
  return `<dl class="facts"><dt>Source</dt><dd>${escapeHtml(data.source)}</dd><dt>Task</dt><dd>${escapeHtml(data.task)}</dd></dl>` +
    `<table class="data"><thead><tr><th>Images per class</th>${head}</tr></thead><tbody>${rows}` +
    `<tr class="total"><th scope="row">Total</th>${totals}</tr>${patients}</tbody></table>`;
}

/** Key/value pairs, two pairs to a row so that long lists of settings stay short. */
/** A run's settings as rows: the table of settings' entries in its order with what each is, then any others (task, crop). */
export function settingRows(s: SettingsRecord): { name: string; value: string; help: string }[] {
  const known = SETTING_NAMES.filter((name) => settingAt(s, name) !== undefined)
    .map((name) => ({ name: name as string, value: formatSetting(settingAt(s, name)), help: settingSpec(name).help }));
  const groups = new Set(SETTING_NAMES.map((name) => name.split('.')[0]));
  const others = Object.entries(s).filter(([k]) => !groups.has(k)).map(([k, v]) => ({ name: k, value: formatSetting(v), help: '' }));
  return [...known, ...others];
}

function settingsTable(s: SettingsRecord): string {
  const rows = settingRows(s).map((r) => `<tr><th scope="row">${escapeHtml(r.name)}</th><td>${escapeHtml(r.value)}</td><td>${escapeHtml(r.help)}</td></tr>`);
  return `<table class="data settings"><thead><tr><th>Setting</th><th>Value</th><th>What it is</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function keyValueTable(entries: [string, string][]): string {
  const rows: string[] = [];
  for (let i = 0; i < entries.length; i += 2) {
    rows.push(`<tr>${entries.slice(i, i + 2).map(([k, v]) => `<th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td>`).join('')}</tr>`);
  }
  return `<table class="kv"><tbody>${rows.join('')}</tbody></table>`;
}

function cvTable(cv: CrossValidationSummary): string {
  const keys = [...new Set([...cv.folds.flatMap((f) => Object.keys(f.metrics)), ...Object.keys(cv.mean)])];
  const cell = (v: number | undefined) => `<td>${formatMetric(v, 'score')}</td>`;
  const rows = cv.folds.map((f) => `<tr><th scope="row">Fold ${f.fold}</th>${keys.map((k) => cell(f.metrics[k])).join('')}</tr>`).join('');
  const summaryRow = `<tr class="total"><th scope="row">Mean ± SD</th>${keys.map((k) => `<td>${formatMetric(cv.mean[k], 'score')} ± ${formatMetric(cv.sd[k], 'score')}</td>`).join('')}</tr>`;
  return `<section><h2>${cv.k}-fold cross-validation</h2><table class="data"><thead><tr><th>Fold</th>${keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows}${summaryRow}</tbody></table><p class="note">Each fold's metrics are on that fold's held-out part.</p></section>`;
}

function headlines(set: SetSummary, confidence: number): string {
  const cards = keyMetrics(set).map((m) => `<div class="headline" data-set="${set.set}">` +
    `<div class="headline-label">${escapeHtml(m.label)}</div><div class="headline-value">${formatMetric(m.value.estimate, m.scale)}</div>` +
    `<div class="headline-ci">${escapeHtml(formatInterval(m.value, m.scale, confidence))} · ${SET_LABELS[set.set]}</div></div>`).join('');
  return `<div class="headlines">${cards}</div>`;
}

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f8fafc;color:#0f172a;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:880px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid #e2e8f0}
.meta{color:#475569;font-size:13px;margin:0}
.banner{margin:16px 0;padding:10px 14px;border-radius:6px;font-size:14px}
.banner.test{background:#ecfdf5;border:1px solid #a7f3d0}.banner.validation{background:#fffbeb;border:1px solid #fcd34d}
.headlines{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.headline{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 12px}
.headline-label{font-size:12px;color:#475569}.headline-value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
.headline-ci{font-size:12px;color:#475569}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px;background:#fff}
th,td{padding:5px 8px;border:1px solid #e2e8f0;text-align:right}th{font-weight:600;background:#f1f5f9}
th[scope=row],th:first-child{text-align:left}table.kv td{text-align:left;overflow-wrap:anywhere;width:30%}
td .ci{display:block;font-size:11px;color:#475569;white-space:nowrap}
table.data,table.kv{width:100%}
table.confusion td{min-width:64px;text-align:center}table.confusion small{display:block;font-size:11px;opacity:.8}
table.confusion td.diagonal{font-weight:600}td.total,tr.total td,tr.total th{background:#f8fafc}
figure{margin:0}figure.plot svg{max-width:100%;height:auto;background:#fff;border:1px solid #e2e8f0;border-radius:6px}
.pair{display:flex;flex-wrap:wrap;gap:12px}.pair svg{flex:1 1 360px}
svg .frame{fill:none;stroke:#94a3b8}svg .grid{stroke:#e2e8f0}svg .tick{font-size:11px;fill:#475569}
svg .axis-label{font-size:12px;fill:#0f172a}svg path{fill:none;stroke-width:2}
svg .chance{stroke:#94a3b8;stroke-dasharray:5 4;stroke-width:1.5}svg .operating-point{fill:#fff;stroke-width:2.5}
svg .reliability.before path{stroke-dasharray:6 3}svg .best-epoch{stroke:#64748b;stroke-dasharray:4 4}
.legend{list-style:none;padding:0;margin:8px 0;font-size:13px}.legend li{margin:2px 0}
.swatch{display:inline-block;width:22px;border-top:3px solid;vertical-align:middle;margin-right:8px}.swatch.dashed{border-top-style:dashed}
.note{font-size:13px;color:#475569;margin:6px 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 10px}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
pre{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:6px;overflow-x:auto;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
footer{margin-top:32px;font-size:12px;color:#64748b}
@media print{body{background:#fff}.headline,figure.plot svg{break-inside:avoid}}
`;

export function renderReportHtml(input: ReportInput): string {
  const { summary } = input;
  const set = quotedSet(summary);
  const confidence = summary.bootstrap.confidence;
  const banner = set.set === 'test'
    ? `<p class="banner test">Numbers below are from the untouched <strong>test set</strong> (${set.count} images) unless a table says otherwise.</p>`
    : `<p class="banner validation"><strong>No held-out test set.</strong> Numbers below are from the <strong>validation set</strong> ` +
      `(${set.count} images), which also chose the best epoch, the thresholds and the temperature: they are optimistic. ` +
      'Evaluate on images the model and its settings never saw before quoting them.</p>';
  const timings = Object.entries(input.timings).map(([k, v]): [string, string] => [k, formatDuration(v)]);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body><main>
<header><h1>${escapeHtml(input.title)}</h1>
<p class="meta">${escapeHtml(`Created ${input.createdAt} · ${input.data.task} · backend ${input.backend} · classes: ${summary.classNames.join(', ')}`)}</p></header>
${banner}
<section><h2>Headline numbers (${SET_LABELS[set.set]})</h2>${headlines(set, confidence)}</section>
${comparisonTable(summary, confidence)}
<section><h2>ROC curves (${SET_LABELS[set.set]})</h2>${rocFigure(set, confidence)}</section>
<section><h2>Operating point (${SET_LABELS[set.set]})</h2>${operatingPointTable(set, confidence)}</section>
<section><h2>Confusion matrix (${SET_LABELS[set.set]})</h2>${confusionTable(set, summary.classNames)}</section>
<section><h2>Per class (${SET_LABELS[set.set]})</h2>${perClassTable(set)}</section>
<section><h2>Calibration (${SET_LABELS[set.set]})</h2>${calibrationFigure(set)}${calibrationFacts(set, summary.classNames)}</section>
<section><h2>Training</h2>${trainingFigure(input.epochs, input.bestEpoch)}</section>
${input.cv ? cvTable(input.cv) : ''}
<section><h2>Data</h2>${dataTable(input.data)}</section>
<section><h2>Settings</h2>${settingsTable(input.settings)}</section>
<section><h2>Timings</h2>${keyValueTable([...timings, ['backend', input.backend]])}</section>
<section><h2>Command</h2><pre><code>${escapeHtml(input.command)}</code></pre></section>
<footer>${escapeHtml(`Intervals: ${Math.round(confidence * 100)}% percentile bootstrap, ${summary.bootstrap.resamples} resamples, seed ${summary.bootstrap.seed}. ` +
    'Made by Fovea (BVLC GoogLeNet fine-tuned in the browser). For research and teaching; not a medical device.')}</footer>
</main></body></html>
`;
}
