import type { EvalReport } from '../../core/eval/report';
import type { EvaluationSummary } from '../../core/eval/summary';
import { useModelStore } from '../../state/model';
import { isActive, useTrainingStore } from '../../state/training';
import type { SetId } from './provenance';

export interface ScreeningView {
  summary: EvaluationSummary;
  bestEpoch: number | null;
  predictions: Record<SetId, EvalReport | null>;
}

/**
 * The evaluation summary to show, when there is one: the finished run's (while no new run is training), or the
 * one stored in an imported package's fovea.json. Null sends the screen back to the plain validation view.
 */
export function useScreeningView(): ScreeningView | null {
  const summary = useTrainingStore((s) => s.summary);
  // The finished run's kept epoch (the store's bestEpoch follows a run in progress, or one that failed).
  const bestEpoch = useTrainingStore((s) => s.finished?.result.bestEpoch ?? null);
  const testReport = useTrainingStore((s) => s.testReport);
  const finishedReport = useTrainingStore((s) => s.finished?.result.report ?? null);
  const training = useTrainingStore((s) => isActive(s.status));
  const info = useModelStore((s) => s.info);

  if (training) return null;
  if (info?.origin === 'imported') {
    return info.manifest.screening ? { summary: info.manifest.screening, bestEpoch: null, predictions: { validation: null, test: null } } : null;
  }
  if (!summary) return null;
  return { summary, bestEpoch, predictions: { validation: finishedReport, test: testReport } };
}
