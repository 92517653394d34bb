import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useExternalTrainingStore } from '../../state/external-training';
import { useModelStore } from '../../state/model';
import type { FoveaManifest } from '../../worker/protocol';
import { useTrainingStore } from '../../state/training';
import { SCENARIOS } from '../../core/train/config';
import { Banner, ErrorBanner } from '../shared/Banner';
import { DropZone } from '../shared/DropZone';
import { PredictPanel } from '../shared/PredictPanel';
import { Spinner } from '../shared/ProgressBar';
import { bytes, percent } from '../shared/format';
import { DecisionSettings } from './DecisionSettings';
import { MODEL_CARD_FILE_NAME, ModelCardPanel } from './ModelCardPanel';
import { ModelFormats } from './ModelFormats';
import { saveFile } from './save-file';
import { TrainingJobPanel } from './TrainingJobPanel';

const LOAD_SNIPPET = `import * as tf from '@tensorflow/tfjs';

// 1. GoogLeNet uses Local Response Normalization, which tfjs-layers lacks: register it once.
class LRN extends tf.layers.Layer {
  static className = 'LRN';
  constructor(config) {
    super(config);
    this.size = config.size ?? 5;
    this.alpha = config.alpha ?? 1e-4;
    this.beta = config.beta ?? 0.75;
    this.k = config.k ?? 1;
  }
  call(x) {
    x = Array.isArray(x) ? x[0] : x;
    return tf.localResponseNormalization(x, (this.size - 1) / 2, this.k, this.alpha / this.size, this.beta);
  }
  getConfig() { return { ...super.getConfig(), size: this.size, alpha: this.alpha, beta: this.beta, k: this.k }; }
}
tf.serialization.registerClass(LRN);

// 2. Load the model and its settings (unzip the package next to your app first).
const model = await tf.loadLayersModel('fovea-model/model.json');
const fovea = await (await fetch('fovea-model/fovea.json')).json();

// 3. Preprocess exactly as in training, as fovea.preprocessing says. This sketch does a centre square
//    (crop 'centre-square'); for crop 'field-of-view' (the default) take the square around the fundus disc
//    instead, and for colour 'local-average-subtraction' apply 4 x (image - Gaussian blur) + 128 after the
//    resize. Then BGR, minus the ImageNet mean. The reported figures average the probabilities over
//    fovea.testTimeRotations (quarter turns of the image).
function predict(image /* HTMLImageElement | ImageBitmap | canvas */) {
  return tf.tidy(() => {
    const rgb = tf.browser.fromPixels(image);
    const [h, w] = rgb.shape;
    const side = Math.min(h, w);
    const square = rgb.slice([(h - side) >> 1, (w - side) >> 1, 0], [side, side, 3]);
    const resized = tf.image.resizeBilinear(square, [fovea.inputSize, fovea.inputSize]);
    const bgr = tf.reverse(resized, -1).sub(fovea.preprocessing.meanBgr);
    const probs = model.predict(bgr.expandDims(0)).dataSync();
    return fovea.classNames.map((name, i) => ({ name, probability: probs[i] }));
  });
}`;

/** How the model's input is prepared, from its manifest's preprocessing record. */
export function describeInput(inputSize: number, preprocessing: FoveaManifest['preprocessing'] | undefined): string {
  const crop = preprocessing === undefined ? ''
    : preprocessing.crop === 'field-of-view' ? ', cropped to the field of view' : ', centre square crop';
  const colour = preprocessing?.colour === 'local-average-subtraction' ? ', local-average colour subtraction' : '';
  return `${inputSize} × ${inputSize} px${crop}${colour}`;
}

function ModelCard() {
  const info = useModelStore((s) => s.info);
  const fromPyTorch = useExternalTrainingStore((s) => s.importedModelCreatedAt !== null && s.importedModelCreatedAt === info?.manifest.createdAt);
  const finished = useTrainingStore((s) => s.finished);
  if (!info && !finished) {
    return (
      <div className="empty-state">
        <p className="empty-title">No model yet</p>
        <p className="muted">Train one on the Train screen, or import a model package below.</p>
      </div>
    );
  }
  const classNames = info?.classNames ?? finished!.info.classNames;
  const inputSize = info?.inputSize ?? finished!.result.config.inputSize;
  const scenarioId = info?.manifest.scenario ?? finished!.result.config.scenario;
  const scenario = SCENARIOS.find((s) => s.id === scenarioId);
  const accuracy = info?.manifest.validation.accuracy ?? finished!.result.report.accuracy;
  return (
    <dl className="model-card" data-testid="model-card">
      <div><dt>Model</dt><dd>{info?.origin === 'imported' ? 'Imported package' : fromPyTorch ? 'Trained with PyTorch (imported training result)' : 'Trained in this session'}</dd></div>
      <div><dt>Classes</dt><dd>{classNames.join(', ')}</dd></div>
      <div><dt>Input</dt><dd data-testid="model-input">{describeInput(inputSize, info?.manifest.preprocessing)}</dd></div>
      <div><dt>Setup</dt><dd>{scenario ? `Scenario ${scenario.number}: ${scenario.title}` : 'Custom'}</dd></div>
      <div><dt>Validation accuracy</dt><dd>{percent(accuracy)}</dd></div>
      {info && <div><dt>Created</dt><dd>{new Date(info.manifest.createdAt).toLocaleString()}</dd></div>}
    </dl>
  );
}

