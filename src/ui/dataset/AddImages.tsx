import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDatasetStore, type IngestProgress } from '../../state/dataset';
import { useAppStore } from '../../state/app';
import { DropZone } from '../shared/DropZone';
import { ProgressBar, Spinner } from '../shared/ProgressBar';
import { collectDrop, collectInput, type CollectedFiles } from '../shared/file-walk';
import { duration } from '../shared/format';

/** Not in React's input types: lets the picker choose a folder (files keep their relative paths). Stable, so
 * React does not set it again at every render of the import progress. */
const allowFolders = (el: HTMLInputElement | null) => el?.setAttribute('webkitdirectory', '');

/** The ways in: drop a folder or files, choose them, or load the sample set. */
/** "1,234 of 35,000 · 118 images/s · about 4 min 40 s left" (speed and time left once there is something to go on). */
function progressDetail(p: IngestProgress, now = Date.now()): string {
  const counts = `${p.done.toLocaleString()} of ${p.total.toLocaleString()}`;
  const seconds = p.startedAt ? (now - p.startedAt) / 1000 : 0;
  if (p.done < 16 || seconds < 2) return counts;
  const rate = p.done / seconds;
  return `${counts} · ${Math.round(rate).toLocaleString()} images/s · about ${duration((p.total - p.done) / rate)} left`;
}

export function AddImages() {
  const folderId = useId();
  const filesId = useId();
  const { addFiles, loadSample, stopAdding, progress, stopRequested, sampleStatus, sampleLoaded } = useDatasetStore(
    useShallow((s) => ({
      addFiles: s.addFiles, loadSample: s.loadSample, stopAdding: s.stopAdding, progress: s.progress,
      stopRequested: s.stopRequested, sampleStatus: s.sampleStatus, sampleLoaded: s.images.some((i) => i.fromSample),
    })),
  );
  const workerReady = useAppStore((s) => s.modelStatus !== 'failed');
  const busy = progress !== null;

  const add = (collected: CollectedFiles) =>
    addFiles(collected.files, { sourceName: collected.sourceName, emptyFolders: collected.emptyFolders });

  return (
    <section className="panel add-images" aria-labelledby="add-images-title">
      <DropZone
        label="Drop a folder of class sub-folders, or images with a labels CSV"
        testId="dataset-dropzone"
        onDrop={(dt) => {
          void collectDrop(dt).then(add);
        }}
      >
        <svg className="dropzone-icon" viewBox="0 0 48 48" aria-hidden="true">
          <path d="M6 14a4 4 0 0 1 4-4h9l4 4h15a4 4 0 0 1 4 4v18a4 4 0 0 1-4 4H10a4 4 0 0 1-4-4z" fill="none" stroke="currentColor" strokeWidth="2.5" />
          <path d="M24 34V21m-6 6 6-6 6 6" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
        </svg>
        <h2 id="add-images-title" className="dropzone-title">Drop your labelled fundus photographs here</h2>
        <p className="muted">
          A folder with <strong>one sub-folder per class</strong> (e.g. <code>0_No_DR/</code>, <code>2_Moderate/</code>),
          or images together with a <strong>labels CSV</strong> (<code>id_code,diagnosis</code>, <code>image,level</code> or{' '}
          <code>filename,label</code>).
        </p>
        <div className="button-row">
          <input
            id={folderId}
            ref={allowFolders}
            className="visually-hidden"
            type="file"
            multiple
            data-testid="folder-input"
            onChange={(e) => {
              void add(collectInput(e.target.files));
              e.target.value = '';
            }}
          />
          <label htmlFor={folderId} className="button">Choose a folder…</label>
          <input
            id={filesId}
            className="visually-hidden"
            type="file"
            multiple
            accept="image/*,.csv,text/csv"
            data-testid="files-input"
            onChange={(e) => {
              void add(collectInput(e.target.files));
              e.target.value = '';
            }}
          />
          <label htmlFor={filesId} className="button secondary">Choose files…</label>
          <span className="or muted">or</span>
          <button
            type="button"
            className="button ghost"
            data-testid="load-sample-button"
            disabled={sampleStatus === 'loading' || busy || !workerReady || sampleLoaded}
            onClick={() => void loadSample()}
          >
            {sampleStatus === 'loading' ? <><Spinner /> Loading sample data…</> : sampleLoaded ? 'Sample data loaded' : 'Load sample data'}
          </button>
        </div>
        <p className="muted small">Your images stay on this computer. Colour is never altered: it is diagnostic.</p>
      </DropZone>
      {progress && (
        <div className="import-progress">
          <ProgressBar
            testId="dataset-progress"
            label={progress.stage === 'downloading' ? 'Downloading sample images' : 'Reading images'}
            detail={progressDetail(progress)}
            value={progress.total > 0 ? progress.done / progress.total : undefined}
          />
          {progress.stoppable && (
            <button
              type="button"
              className="button secondary small"
              data-testid="stop-adding"
              disabled={stopRequested}
              onClick={stopAdding}
              title="Images already added stay; the rest are not added"
            >
              {stopRequested ? <><Spinner /> Stopping…</> : 'Stop adding'}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
