import { describe, expect, it } from 'vitest';
import { flatMetrics, headlineMetrics, SET_METRICS, TASK_METRICS, taskCriterion, taskName } from './metric-definitions';
import { renderReportHtml } from './report-html';
import { makeDatasetFixture, makeSummaryFixture } from './summary.fixture';

describe('headline metrics, defined once', () => {
  const summary = makeSummaryFixture({ withTest: true });
  const test = summary.test!;

  it('lists every set metric, then every screening question with each task metric, reading the summary', () => {
    const metrics = headlineMetrics(test);
    expect(metrics.map((m) => m.key)).toEqual([
      ...SET_METRICS.map((d) => d.id),
      ...test.binary.flatMap((t) => TASK_METRICS.map((d) => `${t.id}.${d.id}`)),
    ]);
    const byKey = new Map(metrics.map((m) => [m.key, m]));
    expect(byKey.get('quadraticKappa')!.value).toBe(test.quadraticKappa);
    const referable = test.binary[0];
    expect(byKey.get(`${referable.id}.auc`)!.value).toBe(referable.auc);
    expect(byKey.get(`${referable.id}.specificity`)!.value).toBe(referable.operatingPoint.specificity);
    expect(byKey.get(`${referable.id}.sensitivity`)!.longLabel).toBe(
      `${referable.title}: sensitivity at threshold ${referable.operatingPoint.threshold.toFixed(3)}`);
    expect(byKey.get('accuracy')!.hint).toBe(`exact class, all ${test.perClass.length} classes`);
  });

  it('leaves out what a set does not have (kappa of unordered classes)', () => {
    const { quadraticKappa: _k, ...unordered } = test;
    void _k;
    expect(headlineMetrics(unordered).some((m) => m.key === 'quadraticKappa')).toBe(false);
  });

  it('flattens to the keys metrics.json has always used, plus ECE after temperature', () => {
    const flat = flatMetrics(test);
    expect(flat.accuracy).toBe(test.accuracy.estimate);
    expect(flat.macroAuc).toBe(test.macroAuc.estimate);
    expect(flat[`${test.binary[1].id}.auc`]).toBe(test.binary[1].auc.estimate);
    expect(flat.eceAfterTemperature).toBe(test.calibration.eceAfter);
  });

  it("splits a task's title into its name and criterion (no regex over rendered text)", () => {
    expect(taskName({ title: 'Referable DR (grade 2 or worse)' })).toBe('Referable DR');
    expect(taskCriterion({ title: 'Referable DR (grade 2 or worse)', positiveClasses: ['Moderate'] })).toBe('grade 2 or worse');
    expect(taskCriterion({ title: 'Glaucoma', positiveClasses: ['Glaucoma'] })).toBe('Glaucoma');
  });

  it('report.html lists exactly these metrics, in this order', () => {
    const html = renderReportHtml({
      title: 't', createdAt: '2026-12-03T00:00:00Z', command: 'c', summary, settings: {}, data: makeDatasetFixture({ withTest: true }),
      epochs: [], bestEpoch: 0, timings: {}, backend: 'wasm',
    });
    let from = 0;
    for (const m of headlineMetrics(test)) {
      const at = html.indexOf(m.longLabel.replace(/&/g, '&amp;'), from);
      expect(at, `${m.longLabel} missing or out of order`).toBeGreaterThan(-1);
      from = at;
    }
  });
});
