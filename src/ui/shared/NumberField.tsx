import { useEffect, useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  onChange: (value: number) => void;
  testId?: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  integer?: boolean;
  hint?: string;
  disabled?: boolean;
  invalid?: boolean;
}

/**
 * A number input that lets the user type freely ("0.", "") and passes on only numbers it can read;
 * the store keeps the last good value, and an unreadable entry is marked in place.
 */
export function NumberField({ label, value, onChange, testId, min, max, step = 'any', integer, hint, disabled, invalid }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : String(value)));
  }, [value]);
  const parsed = Number(text);
  const readable = text.trim() !== '' && Number.isFinite(parsed) && (!integer || Number.isInteger(parsed));
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">{label}</label>
      <input
        id={id}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        data-testid={testId}
        value={text}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        aria-invalid={!readable || invalid || undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(n) && (!integer || Number.isInteger(n))) onChange(n);
        }}
        onBlur={() => {
          if (!readable) setText(String(value));
        }}
      />
      {hint && <p id={`${id}-hint`} className="field-hint">{hint}</p>}
    </div>
  );
}
