import { useMemo } from 'react';
import uPlot from 'uplot';
import { useShallow } from 'zustand/react/shallow';
import type { EpochSummary } from '../../worker/protocol';
import { epochEndX, useTrainingStore, type BatchPoint } from '../../state/training';
import { UPlotChart } from '../shared/UPlotChart';

const COLORS = { raw: 'rgba(11, 95, 115, 0.22)', smooth: '#0b5f73', train: '#0b5f73', val: '#c2410c' };

/** Debiased exponential moving average (as TensorBoard's smoothing): readable curves from noisy batches. */
export function smooth(values: number[], beta = 0.9): number[] {
  let s = 0;
  return values.map((v, i) => {
    s = beta * s + (1 - beta) * v;
    return s / (1 - beta ** (i + 1));
  });
}

function chartData(batches: BatchPoint[], epochs: EpochSummary[], pick: 'loss' | 'accuracy'): uPlot.AlignedData {
  const bx = batches.map((b) => b.x);
  const raw = batches.map((b) => b[pick]);
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch);
  const ex = sorted.map((e) => epochEndX(e));
  const tr = sorted.map((e) => (pick === 'loss' ? e.trainLoss : e.trainAccuracy));
  const va = sorted.map((e) => (pick === 'loss' ? e.valLoss : e.valAccuracy));
  if (bx.length === 0 && ex.length === 0) return [[], [], [], [], []];
  if (ex.length === 0) return [bx, raw, smooth(raw), bx.map(() => null), bx.map(() => null)];
  if (bx.length === 0) return [ex, ex.map(() => null), ex.map(() => null), tr, va];
  return uPlot.join([[bx, raw, smooth(raw)], [ex, tr, va]]);
}

function options(pick: 'loss' | 'accuracy', epochs: number) {
  const isAcc = pick === 'accuracy';
  return (): Omit<uPlot.Options, 'width'> => ({
    height: 240,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      // Short runs show their whole planned length; long ones grow with the data so early epochs stay readable.
      x: { time: false, range: (_u, _min, max) => [0, epochs <= 20 ? Math.max(epochs, max ?? 0) : Math.min(epochs, Math.max(5, Math.ceil((max ?? 0) * 1.2)))] },
      y: isAcc ? { range: [0, 1] } : { range: (_u, min, max) => [0, Math.max(0.1, (max ?? 1) * 1.05 || 1, min ?? 0)] },
    },
    axes: [
      { label: 'Epoch', stroke: '#5b6b7b', grid: { stroke: '#eef1f4' }, ticks: { stroke: '#dde3ea' }, incrs: [1, 2, 5, 10, 20, 50, 100] },
      {
        stroke: '#5b6b7b', grid: { stroke: '#eef1f4' }, ticks: { stroke: '#dde3ea' }, size: 52,
        values: isAcc ? (_u, vals) => vals.map((v) => `${Math.round(v * 100)} %`) : undefined,
      },
    ],
    series: [
      { label: 'Epoch' },
      { label: `Train ${pick} (per batch)`, stroke: COLORS.raw, width: 1, spanGaps: true, points: { show: false } },
      { label: 'Train (smoothed)', stroke: COLORS.smooth, width: 2, spanGaps: true, points: { show: false } },
      { label: 'Train (epoch)', stroke: COLORS.train, fill: undefined, paths: () => null, points: { show: true, size: 7, fill: '#fff', width: 2 } },
      { label: 'Validation (epoch)', stroke: COLORS.val, width: 2, spanGaps: true, points: { show: true, size: 7, fill: COLORS.val } },
    ],
  });
}

/** Live loss and accuracy: every batch (faint and smoothed) and each epoch's train and validation points. */
export function TrainCharts() {
  const { batches, epochs, finished, plannedEpochs, runEpochs } = useTrainingStore(
    useShallow((s) => ({
      batches: s.batches, epochs: s.epochs, finished: s.finished, plannedEpochs: s.form.epochs, runEpochs: s.lastBatch?.epochs,
    })),
  );
  const useFinished = batches.length === 0 && epochs.length === 0 && finished !== null;
  const b = useFinished ? finished.batches : batches;
  const e = useFinished ? finished.result.epochs : epochs;
  const total = useFinished ? finished.result.config.epochs : runEpochs ?? plannedEpochs;
  const lossData = useMemo(() => chartData(b, e, 'loss'), [b, e]);
  const accData = useMemo(() => chartData(b, e, 'accuracy'), [b, e]);
  const empty = b.length === 0 && e.length === 0;
  const lossOptions = useMemo(() => options('loss', total), [total]);
  const accOptions = useMemo(() => options('accuracy', total), [total]);

  return (
    <section className="panel charts" aria-labelledby="charts-title">
      <h2 id="charts-title" className="panel-title">Learning curves</h2>
      {empty ? (
        <div className="chart-placeholder">
          <svg viewBox="0 0 120 40" aria-hidden="true"><path d="M4 8 C 30 30, 60 34, 116 36" fill="none" stroke="currentColor" strokeWidth="2" strokeDasharray="4 4" /></svg>
          <p className="muted">Loss and accuracy curves appear here as soon as training starts: every batch, and each epoch on the training and validation images.</p>
        </div>
      ) : (
      <div className="chart-pair">
        <figure>
          <figcaption>Loss (cross-entropy)</figcaption>
          <UPlotChart testId="loss-chart" label="Training and validation loss per epoch" optionsKey={`loss-${total}`} options={lossOptions} data={lossData} />
        </figure>
        <figure>
          <figcaption>Accuracy</figcaption>
          <UPlotChart testId="accuracy-chart" label="Training and validation accuracy per epoch" optionsKey={`acc-${total}`} options={accOptions} data={accData} />
        </figure>
      </div>
      )}
    </section>
  );
}
