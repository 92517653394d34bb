import { useId } from 'react';
import { isDerived, settingSpec, type SettingName, type SettingValue } from '../../core/train/settings';
import { NumberField } from '../shared/NumberField';

interface SettingFieldProps<N extends SettingName> {
  name: N;
  value: SettingValue<N>;
  onChange: (value: SettingValue<N>) => void;
  invalid?: boolean;
  disabled?: boolean;
  /** Replaces the table's hint (a hint that depends on other settings). */
  hint?: string;
  /** Spans the settings grid's full width. */
  wide?: boolean;
}

/**
 * One training setting's field as the table of settings describes it (label, test id, bounds, options, hints):
 * a NumberField, a select or a switch. Settings with their own widgets are laid out by their screens.
 */
export function SettingField<N extends SettingName>({ name, value: given, onChange, invalid, disabled, hint, wide }: SettingFieldProps<N>) {
  const id = useId();
  const spec = settingSpec(name);
  // A form stored before the setting existed lacks it: show its default.
  const value = given ?? (isDerived(spec.default) ? given : spec.default);
  const field = spec.form;
  const change = onChange as (v: unknown) => void;
  const className = wide ? 'field field-wide' : 'field';
  if (field.kind === 'number') {
    const type = spec.type.kind === 'number' ? spec.type : null;
    return (
      <NumberField
        label={field.label} testId={field.testId} integer={type?.integer} min={field.min ?? type?.min} max={field.max ?? type?.max}
        step={field.step ?? (type?.integer ? 1 : 'any')} value={value as number} invalid={invalid} disabled={disabled}
        hint={hint ?? field.hint} onChange={change}
      />
    );
  }
  if (field.kind === 'select') {
    const options = Object.entries(field.options as Record<string, string>);
    const hints = field.hints as Record<string, string> | undefined;
    const shown = hint ?? hints?.[String(value)] ?? field.hint;
    return (
      <div className={className}>
        <label htmlFor={id} className="field-label">{field.label}</label>
        <select id={id} data-testid={field.testId} value={String(value)} disabled={disabled} onChange={(e) => change(e.target.value)}>
          {options.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
        </select>
        {shown && <p className="field-hint">{shown}</p>}
      </div>
    );
  }
  if (field.kind === 'switch') {
    return (
      <div className="field field-wide">
        <label className="switch" htmlFor={id}>
          <input
            id={id} type="checkbox" role="switch" data-testid={field.testId} checked={value as boolean} disabled={disabled}
            onChange={(e) => change(e.target.checked)}
          />
          <span>{field.label}</span>
        </label>
        <p className="field-hint">{hint ?? field.hint}</p>
      </div>
    );
  }
  throw new Error(`The setting '${name}' has no plain form field (${field.kind}): its screen lays it out.`);
}
