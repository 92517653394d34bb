import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDatasetStore } from '../../state/dataset';
import { Banner } from '../shared/Banner';
import { MarkdownDocument } from '../shared/MarkdownDocument';
import { plural } from '../shared/format';
import { noticeText, noticeTone } from './notice-text';

const SHOWN_REJECTED = 8;

/** Rejected files, CSV mismatches and other load notices: each dismissible, none touches the dataset. */
export function DatasetMessages() {
  const { rejected, csvProblems, notices, waiting, heldCsv, sampleStatus, dismissRejected, dismissCsvProblems, dismissNotice } =
    useDatasetStore(
      useShallow((s) => ({
        rejected: s.rejected, csvProblems: s.csvProblems, notices: s.notices, waiting: s.pendingLabels.waiting.length,
        heldCsv: s.pendingLabels.csv, sampleStatus: s.sampleStatus,
        dismissRejected: s.dismissRejected, dismissCsvProblems: s.dismissCsvProblems, dismissNotice: s.dismissNotice,
      })),
    );
  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? rejected : rejected.slice(0, SHOWN_REJECTED);

  return (
    <div className="messages" aria-live="polite">
      {sampleStatus === 'missing' && (
        <Banner tone="warning" title="Sample data is not installed.">
          <p>This copy of Fovea was built without the demo images. Drop your own labelled images instead, or ask whoever set it up to run <code>npm run setup</code>.</p>
        </Banner>
      )}
      {notices.map((n) => (
        <Banner key={n.id} tone={noticeTone(n)} onDismiss={() => dismissNotice(n.id)} testId={`notice-${n.kind}`}>
          <p>{noticeText(n)}</p>
        </Banner>
      ))}
      {waiting > 0 && heldCsv === null && (
        <Banner tone="warning" testId="waiting-for-labels" title={`${plural(waiting, 'image is', 'images are')} waiting for labels.`}>
          <p>
            {waiting === 1 ? 'It is' : 'They are'} not inside a class folder, so the class is unknown. Drop a labels CSV that
            names {waiting === 1 ? 'it' : 'them'} (columns <code>id_code,diagnosis</code>, <code>image,level</code> or{' '}
            <code>filename,label</code>), or drop folders named after the classes.
          </p>
        </Banner>
      )}
      {csvProblems.length > 0 && (
        <Banner tone="warning" title="The labels CSV does not match the images exactly." onDismiss={dismissCsvProblems} testId="csv-problems">
          {csvProblems.map((n) => <p key={n.id}>{noticeText(n)}</p>)}
        </Banner>
      )}
      {rejected.length > 0 && (
        <Banner
          tone="warning"
          testId="rejected-files"
          title={`${plural(rejected.length, 'file was', 'files were')} not added. The rest of the dataset is unaffected.`}
          onDismiss={() => dismissRejected()}
          dismissLabel="Dismiss all"
        >
          <ul className="rejected-list">
            {shown.map((r) => (
              <li key={r.id}>
                <span className="file-name">{r.name}</span> — {r.reason}
                <button type="button" className="link-button" onClick={() => dismissRejected(r.id)} aria-label={`Dismiss ${r.name}`}>dismiss</button>
              </li>
            ))}
          </ul>
          {rejected.length > SHOWN_REJECTED && (
            <button type="button" className="link-button" onClick={() => setShowAll(!showAll)}>
              {showAll ? 'Show fewer' : `Show all ${rejected.length}`}
            </button>
          )}
          <p className="muted small">Fovea reads JPEG, PNG, WebP, BMP and GIF images. Re-export damaged files from your imaging software.</p>
        </Banner>
      )}
    </div>
  );
}

/** Required attribution of the demo images, visible whenever one of them is in the dataset. */
export function SampleAttribution() {
  const { attribution, hasSample } = useDatasetStore(
    useShallow((s) => ({ attribution: s.sampleAttribution, hasSample: s.images.some((i) => i.fromSample) })),
  );
  if (!hasSample || !attribution) return null;
  return (
    <details className="panel attribution" data-testid="sample-attribution" open>
      <summary>About the sample data</summary>
      <MarkdownDocument source={attribution} className="markdown small" topLevel={4} />
    </details>
  );
}
