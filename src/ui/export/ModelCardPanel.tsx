import { MarkdownDocument } from '../shared/MarkdownDocument';

export const MODEL_CARD_FILE_NAME = 'MODEL_CARD.md';

/** Saves the card as MODEL_CARD.md, the same file the model package carries. */
function downloadModelCard(markdown: string) {
  const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = MODEL_CARD_FILE_NAME;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** MODEL_CARD.md rendered in a scrollable panel, with its download; a note while there is none yet. */
export function ModelCardPanel({ markdown }: { markdown: string | null }) {
  return (
    <section className="panel model-card-panel" aria-labelledby="model-card-title" data-testid="model-card-panel">
      <div className="panel-head">
        <h2 id="model-card-title" className="panel-title">Model card</h2>
        {markdown && (
          <button type="button" className="button secondary" data-testid="download-model-card" onClick={() => downloadModelCard(markdown)}>
            Download model card
          </button>
        )}
      </div>
      {markdown ? (
        <>
          <p className="muted small">
            What the model is and is not for, the data behind it, every number with its interval and the set it comes from, and its
            limitations. The model package (.zip) contains this text as <code>{MODEL_CARD_FILE_NAME}</code>.
          </p>
          {/* Focusable so keyboard users can scroll it; labelled so screen readers announce what it is. */}
          <div className="model-card-scroll" tabIndex={0} role="region" aria-label="Model card text" data-testid="model-card-document">
            <MarkdownDocument source={markdown} topLevel={3} />
          </div>
        </>
      ) : (
        <p className="muted">The model card is written when a training run finishes; it then appears here and goes into the package as <code>{MODEL_CARD_FILE_NAME}</code>.</p>
      )}
    </section>
  );
}
