import { useAppStore } from '../../state/app';
import { useTrainingStore, checkForm, isActive, type FormProblem } from '../../state/training';
import { backendRefusal } from '../../worker/capabilities';
import { ScenarioPicker } from './ScenarioPicker';
import { TrainSettings } from './TrainSettings';
import { TrainRun } from './TrainRun';
import { TrainCharts } from './TrainCharts';
import { EpochTable } from './EpochTable';
import { TrainNetwork } from './TrainNetwork';
import { CompareAll } from './CompareAll';
import { InterruptedRun } from './InterruptedRun';
import { SavedRuns } from './SavedRuns';

export function TrainScreen() {
  const active = useTrainingStore((s) => isActive(s.status));
  const form = useTrainingStore((s) => s.form);
  const backend = useAppStore((s) => s.backend);
  const refusal = backendRefusal(backend, form.freezeUpTo);
  // The worker refuses the same run (GpuRequiredError); here Start is disabled beforehand, with the reason.
  const problem: FormProblem | null = checkForm(form) ?? (refusal ? { field: 'freezeUpTo', message: refusal } : null);
  return (
    <div className="train-screen">
      <InterruptedRun />
      <ScenarioPicker disabled={active} />
      <TrainNetwork />
      <div className="two-column">
        <div className="column-main">
          <TrainSettings disabled={active} problem={problem} />
        </div>
        <aside className="column-side sticky">
          <TrainRun formProblem={problem} />
        </aside>
      </div>
      <TrainCharts />
      <EpochTable />
      <SavedRuns />
      <CompareAll />
    </div>
  );
}
