import { formatFixed, formatPercent } from './format';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../train/config';
import { settingSpec } from '../train/settings';
import {
  escapeHtml, formatDuration, formatEstimate, formatInterval, formatMetric, keyMetrics, quotedSet, renderReportHtml,
  type ReportInput,
} from './report-html';
import { makeDatasetFixture, makeSummaryFixture } from './summary.fixture';
import type { EvaluationSummary } from './summary';

function reportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  const withTest = overrides.summary ? overrides.summary.test !== undefined : true;
  return {
    title: 'Fovea evaluation: APTOS 2019, 5 grades',
    createdAt: '2025-03-14T09:26:53Z',
    command: 'npx tsx scripts/evaluate.ts --data ../shared/aptos --labels train.csv --scenario finetune-pretrained --test-fraction 0.1',
    summary: makeSummaryFixture({ withTest }),
    settings: { ...resolveTrainConfig({ epochs: 12 }), task: 'grades', preprocessing: 'centre-square crop, BGR minus Caffe mean' },
    data: makeDatasetFixture({ withTest }),
    epochs: [1.21, 0.93, 0.81, 0.74, 0.69, 0.66, 0.64, 0.63].map((trainLoss, epoch) => ({
      epoch, trainLoss, valLoss: [1.02, 0.84, 0.71, 0.62, 0.57, 0.53, 0.52, 0.55][epoch], valAccuracy: 0.6 + epoch * 0.03,
    })),
    bestEpoch: 6,
    timings: { 'feature cache': 41.2, training: 612.7, evaluation: 38.1 },
    backend: 'webgpu',
    ...overrides,
  };
}

/** The inner markup of the element with this id (figures are not nested, so the first closing tag ends it). */
function elementById(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `no element with id="${id}"`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</figure>', start));
}

