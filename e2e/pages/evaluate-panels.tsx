// Harness for e2e/evaluate-panels.spec.mjs: the real Evaluate and Export screens, their stores seeded with the
// hand-made evaluation fixture (no training run). ?view=evaluate|export, ?test=0 drops the test set.
import { createRoot } from 'react-dom/client';
import '../../src/ui/styles.css';
import type { EvalReport, Prediction } from '../../src/core/eval/report';
import { makeDatasetFixture, makeSummaryFixture } from '../../src/core/eval/summary.fixture';
import type { SetSummary } from '../../src/core/eval/summary';
import { renderModelCard } from '../../src/core/export/model-card';
import { resolveTrainConfig } from '../../src/core/train/config';
import { useDatasetStore, type DatasetImage } from '../../src/state/dataset';
import { useModelStore } from '../../src/state/model';
import { thumbnails } from '../../src/state/thumbnails';
import { useTrainingStore, type FinishedRun } from '../../src/state/training';
import { EvaluateScreen } from '../../src/ui/evaluate/EvaluateScreen';
import { ExportScreen } from '../../src/ui/export/ExportScreen';

const params = new URLSearchParams(location.search);
const withTest = params.get('test') !== '0';
const summary = makeSummaryFixture({ withTest });
const classNames = summary.classNames;

/** A dark disc on black, tinted by grade: enough to look like a fundus thumbnail. */
function thumbnail(grade: number, seed: number): Blob {
  const c = document.createElement('canvas');
  c.width = c.height = 96;
  const g = c.getContext('2d')!;
  g.fillStyle = '#000';
  g.fillRect(0, 0, 96, 96);
  const grad = g.createRadialGradient(40 + (seed % 7), 44, 4, 48, 48, 44);
  grad.addColorStop(0, '#f4c27a');
  grad.addColorStop(0.5, `rgb(${200 - grade * 12}, ${90 - grade * 8}, 40)`);
  grad.addColorStop(1, '#3a1205');
  g.fillStyle = grad;
  g.beginPath();
  g.arc(48, 48, 44, 0, Math.PI * 2);
  g.fill();
  const bytes = atob(c.toDataURL('image/png').split(',')[1]);
  return new Blob([Uint8Array.from(bytes, (ch) => ch.charCodeAt(0))], { type: 'image/png' });
}

const images: DatasetImage[] = [];

/** One prediction per confusion-matrix cell count, confidences spread from 35% to 99%. */
function reportOf(set: SetSummary): EvalReport {
  const predictions: Prediction[] = [];
  set.confusion.forEach((row, t) => row.forEach((count, p) => {
    for (let k = 0; k < count; k++) {
      const id = `${set.set}-${t}-${p}-${k}`;
      const top = 0.35 + ((k * 37 + t * 11 + p * 5) % 65) / 100;
      const probs = classNames.map((_, c) => (c === p ? top : (1 - top) / (classNames.length - 1)));
      predictions.push({ id, trueClass: t, predictedClass: p, probs });
      if (predictions.length % 3 === 0) images.push({ id, name: `${id}.png`, relativePath: `${set.set}/${classNames[t]}/${id}.png`, sourceLabel: classNames[t], patientId: id, fromSample: true });
      if (predictions.length % 3 === 0) thumbnails().keep(id, thumbnail(t, k));
    }
  }));
  return {
    classNames, count: set.count, accuracy: set.accuracy.estimate, loss: set.loss, confusion: set.confusion, macroAuc: set.macroAuc.estimate,
    quadraticKappa: set.quadraticKappa?.estimate,
    perClass: set.perClass.map((c) => ({ name: c.name, support: c.support, sensitivity: c.sensitivity, specificity: c.specificity, roc: null })) as unknown as EvalReport['perClass'],
    predictions,
  };
}

const validation = reportOf(summary.validation);
const test = summary.test ? reportOf(summary.test) : null;
const config = resolveTrainConfig({ scenario: 'finetune-pretrained', epochs: 12 });
const modelCard = renderModelCard({
  createdAt: '2025-03-14T09:26:53Z', classNames, ordinal: true, task: '5 DR grades (ICDR 0-4)',
  scenario: { number: 4, title: 'Fine-tune the whole network from pretrained weights' }, settings: { ...config },
  preprocessing: { inputSize: 224, steps: ['crop to the field of view', 'resize to 224 px', 'RGB to BGR, minus the Caffe ImageNet mean'], fieldOfViewCrop: true, colourNormalisation: null, testTimeRotations: 4 },
  data: makeDatasetFixture({ withTest }), summary, weightsProvenance: { source: 'BVLC GoogLeNet (Caffe model zoo)', sha256: 'abc123' },
});

useDatasetStore.setState({ images });
const finished = {
  info: { classNames, ordinal: true, trainCount: 2930, valCount: 366, startedAt: Date.now() - 600_000 },
  result: { config, epochs: [], report: validation, bestEpoch: 6, test: test ?? undefined, summary, stoppedBecause: 'early-stopping' },
  batches: [],
  finishedAt: Date.now(),
} as unknown as FinishedRun;
// ?summary=0: a finished run from before evaluation summaries existed (the screen falls back to its plain view).
const withSummary = params.get('summary') !== '0';
useTrainingStore.setState({ status: 'done', finished, summary: withSummary ? summary : null, bestEpoch: 6, testReport: test });
useModelStore.setState({ modelCard });

const view = params.get('view') ?? 'evaluate';
createRoot(document.getElementById('root')!).render(view === 'export' ? <ExportScreen /> : <EvaluateScreen />);
