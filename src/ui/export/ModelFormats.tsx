import { useShallow } from 'zustand/react/shallow';
import { useModelStore, type ModelFormat } from '../../state/model';
import { ErrorBanner } from '../shared/Banner';
import { Spinner } from '../shared/ProgressBar';
import { bytes } from '../shared/format';
import { saveFile } from './save-file';

interface FormatChoice {
  format: ModelFormat;
  label: string;
  /** Where the files run, in one line. */
  where: string;
}

const FORMATS: FormatChoice[] = [
  {
    format: 'onnx', label: 'ONNX model (.onnx)',
    where: 'Runs in ONNX Runtime (Python, C++, C#, Java, Node, the web) and any ONNX tool; labels and preprocessing are in its metadata.',
  },
  {
    format: 'pytorch', label: 'PyTorch weights (.safetensors + model.py)',
    where: 'For PyTorch: model.py builds the same GoogLeNet (Caffe semantics) and loads the weights — fine-tune further or serve with TorchServe.',
  },
];

/** Downloads of the current model in formats other apps read. */
export function ModelFormats({ disabled }: { disabled: boolean }) {
  const { exportFormat, busy, files, error, dismissErrors } = useModelStore(
    useShallow((s) => ({
      exportFormat: s.exportFormat, busy: s.formatBusy, files: s.formatFiles, error: s.formatError, dismissErrors: s.dismissErrors,
    })),
  );
  const download = async (format: ModelFormat) => {
    const written = await exportFormat(format);
    if (written) saveFile(written[0]);
  };
  return (
    <div className="model-formats" data-testid="model-formats">
      <h3 className="subhead">Other formats</h3>
      {FORMATS.map(({ format, label, where }) => (
        <div key={format} className="model-format">
          <div className="button-row">
            <button
              type="button" className="button secondary" data-testid={`export-${format}`}
              disabled={disabled || busy !== null} onClick={() => void download(format)}
            >
              {busy === format ? <><Spinner /> Writing…</> : label}
            </button>
            {(files[format] ?? []).map((f, i) => (
              <a key={f.fileName} className="link-button" href={f.url} download={f.fileName} data-testid={`export-${format}-link-${i}`}>
                Save {f.fileName} ({bytes(f.bytes)})
              </a>
            ))}
          </div>
          <p className="muted small">{where}</p>
        </div>
      ))}
      {error && <ErrorBanner error={error} onDismiss={dismissErrors} title="This export could not be written." />}
    </div>
  );
}