/** Numbers of an SVG path's M/L commands. */
function pathPoints(d: string): [number, number][] {
  return [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('the evaluation fixture', () => {
  it('is consistent: sensitivities, accuracy and calibration bins agree with the confusion matrices', () => {
    const summary = makeSummaryFixture();
    for (const set of [summary.validation, summary.test!]) {
      const n = set.confusion.flat().reduce((a, b) => a + b, 0);
      const diagonal = set.confusion.reduce((a, row, i) => a + row[i], 0);
      expect(n).toBe(set.count);
      expect(set.accuracy.estimate).toBeCloseTo(diagonal / n, 10);
      set.perClass.forEach((c, k) => {
        expect(c.support).toBe(set.confusion[k].reduce((a, b) => a + b, 0));
        expect(c.sensitivity).toBeCloseTo(set.confusion[k][k] / c.support, 10);
      });
      for (const bins of [set.calibration.binsBefore, set.calibration.binsAfter]) {
        expect(bins.reduce((a, b) => a + b.count, 0)).toBe(n);
        expect(bins.reduce((a, b) => a + (b.count ? b.count * b.accuracy : 0), 0)).toBeCloseTo(diagonal, 6);
      }
      for (const task of set.binary) {
        const op = task.operatingPoint;
        expect(op.tp + op.fn).toBe(task.positives);
        expect(op.tn + op.fp).toBe(task.negatives);
        expect(task.positives + task.negatives).toBe(n);
        for (const e of [task.auc, op.sensitivity, op.specificity]) {
          expect(e.low).toBeLessThanOrEqual(e.estimate);
          expect(e.high).toBeGreaterThanOrEqual(e.estimate);
        }
      }
    }
  });
});

describe('number formatting', () => {
  it('gives scores three decimals and proportions as percentages with one decimal', () => {
    expect(formatEstimate({ estimate: 0.912, low: 0.884, high: 0.937 }, 'score', 0.95)).toBe('0.912 (95% CI 0.884–0.937)');
    expect(formatEstimate({ estimate: 0.875, low: 0.801, high: 0.926 }, 'percent', 0.95)).toBe('87.5% (95% CI 80.1–92.6%)');
    expect(formatMetric(NaN, 'score')).toBe('n/a');
    expect(formatPercent(0.7241)).toBe('72.4%'); // ui/shared/format.ts's percent() is this function
    expect(formatFixed(undefined)).toBe('n/a');
    expect(formatInterval({ estimate: 0.5, low: NaN, high: NaN }, 'score', 0.9)).toBe('90% CI not computed');
  });

  it('writes durations for people (one formatter for reports, screens and the command)', () => {
    expect(formatDuration(4.24)).toBe('4.2 s');
    expect(formatDuration(41.24)).toBe('41 s');
    expect(formatDuration(-1)).toBe('n/a');
    expect(formatDuration(612.7)).toBe('10 min 13 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
  });

  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('renderReportHtml', () => {
  it('has the three plots under stable ids', () => {
    const html = renderReportHtml(reportInput());
    for (const id of ['roc', 'confusion', 'calibration']) expect(html).toContain(`id="${id}"`);
    expect(elementById(html, 'confusion')).toContain('<table class="confusion">');
    expect(elementById(html, 'roc')).toContain('<svg');
    expect(elementById(html, 'calibration')).toContain('<svg');
  });

  it('draws each ROC curve from (0,0) to (1,1) in plot coordinates, with its operating point', () => {
    const roc = elementById(renderReportHtml(reportInput()), 'roc');
    const frame = roc.match(/<rect class="frame" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/)!;
    const [x0, y0, w, h] = frame.slice(1).map(Number);
    const toPlot = ([x, y]: [number, number]) => [(x - x0) / w, (y0 + h - y) / h];
    const curves = [...roc.matchAll(/<path class="roc-curve" data-task="([^"]+)" d="([^"]+)"/g)];
    expect(curves.map((c) => c[1])).toEqual(['referable-dr', 'any-dr']);
    for (const [, , d] of curves) {
      const points = pathPoints(d).map(toPlot);
      const [fx, fy] = points[0];
      const [lx, ly] = points[points.length - 1];
      expect(fx).toBeCloseTo(0, 2); expect(fy).toBeCloseTo(0, 2);
      expect(lx).toBeCloseTo(1, 2); expect(ly).toBeCloseTo(1, 2);
    }
    // Test-set referable DR: sensitivity 133/149, specificity 191/217 -> (fpr 0.1198, tpr 0.8926).
    const dot = roc.match(/<circle class="operating-point" data-task="referable-dr" cx="([\d.]+)" cy="([\d.]+)"/)!;
    const [fpr, tpr] = toPlot([Number(dot[1]), Number(dot[2])]);
    expect(fpr).toBeCloseTo(1 - 191 / 217, 2);
    expect(tpr).toBeCloseTo(133 / 149, 2);
  });

  it('closes an ROC curve that lacks its end points', () => {
    const summary = makeSummaryFixture();
    summary.test!.binary[0].roc = { fpr: [0.1, 0.5], tpr: [0.6, 0.9], auc: 0.8 };
    const roc = elementById(renderReportHtml(reportInput({ summary })), 'roc');
    const d = roc.match(/class="roc-curve" data-task="referable-dr" d="([^"]+)"/)![1];
    expect(pathPoints(d)).toHaveLength(4);
  });

  it('quotes the test set: every headline number with its interval and the set it comes from', () => {
    const input = reportInput();
    const html = renderReportHtml(input);
    const cards = html.split('<div class="headline" ').slice(1);
    const metrics = keyMetrics(input.summary.test!);
    expect(cards).toHaveLength(metrics.length);
    metrics.forEach((m, i) => {
      expect(cards[i]).toContain('data-set="test"');
      expect(cards[i]).toContain(escapeHtml(m.label));
      expect(cards[i]).toContain(formatMetric(m.value.estimate, m.scale));
      expect(cards[i]).toContain(`${formatInterval(m.value, m.scale, 0.95)} · test set`);
    });
    // Accuracy 292/366, referable-DR AUC and sensitivity 133/149, as a reader sees them.
    expect(html).toContain('79.8%');
    expect(html).toContain('95% CI 75.7–83.9% · test set');
    expect(html).toContain('0.935</div><div class="headline-ci">95% CI 0.911–0.956 · test set');
    expect(html).toContain('<td>89.3% <span class="ci">(95% CI 83.9–94.0%)</span></td>'); // operating-point table
    expect(html).not.toContain('No held-out test set');
  });

  it('quotes the validation set, says so, and warns that it is optimistic when there is no test set', () => {
    const summary: EvaluationSummary = makeSummaryFixture({ withTest: false });
    const html = renderReportHtml(reportInput({ summary, data: makeDatasetFixture({ withTest: false }) }));
    expect(quotedSet(summary).set).toBe('validation');
    expect(html).toContain('No held-out test set');
    expect(html).not.toContain('data-set="test"');
    expect(html).not.toContain('Validation and test side by side');
    expect(html.split('<div class="headline" ').slice(1).every((card) => card.includes('· validation set'))).toBe(true);
    expect(html).toContain('Headline numbers (validation set)');
  });

  it('escapes every string that reaches the page', () => {
    const summary = makeSummaryFixture();
    summary.classNames[1] = '<script>alert(1)</script>';
    summary.test!.perClass[1].name = '<script>alert(1)</script>';
    summary.test!.binary[0].title = 'Referable "DR" <img src=x onerror=alert(1)>';
    const data = { ...makeDatasetFixture(), source: 'Clinic & <b>partners</b>' };
    const html = renderReportHtml(reportInput({
      summary, data, title: '</title><script>x()</script>', command: 'evaluate --name "<script>"',
      settings: { note: '<iframe>' }, timings: { '<t>': 1 },
    }));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img|<iframe|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Clinic &amp; &lt;b&gt;partners&lt;/b&gt;');
  });

  it('is self-contained: no URLs, no external sources, no scripts', () => {
    const html = renderReportHtml(reportInput({ cv: {
      k: 5,
      folds: [1, 2, 3, 4, 5].map((fold) => ({ fold, metrics: { accuracy: 0.78 + fold / 100, kappa: 0.85 } })),
      mean: { accuracy: 0.81, kappa: 0.85 }, sd: { accuracy: 0.016, kappa: 0 },
    } }));
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/\shref\s*=/i);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect(html).toContain('5-fold cross-validation');
    expect(html).toContain('0.810 ± 0.016');
  });

  it('shows the calibration before and after temperature scaling, the training curves, data, settings and command', () => {
    const input = reportInput();
    const html = renderReportHtml(input);
    const calibration = elementById(html, 'calibration');
    expect(calibration).toContain('class="reliability before"');
    expect(calibration).toContain('class="reliability after"');
    expect(calibration).toContain('ECE 0.063'); // eceBefore 0.06261
    expect(calibration).toContain('After (T = 1.47): ECE 0.026');
    expect(elementById(html, 'training')).toContain('Best epoch (7)');
    expect(html).toContain('APTOS 2019 Blindness Detection');
    expect(html).toContain('<td>1445</td>');
    expect(html).toContain('finetune-pretrained');
    // Settings: each with what it is, from the one table of settings (settings.ts), as the model card shows them.
    expect(html).toContain(`<th scope="row">epochs</th><td>12</td><td>${escapeHtml(settingSpec('epochs').help)}</td>`);
    expect(html).toContain('<th scope="row">task</th><td>grades</td><td></td>');
    expect(html).toContain('10 min 13 s');
    expect(html).toContain(escapeHtml(input.command));
    // The confusion cell for true Moderate predicted Moderate: 78 of 100.
    expect(elementById(html, 'confusion')).toContain('78<small>78.0%</small>');
  });

  it('lists patients per split when the labels carry patient ids', () => {
    const data = { ...makeDatasetFixture(), patients: { train: 1210, validation: 152, test: 151 } };
    const html = renderReportHtml(reportInput({ data }));
    expect(html).toContain('<tr class="patients"><th scope="row">Patients</th><td>1210</td><td>152</td><td>151</td></tr>');
  });
});