function ExportPanel() {
  const { exportModel, busy, exported, error, dismissErrors, hasInfo } = useModelStore(
    useShallow((s) => ({
      exportModel: s.exportModel, busy: s.exportStatus === 'busy', exported: s.exported, error: s.exportError,
      dismissErrors: s.dismissErrors, hasInfo: s.info !== null,
    })),
  );
  const hasFinished = useTrainingStore((s) => s.finished !== null);
  const trainedSummary = useTrainingStore((s) => s.summary);
  const info = useModelStore((s) => s.info);
  // An imported package brings its own decision settings; a model trained here has the run's.
  const summary = info?.origin === 'imported' ? info.manifest.screening ?? null : trainedSummary;
  const [copied, setCopied] = useState(false);

  const download = async () => {
    const pkg = await exportModel();
    if (pkg) saveFile(pkg);
  };

  return (
    <section className="panel" aria-labelledby="export-title">
      <h2 id="export-title" className="panel-title">Export the model</h2>
      <ModelCard />
      <div className="button-row">
        <button type="button" className="button primary" data-testid="export-button" disabled={busy || (!hasInfo && !hasFinished)} onClick={() => void download()}>
          {busy ? <><Spinner /> Packing the model…</> : 'Download model (.zip)'}
        </button>
        {exported && (
          <a className="link-button" href={exported.url} download={exported.fileName} data-testid="export-link">
            Save {exported.fileName} again ({bytes(exported.bytes)})
          </a>
        )}
      </div>
      {error && <ErrorBanner error={error} onDismiss={dismissErrors} />}
      <ModelFormats disabled={!hasInfo} />

      <h3 className="subhead">What is inside the .zip</h3>
      <ul className="file-list">
        <li><code>model.json</code> — the network: GoogLeNet up to the chosen layer plus your new classifier (TensorFlow.js layers format).</li>
        <li><code>group1-shard1ofN.bin</code>, … — the weights, in 4 MB pieces.</li>
        <li><code>fovea.json</code> — class names, input size, preprocessing, training settings, validation metrics, the operating point and temperature below, and where the pretrained weights came from.</li>
        <li><code>{MODEL_CARD_FILE_NAME}</code> — the model card shown below: intended use, data, every number with its interval and set, limitations.</li>
      </ul>

      <h3 className="subhead">Operating point and temperature in <code>fovea.json</code> <span className="muted small">(chosen on the validation set)</span></h3>
      <DecisionSettings summary={summary} />

      <h3 className="subhead">Use it in any TensorFlow.js app</h3>
      <div className="code-block">
        <button
          type="button"
          className="button ghost small copy"
          onClick={() => {
            void navigator.clipboard?.writeText(LOAD_SNIPPET).then(() => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            });
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <pre><code>{LOAD_SNIPPET}</code></pre>
      </div>
    </section>
  );
}

function ImportPanel() {
  const inputId = useId();
  const { importModel, busy, error, importedFileName, info, dismissErrors } = useModelStore(
    useShallow((s) => ({
      importModel: s.importModel, busy: s.importStatus === 'busy', error: s.importError,
      importedFileName: s.importedFileName, info: s.info, dismissErrors: s.dismissErrors,
    })),
  );
  const take = (file: File | null | undefined) => {
    if (file) void importModel(file);
  };
  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title" className="panel-title">Import a model package</h2>
      <DropZone label="Drop a Fovea model package (.zip)" className="dropzone-compact" testId="import-dropzone" onDrop={(dt) => take(dt.files[0])}>
        <p className="dropzone-title">Drop a Fovea model package (.zip)</p>
        <p className="muted small">A model exported earlier from Fovea, by you or a colleague. It replaces the current model for predictions.</p>
        <input
          id={inputId}
          className="visually-hidden"
          type="file"
          accept=".zip,application/zip"
          data-testid="import-input"
          onChange={(e) => {
            take(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
        <label htmlFor={inputId} className="button secondary">Choose a .zip…</label>
        {busy && <p className="muted small"><Spinner /> Reading the package…</p>}
      </DropZone>
      {error && <ErrorBanner error={error} onDismiss={dismissErrors} testId="import-error" title="This package could not be imported." />}
      {!error && importedFileName && info?.origin === 'imported' && (
        <Banner tone="success" testId="import-success" title={`Imported ${importedFileName}.`}>
          <p>{info.classNames.length} classes ({info.classNames.join(', ')}), input {info.inputSize} px. Drop an image below to try it.</p>
        </Banner>
      )}
      <h3 className="subhead">Try the model</h3>
      <PredictPanel hasModel={info !== null} />
    </section>
  );
}

export function ExportScreen() {
  const modelCard = useModelStore((s) => s.modelCard);
  return (
    <div className="export-layout">
      <div className="export-screen two-even">
        <ExportPanel />
        <ImportPanel />
      </div>
      <TrainingJobPanel />
      <ModelCardPanel markdown={modelCard} />
    </div>
  );
}
