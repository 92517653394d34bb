import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { estimateInputSizeCost, MEMORY_BUDGET_BYTES } from '../../core/model/input-cost';
import { INPUT_SIZES, NATIVE_INPUT_SIZE, type ClassWeighting, type HeadFit, type HeadPooling, type LrSchedule, type OptimizerName } from '../../core/train/config';
import { useDatasetStore } from '../../state/dataset';
import { useTrainingStore, type FormProblem } from '../../state/training';
import { NumberField } from '../shared/NumberField';

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

const HEAD_POOLING_LABELS: Record<HeadPooling, string> = {
  average: 'Average', max: 'Max', gem: 'Generalised mean (GeM, p=3)',
};

const HEAD_FIT_LABELS: Record<HeadFit, string> = {
  converged: 'Fitted to convergence (L-BFGS, L2 by cross-validation)',
  sgd: 'SGD epochs (shows learning curves)',
};

const HEAD_FIT_HINTS: Record<HeadFit, string> = {
  converged: 'The classifier is fitted to its best weights on the kept features, with the L2 strength that 5-fold ' +
    'cross-validation on the training images chose. Epochs, learning rate and weight decay do not apply.',
  sgd: 'The classifier learns by small steps, epoch after epoch, as the whole network would: the curves show how.',
};

const CLASS_WEIGHTING_HINTS: Record<ClassWeighting, string> = {
  loss: 'Rare classes count more in the loss, so the model does not just learn to say the common class.',
  sampling: 'Each epoch draws images so that every class is seen equally often (rare images repeat).',
  none: 'Every image counts the same: the model leans towards the classes with most images.',
};

/** The training settings; the worker applies the same rules (resolveTrainConfig) that check them here. */
export function TrainSettings({ disabled, problem }: { disabled: boolean; problem: FormProblem | null }) {
  const ids = {
    size: useId(), pooling: useId(), headFit: useId(), opt: useId(), sched: useId(), rot: useId(), early: useId(), weighting: useId(), tta: useId(), colour: useId(),
  };
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
        <div className="field">
          <label htmlFor={ids.pooling} className="field-label">Head pooling</label>
          <select
            id={ids.pooling} data-testid="head-pooling" value={form.headPooling ?? 'average'}
            onChange={(e) => setForm({ headPooling: e.target.value as HeadPooling })}
          >
            {(Object.keys(HEAD_POOLING_LABELS) as HeadPooling[]).map((p) => <option key={p} value={p}>{HEAD_POOLING_LABELS[p]}</option>)}
          </select>
          <p className="field-hint">Max and GeM keep small strong responses, such as microaneurysms, that an average dilutes at large sizes.</p>
        </div>
        {headOnly && (
          <div className="field">
            <label htmlFor={ids.headFit} className="field-label">Head training</label>
            <select id={ids.headFit} data-testid="head-fit" value={form.headFit} onChange={(e) => setForm({ headFit: e.target.value as HeadFit })}>
              {(Object.keys(HEAD_FIT_LABELS) as HeadFit[]).map((h) => <option key={h} value={h}>{HEAD_FIT_LABELS[h]}</option>)}
            </select>
            <p className="field-hint">{HEAD_FIT_HINTS[form.headFit]}</p>
          </div>
        )}
        <NumberField label="Epochs" testId="epochs" integer min={1} max={500} step={1} value={form.epochs} invalid={bad('epochs')} onChange={(epochs) => setForm({ epochs })} />
        <NumberField
          label="Batch size" testId="batch-size" integer min={1} max={256} step={1} value={form.batchSize} invalid={bad('batchSize')}
          hint="Lower it if the GPU runs out of memory." onChange={(batchSize) => setForm({ batchSize })}
        />
        <div className="field">
          <label htmlFor={ids.opt} className="field-label">Optimizer</label>
          <select id={ids.opt} data-testid="optimizer" value={form.optimizer} onChange={(e) => setForm({ optimizer: e.target.value as OptimizerName })}>
            <option value="sgd-momentum">SGD + momentum</option>
            <option value="adam">Adam</option>
          </select>
        </div>
        <NumberField label="Learning rate (new head)" testId="learning-rate" min={0} step="any" value={form.learningRate} invalid={bad('learningRate')} onChange={(learningRate) => setForm({ learningRate })} />
        <NumberField
          label="Pretrained layers' rate ×" testId="pretrained-lr-multiplier" min={0} max={10} step={0.05}
          value={form.pretrainedLrMultiplier} invalid={bad('pretrainedLrMultiplier')} disabled={headOnly}
          hint={headOnly ? 'Not used: the backbone is frozen.' : 'Pretrained layers learn more gently than the new head.'}
          onChange={(pretrainedLrMultiplier) => setForm({ pretrainedLrMultiplier })}
        />
        <NumberField label="Weight decay (L2)" testId="weight-decay" min={0} step="any" value={form.weightDecay} invalid={bad('weightDecay')} onChange={(weightDecay) => setForm({ weightDecay })} />
        <div className="field">
          <label htmlFor={ids.sched} className="field-label">Learning-rate schedule</label>
          <select id={ids.sched} data-testid="lr-schedule" value={form.lrSchedule} onChange={(e) => setForm({ lrSchedule: e.target.value as LrSchedule })}>
            <option value="constant">Constant</option>
            <option value="step">Step (× 0.1 every 4 epochs)</option>
            <option value="cosine">Cosine decay</option>
          </select>
        </div>
        <NumberField label="Seed" testId="train-seed" integer step={1} value={form.seed} invalid={bad('seed')} hint="Same seed, same settings: same run." onChange={(seed) => setForm({ seed })} />

        <div className="field field-wide">
          <label className="switch" htmlFor={ids.rot}>
            <input id={ids.rot} type="checkbox" role="switch" data-testid="rotations" checked={form.rotations} onChange={(e) => setForm({ rotations: e.target.checked })} />
            <span>Rotation augmentation (0°, 90°, 180°, 270°)</span>
          </label>
          <p className="field-hint">
            A fundus photograph is still valid when turned. Only quarter turns are used, and colour, brightness and
            contrast are never altered: colour is diagnostic (haemorrhages, exudates).
          </p>
        </div>
        <div className="field field-wide">
          <label htmlFor={ids.weighting} className="field-label">Class weighting</label>
          <select
            id={ids.weighting} data-testid="class-weighting" value={form.classWeighting}
            onChange={(e) => setForm({ classWeighting: e.target.value as ClassWeighting })}
          >
            <option value="loss">Weighted loss</option>
            <option value="sampling">Balanced sampling</option>
            <option value="none">None</option>
          </select>
          <p className="field-hint">{CLASS_WEIGHTING_HINTS[form.classWeighting]}</p>
        </div>
        <div className="field field-wide">
          <label className="switch" htmlFor={ids.tta}>
            <input
              id={ids.tta} type="checkbox" role="switch" data-testid="test-time-rotations" checked={form.testTimeRotations}
              onChange={(e) => setForm({ testTimeRotations: e.target.checked })}
            />
            <span>Average predictions over four rotations</span>
          </label>
          <p className="field-hint">
            Validation, test and single-image predictions average the image at 0°, 90°, 180° and 270°: steadier, four times the work.
          </p>
        </div>
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
