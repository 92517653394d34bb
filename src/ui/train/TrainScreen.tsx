import { useTrainingStore, checkForm, isActive } from '../../state/training';
import { ScenarioPicker } from './ScenarioPicker';
import { TrainSettings } from './TrainSettings';
import { TrainRun } from './TrainRun';
import { TrainCharts } from './TrainCharts';
import { EpochTable } from './EpochTable';

export function TrainScreen() {
  const active = useTrainingStore((s) => isActive(s.status));
  const form = useTrainingStore((s) => s.form);
  const problem = checkForm(form);
  return (
    <div className="train-screen">
      <ScenarioPicker disabled={active} />
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
    </div>
  );
}
