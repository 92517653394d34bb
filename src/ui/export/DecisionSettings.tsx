import { formatMetric } from '../../core/eval/format';
import type { EvaluationSummary } from '../../core/eval/summary';

/**
 * The decision settings that travel in fovea.json: each screening question's threshold (chosen on the
 * validation set for a target sensitivity) and the calibration temperature. A consumer of the package needs
 * both to reproduce the reported figures.
 */
export function DecisionSettings({ summary }: { summary: EvaluationSummary | null }) {
  if (!summary) {
    return <p className="muted small" data-testid="decision-settings">No operating point or temperature yet: they are set when a training run finishes.</p>;
  }
  const { binary, calibration } = summary.validation;
  return (
    <div className="decision-settings" data-testid="decision-settings">
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Operating point and temperature saved in fovea.json, chosen on the validation set</caption>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col" className="num">Value</th>
              <th scope="col">How to use it</th>
            </tr>
          </thead>
          <tbody>
            {binary.map((task) => (
              <tr key={task.id} data-testid={`decision-threshold-${task.id}`}>
                <th scope="row">{task.title}: threshold</th>
                <td className="num">{task.operatingPoint.threshold.toFixed(3)}</td>
                <td>refer when P({task.positiveClasses.join(' + ')}) ≥ threshold, on the probabilities as the model outputs them (before temperature scaling); targets {formatMetric(task.operatingPoint.targetSensitivity, 'percent')} sensitivity</td>
              </tr>
            ))}
            <tr data-testid="decision-temperature">
              <th scope="row">Temperature T</th>
              <td className="num">{calibration.temperature.toFixed(2)}</td>
              <td>divide the logits by T before the softmax for calibrated probabilities (ECE {formatMetric(calibration.eceBefore, 'score')} → {formatMetric(calibration.eceAfter, 'score')} on validation)</td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
