interface ProgressBarProps {
  /** 0..1; undefined draws an indeterminate bar. */
  value?: number;
  label: string;
  detail?: string;
  testId?: string;
}

export function ProgressBar({ value, label, detail, testId }: ProgressBarProps) {
  const pct = value === undefined ? undefined : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-text">
        <span>{label}</span>
        {detail && <span className="muted">{detail}</span>}
      </div>
      <div
        className={`progress-track${pct === undefined ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div className="progress-fill" style={pct === undefined ? undefined : { width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role={label ? 'status' : undefined} aria-label={label} />;
}
