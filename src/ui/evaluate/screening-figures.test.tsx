import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  calibrationAtPrevalenceRow, prevalenceRows, selectionIntervals, selectionSentence, selectionWarning, temperatureDecisionSentence,
  validationMixSentence,
  prevalenceRow,
} from '../../core/eval/figures';
import { makeSummaryFixture } from '../../core/eval/summary.fixture';
import { usePrevalenceStore } from '../../state/prevalence';
import { CalibrationPanel } from './CalibrationPanel';
import { OperatingPointPanel } from './OperatingPointPanel';
import { outcomeAtDeployment } from './prevalence-view';

/** Text as React writes it into markup (apostrophes and quotes escaped). */
const asMarkup = (text: string) => renderToStaticMarkup(<>{text}</>);

describe('the Evaluate screen shows every new figure from its one definition', () => {
  const summary = makeSummaryFixture();
  const set = summary.test!;

  it('the operating-point panel: threshold source and counts, intervals, prevalence rows and the user’s prevalence', () => {
    // Server rendering reads the store's initial state: the default 10%.
    const deployment = usePrevalenceStore.getInitialState().deploymentPrevalence;
    const html = renderToStaticMarkup(<OperatingPointPanel set={set} confidence={0.95} />);
    expect(html).toContain('Prevalence where the model will be used (%)');
    for (const task of set.binary) {
      const texts = [
        selectionSentence(task.operatingPoint.selection!),
        ...selectionIntervals(task.operatingPoint.selection!, 0.95).map((r) => r.value),
        ...prevalenceRows(task.operatingPoint).flat(),
        ...prevalenceRow(outcomeAtDeployment(task, deployment)).slice(1),
      ];
      for (const text of texts) expect(html, text).toContain(asMarkup(text));
    }
    expect(html).toContain('10.0% (yours)');
  });

  it('the few-cases warning is shown', () => {
    const small = makeSummaryFixture().test!;
    Object.assign(small.binary[0].operatingPoint.selection!, { warning: 'chosen from 9 positives and 5 negatives: too few for a stable threshold' });
    const html = renderToStaticMarkup(<OperatingPointPanel set={small} confidence={0.95} />);
    expect(html).toContain(asMarkup(selectionWarning(small.binary[0].operatingPoint.selection)!));
  });

  it('the calibration panel: validation mix, temperature decision and ECE at other prevalences', () => {
    const html = renderToStaticMarkup(<CalibrationPanel set={set} classNames={summary.classNames} predictions={null} />);
    const texts = [
      validationMixSentence(summary.classNames, set.calibration)!, temperatureDecisionSentence(set.calibration.temperatureDecision)!,
      ...set.calibration.atPrevalence!.flatMap(calibrationAtPrevalenceRow),
    ];
    for (const text of texts) expect(html, text).toContain(asMarkup(text));
    expect(html).toContain('needs the per-image predictions');
  });
});
