import type { ReactNode } from 'react';
import type { UserError } from '../../state/errors';

export type Tone = 'info' | 'success' | 'warning' | 'error';

interface BannerProps {
  tone: Tone;
  title?: ReactNode;
  children?: ReactNode;
  onDismiss?: () => void;
  dismissLabel?: string;
  testId?: string;
  /** Extra buttons shown at the end of the banner. */
  actions?: ReactNode;
}

const ICON: Record<Tone, string> = { info: 'i', success: '✓', warning: '!', error: '!' };

/** A message strip: errors are announced to screen readers at once, the rest politely. */
export function Banner({ tone, title, children, onDismiss, dismissLabel = 'Dismiss', testId, actions }: BannerProps) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      <span className="banner-icon" aria-hidden="true">{ICON[tone]}</span>
      <div className="banner-body">
        {title && <p className="banner-title">{title}</p>}
        {children}
      </div>
      {actions && <div className="banner-actions">{actions}</div>}
      {onDismiss && (
        <button type="button" className="icon-button" onClick={onDismiss} aria-label={dismissLabel} title={dismissLabel}>
          ×
        </button>
      )}
    </div>
  );
}

/** A worker error in plain words, with what to do next. */
export function ErrorBanner({ error, onDismiss, testId, title }: { error: UserError; onDismiss?: () => void; testId?: string; title?: string }) {
  return (
    <Banner tone={error.name === 'CancelledError' ? 'info' : 'error'} title={title ?? error.message} onDismiss={onDismiss} testId={testId}>
      {title && <p>{error.message}</p>}
      <p className="muted">{error.hint}</p>
    </Banner>
  );
}
