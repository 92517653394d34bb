import { useShallow } from 'zustand/react/shallow';
import type { EvalReport } from '../../core/eval/report';
import { useModelStore } from '../../state/model';
import { isActive, useTrainingStore } from '../../state/training';

export interface ShownReport {
  report: EvalReport | Omit<EvalReport, 'predictions'>;
  /** Where the numbers come from, in words. */
  source: string;
  live: boolean;
}

/** Which validation report the Evaluate screen shows: live epoch, finished run, or an imported package's. */
export function useShownReport(): ShownReport | null {
  const { status, liveReport, epochs, finished, planned } = useTrainingStore(
    useShallow((s) => ({ status: s.status, liveReport: s.liveReport, epochs: s.epochs, finished: s.finished, planned: s.lastBatch?.epochs })),
  );
  const info = useModelStore((s) => s.info);
  const lastEpoch = epochs.length > 0 ? Math.max(...epochs.map((e) => e.epoch)) + 1 : 0;

  if (isActive(status) && liveReport) {
    return { report: liveReport, live: true, source: `Training in progress: validation after epoch ${lastEpoch}${planned ? ` of ${planned}` : ''}. Updates after every epoch.` };
  }
  if (finished && (info === null || info.origin === 'trained')) {
    // The kept epoch as the trainer reported it (0-based); never recomputed here.
    const best = finished.result.bestEpoch;
    const when = new Date(finished.finishedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return { report: finished.result.report, live: false, source: `Run finished at ${when}, best epoch ${best + 1} (the weights kept).` };
  }
  if (info?.origin === 'imported') {
    return { report: info.manifest.validation, live: false, source: `Validation results stored in the imported model (${new Date(info.manifest.createdAt).toLocaleDateString()}).` };
  }
  if (liveReport) {
    return { report: liveReport, live: false, source: `The run stopped before finishing; validation after epoch ${lastEpoch}.` };
  }
  return null;
}
