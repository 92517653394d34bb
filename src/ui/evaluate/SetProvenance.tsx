import { useId } from 'react';
import type { EvaluationSummary } from '../../core/eval/summary';
import { SET_PROVENANCE, shownSet, type SetId } from './provenance';

interface SetSwitchProps {
  value: SetId;
  onChange: (set: SetId) => void;
  /** What the switch chooses, for screen readers and as its visible label. */
  label: string;
  testId?: string;
}

/** Test / Validation, as a segmented pair of radio buttons (only shown when a test set exists). */
export function SetSwitch({ value, onChange, label, testId }: SetSwitchProps) {
  const name = useId();
  return (
    <fieldset className="set-switch" data-testid={testId}>
      <legend className="set-switch-label">{label}</legend>
      <div className="set-switch-options">
        {(['test', 'validation'] as const).map((set) => (
          <label key={set} className={`set-option${value === set ? ' selected' : ''}`}>
            <input type="radio" name={name} value={set} checked={value === set} onChange={() => onChange(set)} />
            {SET_PROVENANCE[set].name}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

interface SetProvenanceProps {
  summary: EvaluationSummary;
  set: SetId;
  onSetChange: (set: SetId) => void;
  /** The epoch whose weights were kept (0-based), as the training store knows it; null when unknown. */
  bestEpoch: number | null;
}

/** The strip above every number: which set they come from, what that set was used for, and how intervals were made. */
export function SetProvenance({ summary, set, onSetChange, bestEpoch }: SetProvenanceProps) {
  const shown = shownSet(summary, set);
  const { name, role } = SET_PROVENANCE[shown.set];
  const { resamples, seed, confidence } = summary.bootstrap;
  return (
    <section className={`provenance provenance-${shown.set}`} data-testid="set-provenance" data-set={shown.set} aria-labelledby="provenance-title">
      <div className="provenance-text">
        <p className="eyebrow">Numbers on this screen come from the</p>
        <h2 id="provenance-title" className="provenance-title" data-testid="set-label">
          <span className="provenance-set">{name}</span> — {role}
        </h2>
        <p className="provenance-meta">
          <span>{shown.count.toLocaleString()} images</span>
          <span>{Math.round(confidence * 100)}% intervals: percentile bootstrap, {resamples.toLocaleString()} resamples, seed {seed}</span>
          {bestEpoch !== null && <span data-testid="best-epoch">Weights kept from epoch {bestEpoch + 1} (lowest validation loss)</span>}
        </p>
        {!summary.test && (
          <p className="provenance-warning" data-testid="no-test-set">
            This run kept no images aside as a test set, so there is nothing unbiased to quote. Set a test share on the
            Dataset screen and train again to get numbers the model and its settings never saw.
          </p>
        )}
      </div>
      {summary.test && <SetSwitch value={shown.set} onChange={onSetChange} label="Show numbers from" testId="set-switch" />}
    </section>
  );
}
