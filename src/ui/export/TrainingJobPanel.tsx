import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDatasetStore } from '../../state/dataset';
import { useExternalTrainingStore } from '../../state/external-training';
import { isActive, useTrainingStore } from '../../state/training';
import { Banner } from '../shared/Banner';
import { DropZone } from '../shared/DropZone';
import { Spinner } from '../shared/ProgressBar';
import { bytes, percent, plural } from '../shared/format';
import { saveFile } from './save-file';

const COMMAND = `unzip fovea-job-*.zip && unzip fovea-job-*-images.zip
cd job
torchrun --nproc_per_node=4 train.py --images ../images --out result   # 4 GPUs (NCCL), or CPU processes (gloo)
zip -r result.zip result                                                 # then import result.zip below`;

const RESULT_HINT =
  'Import what train.py wrote: the result folder zipped, or weights.safetensors and metrics.json together, ' +
  'with the dataset the job was exported from loaded (same images, labels and split).';

/** Export the current experiment as a PyTorch training job, and import its result as a finished run. */
export function TrainingJobPanel() {
  const inputId = useId();
  const imagesId = useId();
  const s = useExternalTrainingStore(
    useShallow((x) => ({
      includeImages: x.includeImages, setIncludeImages: x.setIncludeImages, exportJob: x.exportJob, jobBusy: x.jobStatus === 'busy',
      job: x.job, jobError: x.jobError, importResult: x.importResult, resultBusy: x.resultStatus === 'busy',
      importedResult: x.importedResult, resultError: x.resultError, dismissErrors: x.dismissErrors,
    })),
  );
  const hasImages = useDatasetStore((d) => d.images.length > 0);
  const training = useTrainingStore((t) => isActive(t.status));
  const finished = useTrainingStore((t) => t.finished);

  const download = async () => {
    const job = await s.exportJob();
    if (job) saveFile(job.job);
  };
  const take = (files: FileList | null | undefined) => {
    if (files && files.length > 0) void s.importResult(Array.from(files));
  };

  return (
    <section className="panel" aria-labelledby="job-title" data-testid="training-job-panel">
      <h2 id="job-title" className="panel-title">Train with PyTorch on many GPUs</h2>
      <p className="muted">
        For datasets that outgrow the browser (tens of thousands of photographs), export the same experiment — images,
        labels, split, patient groups, settings and starting weights — as a training job. Run it
        with <code>torchrun --nproc_per_node=N train.py</code> on N GPUs (DistributedDataParallel; several machines with
        torchrun&apos;s own flags), then import its result here: it shows like one of the studio&apos;s runs.
      </p>
      <div className="field field-wide">
        <label className="switch" htmlFor={imagesId}>
          <input
            id={imagesId} type="checkbox" role="switch" data-testid="job-include-images" checked={s.includeImages}
            onChange={(e) => s.setIncludeImages(e.target.checked)}
          />
          <span>Also export the images as the studio prepared them (a second zip)</span>
        </label>
      </div>
      <div className="button-row">
        <button
          type="button" className="button primary" data-testid="export-job"
          disabled={!hasImages || training || s.jobBusy} onClick={() => void download()}
        >
          {s.jobBusy ? <><Spinner /> Packing the job…</> : 'Export training job (.zip)'}
        </button>
        {s.job && (
          <>
            <a className="link-button" href={s.job.job.url} download={s.job.job.fileName} data-testid="export-job-link">
              Save {s.job.job.fileName} ({bytes(s.job.job.bytes)})
            </a>
            {s.job.images && (
              <a className="link-button" href={s.job.images.url} download={s.job.images.fileName} data-testid="export-job-images-link">
                Save {s.job.images.fileName} ({bytes(s.job.images.bytes)})
              </a>
            )}
          </>
        )}
      </div>
      {!hasImages && <p className="muted small">Add images on the Dataset screen first; the Train screen&apos;s settings go in the job.</p>}
      {s.jobError && (
        <Banner tone="error" title="The training job could not be exported." onDismiss={s.dismissErrors} testId="job-error">
          <p>{s.jobError.message}</p>
          <p className="muted">{s.jobError.hint}</p>
        </Banner>
      )}
      <div className="code-block"><pre><code>{COMMAND}</code></pre></div>

      <h3 className="subhead">Import training result</h3>
      <DropZone label="Drop train.py's result" className="dropzone-compact" testId="result-dropzone" onDrop={(dt) => take(dt.files)}>
        <p className="dropzone-title">Drop train.py&apos;s result (result.zip, or weights.safetensors + metrics.json)</p>
        <p className="muted small">The curves, metrics, confusion matrix and gallery appear on the Train and Evaluate screens, and it becomes the current model.</p>
        <input
          id={inputId} className="visually-hidden" type="file" multiple accept=".zip,.json,.safetensors" data-testid="result-input"
          onChange={(e) => {
            take(e.target.files);
            e.target.value = '';
          }}
        />
        <label htmlFor={inputId} className="button secondary">Choose files…</label>
        {s.resultBusy && <p className="muted small"><Spinner /> Reading the result…</p>}
      </DropZone>
      {s.resultError && (
        <Banner tone="error" title="This training result could not be imported." onDismiss={s.dismissErrors} testId="result-error">
          <p>{s.resultError.message}</p>
          <p className="muted">{s.resultError.name === 'ImportError' ? RESULT_HINT : s.resultError.hint}</p>
        </Banner>
      )}
      {!s.resultError && s.importedResult && finished && (
        <Banner tone="success" testId="result-success" title={`Imported ${s.importedResult.join(', ')}.`}>
          <p>
            {plural(finished.result.epochs.length, 'epoch')} trained by PyTorch; best epoch {finished.result.bestEpoch + 1}, validation
            accuracy {percent(finished.result.report.accuracy)}. See the Train and Evaluate screens.
          </p>
        </Banner>
      )}
    </section>
  );
}
