import { useId, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { useShallow } from 'zustand/react/shallow';
import { formatMetric } from '../../core/eval/format';
import { reportColumns } from '../../core/eval/metric-definitions';
import { useAppStore } from '../../state/app';
import { useDerivedDataset } from '../../state/dataset-derive';
import { comparisonCsv, compareRunTitle } from '../../state/compare-csv';
import { isAdoptedCurrent, keptBytes, overallProgress, useCompareStore } from '../../state/compare';
import { useModelStore } from '../../state/model';
import { isActive, useTrainingStore } from '../../state/training';
import { COMPARE_RUN_IDS, type CompareRunId, type CompareRunResult } from '../../worker/protocol';
import { PredictionsGallery } from '../evaluate/PredictionsGallery';
import { ErrorBanner } from '../shared/Banner';
import { compactCount } from '../shared/NetworkDiagram';
import { ProgressBar } from '../shared/ProgressBar';
import { UPlotChart } from '../shared/UPlotChart';
import { duration, fixed, percent } from '../shared/format';

/** The metric columns, from the metric definitions (the CSV has the same). */
const METRIC_COLUMNS = reportColumns();

const RUN_COLOURS = ['#0b5f73', '#c2410c', '#6d28d9', '#15803d', '#6b7280'];

function curveData(results: (CompareRunResult | null)[]): uPlot.AlignedData {
  const longest = Math.max(0, ...results.map((r) => r?.epochs.length ?? 0));
  const x = Array.from({ length: longest }, (_, i) => i + 1);
  return [x, ...results.map((r) => x.map((_, i) => r?.epochs[i]?.valLoss ?? null))];
}

const curveOptions = (): Omit<uPlot.Options, 'width'> => ({
  height: 260,
  legend: { show: true, live: false },
  cursor: { drag: { x: false, y: false } },
  scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(0.1, (max ?? 1) * 1.05)] } },
  axes: [
    { label: 'Epoch', stroke: '#5b6b7b', grid: { stroke: '#eef1f4' }, incrs: [1, 2, 5, 10, 20, 50] },
    { label: 'Validation loss', stroke: '#5b6b7b', grid: { stroke: '#eef1f4' }, size: 52 },
  ],
  series: [
    { label: 'Epoch' },
    ...COMPARE_RUN_IDS.map((id, i) => ({
      label: id === 'from-scratch' ? 'From scratch' : `Scenario ${i + 1}`, stroke: RUN_COLOURS[i], width: 2, spanGaps: true,
      points: { show: true, size: 6, fill: RUN_COLOURS[i] },
    })),
  ],
});

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;

function download(name: string, href: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
}

/** "Use this model" of a row: makes the run the current model (Evaluate and Export show it), or says it is. */
function UseRunButton({ id, disabled }: { id: CompareRunId; disabled: boolean }) {
  const { adopting, adopted, makeCurrent } = useCompareStore(useShallow((st) => ({ adopting: st.adopting, adopted: st.adopted, makeCurrent: st.makeCurrent })));
  const currentCreatedAt = useModelStore((st) => st.info?.manifest.createdAt);
  if (isAdoptedCurrent(adopted, id, currentCreatedAt)) {
    return <span className="tag" data-testid="compare-current">Current model</span>;
  }
  return (
    <button type="button" className="button ghost small" data-testid="compare-use" disabled={disabled || adopting !== null}
      title="Make this run the current model: the Evaluate and Export screens then show it" onClick={() => void makeCurrent(id)}>
      {adopting === id ? 'Loading…' : 'Use this model'}
    </button>
  );
}

function ResultRow({ index, result, running, open, onOpen, busy }: {
  index: number; result: CompareRunResult | null; running: boolean; open: boolean; onOpen: () => void; busy: boolean;
}) {
  const id = COMPARE_RUN_IDS[index];
  const done = result?.status === 'done' || (result?.status === 'cancelled' && result.epochs.length > 0);
  return (
    <tr data-testid="compare-row" data-run={id} data-status={result?.status ?? (running ? 'running' : 'waiting')}>
      <th scope="row">
        <span className="compare-swatch" style={{ background: RUN_COLOURS[index] }} aria-hidden="true" /> {compareRunTitle(id)}
        {done && <button type="button" className="button ghost small" aria-expanded={open} onClick={onOpen}>{open ? 'Close' : 'Open'}</button>}
        {done && result?.keptBytes !== undefined && <UseRunButton id={id} disabled={busy} />}
      </th>
      {done && result ? (
        <>
          {METRIC_COLUMNS.map((c) => <td key={c.key} data-testid={`compare-${c.key.replace('_', '-')}`}>{formatMetric(c.read(result), c.scale)}</td>)}
          <td>{duration(result.seconds ?? 0)}</td>
          <td title="training images a second; n/a for a head fitted in one step (no batches)">{fixed(result.imagesPerSecond || undefined, 1)}</td>
          <td title={result.trainableParams?.toLocaleString()}>{compactCount(result.trainableParams ?? 0)}</td>
          <td>{result.inputSize} px{result.status === 'cancelled' ? ' · cancelled' : ''}</td>
        </>
      ) : (
        <td colSpan={METRIC_COLUMNS.length + 4} className="muted" data-testid="compare-reason">
          {result ? `${result.status === 'skipped' ? 'Skipped' : result.status === 'failed' ? 'Failed' : 'Cancelled'}: ${result.reason ?? ''}` : running ? 'Training…' : 'Waiting'}
        </td>
      )}
    </tr>
  );
}

