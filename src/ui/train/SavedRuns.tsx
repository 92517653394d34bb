import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { scenarioById } from '../../core/train/config';
import { deleteSavedRun, openSavedRun } from '../../state/saved-runs';
import { isActive, useTrainingStore, type SavedRunSummary } from '../../state/training';
import { fixed, percent } from '../shared/format';

function scenarioLabel(run: SavedRunSummary): string {
  return run.scenario === 'custom' ? 'Custom' : `Scenario ${scenarioById(run.scenario).number}`;
}

/** Every finished run of this project, kept across reloads: open one as the current model, or delete it. */
export function SavedRuns() {
  const { runs, currentId, active } = useTrainingStore(
    useShallow((s) => ({ runs: s.savedRuns, currentId: s.finished?.id ?? null, active: isActive(s.status) })),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  if (runs.length === 0) return null;
  const act = (id: string, what: () => Promise<void>) => {
    setBusy(id);
    setProblem(null);
    what().catch((e: unknown) => setProblem(e instanceof Error ? e.message : String(e))).finally(() => setBusy(null));
  };
  return (
    <section className="panel" aria-labelledby="saved-runs-title">
      <h2 id="saved-runs-title" className="panel-title">Runs in this project</h2>
      <p className="muted">Kept in this browser with their models; a reload brings the latest back. Open one to evaluate or export it.</p>
      {problem && <p className="field-error" role="alert">{problem}</p>}
      <div className="table-scroll">
        <table className="data-table" data-testid="saved-runs">
          <thead>
            <tr>
              <th scope="col">Finished</th><th scope="col">Setup</th><th scope="col" className="num">Input</th>
              <th scope="col" className="num">Epochs (best)</th><th scope="col" className="num">Val. acc.</th>
              <th scope="col" className="num">Val. kappa</th><th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {runs.slice().reverse().map((r) => (
              <tr key={r.id} className={r.id === currentId ? 'row-best' : undefined} data-testid="saved-run">
                <th scope="row">
                  {new Date(r.finishedAt).toLocaleString()}
                  {r.id === currentId && <span className="tag small-tag">current</span>}
                  {r.stoppedBecause === 'cancelled' && <span className="tag small-tag">cancelled</span>}
                </th>
                <td>{scenarioLabel(r)} · {r.classNames.length} classes</td>
                <td className="num">{r.inputSize} px</td>
                <td className="num">{r.epochs} ({r.bestEpoch + 1})</td>
                <td className="num">{percent(r.valAccuracy)}</td>
                <td className="num">{fixed(r.valKappa)}</td>
                <td className="actions">
                  <button
                    type="button" className="button secondary small" disabled={active || busy !== null || r.id === currentId}
                    aria-label={`Open the run finished ${new Date(r.finishedAt).toLocaleString()}`}
                    onClick={() => act(r.id, () => openSavedRun(r.id))}
                  >
                    {busy === r.id ? 'Opening…' : 'Open'}
                  </button>
                  <button
                    type="button" className="button secondary small" disabled={busy !== null}
                    aria-label={`Delete the run finished ${new Date(r.finishedAt).toLocaleString()}`}
                    onClick={() => {
                      if (window.confirm('Delete this run and its model from this browser? Export it first to keep a copy.')) act(r.id, () => deleteSavedRun(r.id));
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
