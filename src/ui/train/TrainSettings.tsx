import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { estimateInputSizeCost, MEMORY_BUDGET_BYTES } from '../../core/model/input-cost';
import { INPUT_SIZES, NATIVE_INPUT_SIZE } from '../../core/train/config';
import { useDatasetStore } from '../../state/dataset';
import { useTrainingStore, type FormProblem } from '../../state/training';
import { NumberField } from '../shared/NumberField';
import { SettingField } from './SettingField';

const bytesText = (bytes: number) => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`);
const timesText = (x: number) => (x >= 1 ? `${Number(x.toFixed(1))}×` : `${Number(x.toPrecision(2))}×`);

/** One plain line on what a size costs: time against 224 px, activation memory of a batch, a batch that fits. */
function inputSizeCostText(inputSize: number, batchSize: number, headOnly: boolean): string {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) return '';
  const cost = estimateInputSizeCost(inputSize, batchSize);
  const memory = headOnly
    ? `~${bytesText(cost.forwardBytes)} of activations per batch of ${batchSize} (backbone frozen: one forward pass)`
    : `~${bytesText(cost.trainingBytes)} of activations per batch of ${batchSize} while training`;
  return `${inputSize} px: ~${timesText(cost.relativeTime)} the time of ${NATIVE_INPUT_SIZE} px per image; ${memory}. ` +
    `Batch size ${cost.suggestedBatchSize} fits ${bytesText(MEMORY_BUDGET_BYTES)}.`;
}

/**
 * The training settings; the worker applies the same rules (resolveTrainConfig) that check them here. Plain fields
 * come from the table of settings (SettingField); input size, early stopping and colour normalisation have their own.
 */
export function TrainSettings({ disabled, problem }: { disabled: boolean; problem: FormProblem | null }) {
  const ids = { size: useId(), early: useId(), colour: useId() };
  const { form, setForm } = useTrainingStore(useShallow((s) => ({ form: s.form, setForm: s.setForm })));
  const bad = (field: string) => problem?.field === field;
  const headOnly = form.freezeUpTo === 'all';
  const storedSide = useDatasetStore((s) => s.storedSide);

  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title" className="panel-title">Settings</h2>
      <fieldset disabled={disabled} className="settings-grid">
        <legend className="visually-hidden">Training settings</legend>
        <div className="field">
          <label htmlFor={ids.size} className="field-label">Input size</label>
          <select id={ids.size} data-testid="input-size" value={form.inputSize} onChange={(e) => setForm({ inputSize: Number(e.target.value) })}>
            {INPUT_SIZES.map((s) => <option key={s} value={s}>{s} px{s === NATIVE_INPUT_SIZE ? ' (native)' : ''}</option>)}
          </select>
          <p className="field-hint">Smaller trains faster but sees less detail (microaneurysms are tiny).</p>
          <p className="field-hint" data-testid="input-size-cost">{inputSizeCostText(form.inputSize, form.batchSize, headOnly)}</p>
          {form.inputSize > storedSide && (
            <p className="field-hint warning-text" data-testid="input-above-stored">
              The photographs are stored at {storedSide} px (Dataset screen): at {form.inputSize} px they are upsampled, which adds no detail.
            </p>
          )}
        </div>
        <SettingField name="headPooling" value={form.headPooling} onChange={(headPooling) => setForm({ headPooling })} />
        {headOnly && <SettingField name="headFit" value={form.headFit} onChange={(headFit) => setForm({ headFit })} />}
        <SettingField name="epochs" value={form.epochs} invalid={bad('epochs')} onChange={(epochs) => setForm({ epochs })} />
        <SettingField name="batchSize" value={form.batchSize} invalid={bad('batchSize')} onChange={(batchSize) => setForm({ batchSize })} />
        <SettingField name="optimizer" value={form.optimizer} onChange={(optimizer) => setForm({ optimizer })} />
        <SettingField name="learningRate" value={form.learningRate} invalid={bad('learningRate')} onChange={(learningRate) => setForm({ learningRate })} />
        <SettingField
          name="pretrainedLrMultiplier" value={form.pretrainedLrMultiplier} invalid={bad('pretrainedLrMultiplier')} disabled={headOnly}
          hint={headOnly ? 'Not used: the backbone is frozen.' : undefined} onChange={(pretrainedLrMultiplier) => setForm({ pretrainedLrMultiplier })}
        />
        <SettingField name="weightDecay" value={form.weightDecay} invalid={bad('weightDecay')} onChange={(weightDecay) => setForm({ weightDecay })} />
        <SettingField name="lrSchedule" value={form.lrSchedule} onChange={(lrSchedule) => setForm({ lrSchedule })} />
        <SettingField name="seed" value={form.seed} invalid={bad('seed')} onChange={(seed) => setForm({ seed })} />

        <SettingField name="rotations" value={form.rotations} onChange={(rotations) => setForm({ rotations })} />
        <SettingField name="classWeighting" wide value={form.classWeighting} onChange={(classWeighting) => setForm({ classWeighting })} />
        <SettingField name="testTimeRotations" value={form.testTimeRotations} onChange={(testTimeRotations) => setForm({ testTimeRotations })} />
        <div className="field field-wide">
          <label className="switch" htmlFor={ids.colour}>
            <input
              id={ids.colour} type="checkbox" role="switch" data-testid="colour-normalisation" checked={form.colourNormalisation}
              onChange={(e) => setForm({ colourNormalisation: e.target.checked })}
            />
            <span>Colour normalisation (Ben Graham)</span>
          </label>
          <p className="field-hint">
            Subtracts each pixel’s local average colour, evening out lighting and camera differences; saved with the model and applied to its predictions.
          </p>
        </div>
        <div className="field field-wide early-stopping">
          <label className="switch" htmlFor={ids.early}>
            <input id={ids.early} type="checkbox" role="switch" data-testid="early-stopping" checked={form.earlyStopping} onChange={(e) => setForm({ earlyStopping: e.target.checked })} />
            <span>Early stopping</span>
          </label>
          <NumberField
            label="Patience (epochs)" testId="patience" integer min={1} step={1} value={form.patience} disabled={!form.earlyStopping}
            invalid={bad('earlyStopping.patience')} onChange={(patience) => setForm({ patience })}
          />
          <p className="field-hint">Stops when the validation loss has not improved for this many epochs; the best epoch's weights are kept.</p>
        </div>
      </fieldset>
      {problem && <p className="field-error" role="alert" data-testid="settings-error">{problem.message}</p>}
    </section>
  );
}
