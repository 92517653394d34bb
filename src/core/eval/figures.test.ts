import { describe, expect, it } from 'vitest';
import { renderModelCard } from '../export/model-card';
import { resolveTrainConfig } from '../train/config';
import {
  calibrationAtPrevalenceRow, prevalenceRows, selectionIntervals, selectionSentence, selectionWarning, temperatureDecisionSentence,
  validationMixSentence,
} from './figures';
import { escapeHtml, renderReportHtml } from './report-html';
import type { EvaluationSummary } from './summary';
import { makeDatasetFixture, makeSummaryFixture } from './summary.fixture';

function html(summary: EvaluationSummary): string {
  return renderReportHtml({
    title: 'Fovea evaluation', createdAt: '2025-03-14T09:26:53Z', command: 'npm run evaluate', summary,
    settings: resolveTrainConfig({}), data: makeDatasetFixture(), epochs: [], bestEpoch: 0, timings: {}, backend: 'wasm',
  });
}

function card(summary: EvaluationSummary): string {
  return renderModelCard({
    createdAt: '2025-03-14T09:26:53Z', classNames: summary.classNames, ordinal: true, task: '5 DR grades',
    scenario: { number: 1, title: 'Linear head' }, settings: resolveTrainConfig({}),
    preprocessing: { inputSize: 224, steps: ['resize'], fieldOfViewCrop: false, colourNormalisation: null, testTimeRotations: 1 },
    data: makeDatasetFixture(), summary, weightsProvenance: {},
  });
}

/** Every string a new figure is shown as, from its one definition in figures.ts. */
function newFigureTexts(summary: EvaluationSummary): string[] {
  const set = summary.test!;
  const confidence = summary.bootstrap.confidence;
  return [
    ...set.binary.flatMap((t) => [
      selectionSentence(t.operatingPoint.selection!),
      ...selectionIntervals(t.operatingPoint.selection!, confidence).map((r) => r.value),
      ...prevalenceRows(t.operatingPoint).flat(),
    ]),
    validationMixSentence(summary.classNames, set.calibration)!,
    temperatureDecisionSentence(set.calibration.temperatureDecision)!,
    ...set.calibration.atPrevalence!.flatMap(calibrationAtPrevalenceRow),
  ];
}

describe('every new figure travels to metrics.json, report.html and the model card from one definition', () => {
  it('metrics.json carries the threshold source and counts, the prevalence outcomes and the calibration decision', () => {
    const json = JSON.parse(JSON.stringify(makeSummaryFixture())) as EvaluationSummary;
    const [ref, any] = json.test!.binary.map((b) => b.operatingPoint);
    expect([ref.chosenOn, any.chosenOn]).toEqual(['validation', 'out-of-fold train+validation']);
    expect(any.selection).toMatchObject({
      source: 'out-of-fold train+validation', positives: 1671, negatives: 1625, warning: null,
      outOfFold: { folds: 5, lambda: 1e-4, rotationsAveraged: 4 },
    });
    expect(ref.selection).toMatchObject({ source: 'validation', positives: 149, negatives: 217 });
    expect(ref.atPrevalence!.map((r) => r.prevalence)).toEqual([0.05, 0.1, 149 / 366, 0.3].sort((a, b) => a - b));
    expect(json.test!.calibration.temperatureDecision).toMatchObject({ kept: true, cvNllWithTemperature: 0.503, cvNllWithout: 0.521 });
    expect(json.test!.calibration.validationPrevalence).toHaveLength(5);
    expect(json.test!.calibration.atPrevalence).toHaveLength(3);
  });

  it('report.html and MODEL_CARD.md show each of them', () => {
    const summary = makeSummaryFixture();
    const page = html(summary);
    const md = card(summary);
    // Spot checks by hand: referable DR at 10% with sensitivity 133/149 and specificity 191/217 refers
    // 1000 (0.1 x 0.8926 + 0.9 x 0.1198) = 197 per 1,000.
    expect(prevalenceRows(summary.test!.binary[0].operatingPoint)[1]).toEqual(['10.0%', '45.3%', '98.7%', '197', '10.7']);
    for (const text of newFigureTexts(summary)) {
      expect(page, text).toContain(escapeHtml(text));
      expect(md.replace(/\\/g, ''), text).toContain(text);
    }
  });

  it('says how out-of-fold predictions were made, and the range of L2 strengths when pooled over runs that chose differently', () => {
    const any = makeSummaryFixture().test!.binary[1].operatingPoint.selection!;
    expect(selectionSentence(any)).toBe('chosen on out-of-fold predictions pooled over train + validation (5 patient-aware folds, each head ' +
      'fitted at L2 1.00e-4, probabilities averaged over 4 rotations) from 1671 positives and 1625 negatives (bootstrap over images)');
    expect(selectionSentence({ ...any, outOfFold: { folds: 5, lambda: 1e-2, lambdaMax: 1e-1, rotationsAveraged: 1 } }))
      .toContain('(5 patient-aware folds, each head fitted at L2 1.00e-2 to 1.00e-1 (as each run chose), no test-time rotations)');
    expect(selectionSentence(makeSummaryFixture().test!.binary[0].operatingPoint.selection!)).not.toContain('folds');
  });

  it('the few-cases warning appears in both when a threshold had fewer than 30 of either', () => {
    const summary = makeSummaryFixture();
    const selection = summary.test!.binary[1].operatingPoint.selection!;
    Object.assign(selection, { positives: 9, negatives: 5, warning: 'chosen from 9 positives and 5 negatives: too few for a stable threshold' });
    const warning = selectionWarning(selection)!;
    expect(warning).toBe('Threshold chosen from 9 positives and 5 negatives: too few for a stable threshold.');
    expect(html(summary)).toContain(warning);
    expect(card(summary)).toContain(warning);
  });

  it('a summary without the new fields (an older package) still renders', () => {
    const summary = makeSummaryFixture();
    for (const set of [summary.validation, summary.test!]) {
      for (const t of set.binary) { delete t.operatingPoint.selection; delete t.operatingPoint.atPrevalence; }
      delete set.calibration.temperatureDecision; delete set.calibration.validationPrevalence; delete set.calibration.atPrevalence;
    }
    expect(html(summary)).toContain('Operating point');
    expect(card(summary)).toContain('## Calibration');
  });
});