/** One run opened: its epochs (train and validation loss and accuracy), its validation confusion matrix, its gallery. */
function RunDetails({ result, classNames }: { result: CompareRunResult; classNames: string[] }) {
  const [side, setSide] = useState<'val' | 'test'>('val');
  const sideId = useId();
  const report = side === 'test' && result.test ? result.test : result.report;
  return (
    <div className="compare-details" data-testid="compare-details">
      <h4>{compareRunTitle(result.id)}</h4>
      <div className="inside-pair">
        <table className="compare-table">
          <thead><tr><th scope="col">Epoch</th><th scope="col">Train loss</th><th scope="col">Val loss</th><th scope="col">Val accuracy</th></tr></thead>
          <tbody>
            {result.epochs.map((e) => (
              <tr key={e.epoch}><td>{e.epoch + 1}</td><td>{fixed(e.trainLoss, 3)}</td><td>{fixed(e.valLoss, 3)}</td><td>{percent(e.valAccuracy)}</td></tr>
            ))}
          </tbody>
        </table>
        {result.confusion && (
          <table className="compare-table" aria-label="Validation confusion matrix of the kept epoch: rows true class, columns predicted">
            <thead><tr><th scope="col">true ↓ predicted →</th>{classNames.map((n) => <th key={n} scope="col">{n}</th>)}</tr></thead>
            <tbody>
              {result.confusion.map((row, i) => (
                <tr key={classNames[i] ?? i}><th scope="row">{classNames[i]}</th>{row.map((v, j) => <td key={j}>{v}</td>)}</tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {report && (
        <>
          <p className="muted small">
            The gallery shows this run's predictions. "What it looked at" explains the current model: use this run's model
            first to see where this run looks.
          </p>
          <PredictionsGallery key={`${result.id}-${side}`} report={report} controls={result.test ? (
            <div className="field inline">
              <label htmlFor={sideId} className="field-label">Images</label>
              <select id={sideId} data-testid="compare-gallery-side" value={side} onChange={(e) => setSide(e.target.value as 'val' | 'test')}>
                <option value="val">Validation</option>
                <option value="test">Test</option>
              </select>
            </div>
          ) : undefined} />
        </>
      )}
    </div>
  );
}

/**
 * "Compare all": scenarios 1-4 and from scratch on this dataset, split, seed, epochs and augmentation, one after
 * another; a table, the validation-loss curves on one chart, CSV and PNG downloads.
 */
export function CompareAll() {
  const sizeId = useId();
  const epochsId = useId();
  const chartHost = useRef<HTMLDivElement>(null);
  const [openRun, setOpenRun] = useState<number | null>(null);
  const classNames = useDerivedDataset().classNames;
  const s = useCompareStore(useShallow((st) => ({
    status: st.status, results: st.results, runningIndex: st.runningIndex, runFraction: st.runFraction,
    imagesPerSecond: st.imagesPerSecond, fromScratchInputSize: st.fromScratchInputSize, epochs: st.epochs, error: st.error,
    start: st.start, cancel: st.cancel, setFromScratchInputSize: st.setFromScratchInputSize, setEpochs: st.setEpochs,
    clear: st.clear, adopting: st.adopting,
  })));
  const form = useTrainingStore((st) => st.form);
  const training = useTrainingStore((st) => isActive(st.status));
  const backend = useAppStore((st) => st.backend);
  const running = s.status === 'running' || s.status === 'cancelling';
  const data = useMemo(() => curveData(s.results), [s.results]);
  const anyResult = s.results.some((r) => r !== null);
  const slow = backend !== null && backend.backend !== 'webgpu';
  const epochs = s.epochs ?? form.epochs;
  const kept = keptBytes(s.results);

  return (
    <section className="panel compare" data-testid="compare-all" aria-label="Compare the scenarios">
      <h3>Compare all: the four scenarios and training from scratch</h3>
      <p className="muted small">
        The same dataset, split, seed, {epochs} epoch{epochs === 1 ? '' : 's'} and augmentation for every run: only what trains
        (and, for the last run, where the weights start) changes. The model you trained above is kept.
      </p>
      {backend && !backend.trainsConvolutions && (
        <p className="small" data-testid="compare-cpu-note">
          Fovea runs here on tfjs’s plain CPU backend (neither a GPU nor WebAssembly started), which cannot train
          convolution layers: scenarios 2 and 4 and from scratch will be shown as skipped. Open Fovea in a browser with
          WebGPU to run them.
        </p>
      )}
      <div className="compare-controls">
        <div className="field inline">
          <label htmlFor={epochsId} className="field-label">Epochs per run</label>
          <input id={epochsId} type="number" min={1} max={100} value={epochs} disabled={running} data-testid="compare-epochs"
            onChange={(e) => s.setEpochs(Number(e.target.value) >= 1 ? Math.round(Number(e.target.value)) : null)} />
        </div>
        <div className="field inline">
          <label htmlFor={sizeId} className="field-label">From-scratch input size</label>
          <select id={sizeId} value={s.fromScratchInputSize ?? ''} disabled={running} data-testid="compare-scratch-size"
            onChange={(e) => s.setFromScratchInputSize(e.target.value ? Number(e.target.value) : null)}>
            <option value="">same as the others ({form.inputSize} px)</option>
            {[64, 96, 128, 160].filter((v) => v < form.inputSize).map((v) => <option key={v} value={v}>{v} px (faster)</option>)}
          </select>
        </div>
        {!running ? (
          <button type="button" className="button primary" data-testid="compare-start" disabled={training || backend === null} onClick={() => void s.start()}>
            {anyResult ? 'Compare all again' : 'Compare all'}
          </button>
        ) : (
          <button type="button" className="button secondary" data-testid="compare-cancel" disabled={s.status === 'cancelling'} onClick={() => void s.cancel()}>
            {s.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      {slow && s.fromScratchInputSize === null && form.inputSize > 64 && (
        <p className="small muted" data-testid="compare-slow-note">
          Training every layer from random weights is the slowest run{backend?.trainsConvolutions ? ' on this backend' : ''}:
          choose a smaller from-scratch input size or fewer epochs to keep it to minutes.
        </p>
      )}
      {training && <p className="small muted">A training run is in progress; compare when it has finished.</p>}
      {running && (
        <ProgressBar testId="compare-progress" label="Comparison" value={overallProgress(s)}
          detail={s.runningIndex !== null ? `${compareRunTitle(COMPARE_RUN_IDS[s.runningIndex])} · ${s.imagesPerSecond.toFixed(1)} images/s` : undefined} />
      )}
      {s.error && <ErrorBanner error={s.error} />}
      {(anyResult || running) && (
        <div className="table-scroll">
          <table className="compare-table" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">Run</th>{METRIC_COLUMNS.map((c) => <th key={c.key} scope="col">{c.header}</th>)}
                <th scope="col">Time</th><th scope="col">Images/s</th><th scope="col">Trainable</th><th scope="col">Input</th>
              </tr>
            </thead>
            <tbody>
              {COMPARE_RUN_IDS.map((id, i) => (
                <ResultRow key={id} index={i} result={s.results[i]} running={s.runningIndex === i && running} busy={running || training}
                  open={openRun === i} onOpen={() => setOpenRun(openRun === i ? null : i)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {kept > 0 && (
        <p className="small muted" data-testid="compare-kept-note">
          Each finished run's weights are kept in this tab's memory ({megabytes(kept)} in all) so that any of them can become
          the current model with "Use this model"; clear the comparison to free that memory.
        </p>
      )}
      {openRun !== null && s.results[openRun] && <RunDetails result={s.results[openRun]!} classNames={classNames} />}
      {anyResult && (
        <>
          <div ref={chartHost}>
            <UPlotChart options={curveOptions} optionsKey="compare" data={data} label="Validation loss of every run, by epoch" testId="compare-chart" />
          </div>
          <div className="compare-downloads">
            <button type="button" className="button ghost" data-testid="compare-csv" disabled={running}
              onClick={() => download('fovea-comparison.csv', URL.createObjectURL(new Blob([comparisonCsv(s.results.filter((r) => r !== null))], { type: 'text/csv' })))}>
              Download CSV
            </button>
            <button type="button" className="button ghost" data-testid="compare-png"
              onClick={() => {
                const canvas = chartHost.current?.querySelector('canvas');
                if (canvas) download('fovea-comparison.png', canvas.toDataURL('image/png'));
              }}>
              Download chart (PNG)
            </button>
            <button type="button" className="button ghost" data-testid="compare-clear" disabled={running || s.adopting !== null}
              onClick={() => {
                setOpenRun(null);
                void s.clear();
              }}>
              Clear comparison
            </button>
          </div>
        </>
      )}
    </section>
  );
}
