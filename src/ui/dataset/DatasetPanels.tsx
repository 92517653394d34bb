import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { LABEL_PRESETS, type LabelPresetId } from '../../core/data/presets';
import { STORED_SIDES, useDatasetStore } from '../../state/dataset';
import { storedImageBytes } from '../../core/data/stored-size';
import { useDerivedDataset } from '../../state/dataset-derive';
import { Banner } from '../shared/Banner';
import { bytes, listSome, plural } from '../shared/format';

/** Total images, patients, classes; and the button that empties the dataset. */
export function DatasetSummary() {
  const derived = useDerivedDataset();
  const { total, fromSample, clear } = useDatasetStore(
    useShallow((s) => ({ total: s.images.length, fromSample: s.images.filter((i) => i.fromSample).length, clear: s.clear })),
  );
  const [confirming, setConfirming] = useState(false);
  return (
    <div className="dataset-summary" data-testid="dataset-summary">
      <p>
        <strong>{plural(total, 'image')}</strong>
        <span className="sep">·</span>
        {plural(derived.patients, 'patient')}
        <span className="sep">·</span>
        {plural(derived.classNames.length, 'class', 'classes')}
        {fromSample > 0 && <span className="muted"> ({fromSample} from the sample data)</span>}
      </p>
      {total > 0 && (confirming ? (
        <span className="confirm">
          Remove all {total} images?
          <button type="button" className="button danger small" onClick={() => { setConfirming(false); void clear(); }}>Remove all</button>
          <button type="button" className="button ghost small" onClick={() => setConfirming(false)}>Keep</button>
        </span>
      ) : (
        <button type="button" className="button ghost small" onClick={() => setConfirming(true)}>Clear dataset…</button>
      ))}
    </div>
  );
}

/** The label preset and what it makes of the labels found. */
export function LabelsPanel() {
  const selectId = useId();
  const { presetId, setPreset } = useDatasetStore(useShallow((s) => ({ presetId: s.presetId, setPreset: s.setPreset })));
  const derived = useDerivedDataset();
  const preset = LABEL_PRESETS[presetId];
  return (
    <section className="panel" aria-labelledby="labels-title">
      <h2 id="labels-title" className="panel-title">Classes to learn</h2>
      <label htmlFor={selectId} className="field-label">Label preset</label>
      <select id={selectId} data-testid="preset-select" value={presetId} onChange={(e) => setPreset(e.target.value as LabelPresetId)}>
        {Object.values(LABEL_PRESETS).map((p) => <option key={p.id} value={p.id}>{p.title}</option>)}
      </select>
      <p className="muted small">{preset.description}{preset.ordinal ? ' Ordered classes: quadratic-weighted kappa is reported.' : ''}</p>
      {derived.presetError ? (
        <Banner tone="error" testId="preset-error"><p>{derived.presetError}</p></Banner>
      ) : (
        derived.classes.length > 0 && (
          <table className="compact-table">
            <caption className="visually-hidden">Images per class after the preset</caption>
            <thead><tr><th scope="col">Class</th><th scope="col" className="num">Images</th><th scope="col" className="num">Patients</th></tr></thead>
            <tbody>
              {derived.classes.map((c) => (
                <tr key={c.name} className={c.images === 0 ? 'row-problem' : undefined}>
                  <th scope="row">{c.name}</th><td className="num">{c.images}</td><td className="num">{c.patients ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      {derived.unreadableLabels.length > 0 && (
        <Banner tone="warning" testId="unreadable-labels">
          <p>
            {plural(derived.unreadableImages, 'image has', 'images have')} labels this preset cannot read as a DR grade
            ({listSome(derived.unreadableLabels.map((l) => `"${l}"`), 4)}). {derived.unreadableImages === 1 ? 'It is' : 'They are'} left
            out of training. Move them to a graded class, or choose “{LABEL_PRESETS['as-is'].title}”.
          </p>
        </Banner>
      )}
    </section>
  );
}

/** Validation share and seed, and the resulting train/validation counts per class. */
export function SplitPanel() {
  const seedId = useId();
  const fractionId = useId();
  const testFractionId = useId();
  const { split, setSplit } = useDatasetStore(useShallow((s) => ({ split: s.split, setSplit: s.setSplit })));
  const derived = useDerivedDataset();
  const [seedText, setSeedText] = useState(String(split.seed));
  // The seed can change from outside the field (a dataset restored after a reload): show the stored one.
  const [shownSeed, setShownSeed] = useState(split.seed);
  if (shownSeed !== split.seed) {
    setShownSeed(split.seed);
    if (Number(seedText) !== split.seed) setSeedText(String(split.seed));
  }
  const seedValid = /^-?\d+$/.test(seedText.trim()) && Number.isSafeInteger(Number(seedText));
  return (
    <section className="panel" aria-labelledby="split-title">
      <h2 id="split-title" className="panel-title">Training / validation / test split</h2>
      <p className="muted small">
        Stratified by class and kept by patient: both eyes of a patient stay on the same side, so validation measures
        the model on people it has never seen. Validation picks the best epoch, the operating point and the
        calibration; the test set is scored once at the end, so its numbers are the ones to quote.
      </p>
      <div className="split-fields">
        <div className="field">
          <label htmlFor={fractionId} className="field-label">Validation share <output htmlFor={fractionId}>{Math.round(split.valFraction * 100)} %</output></label>
          <input
            id={fractionId}
            type="range"
            min={0.1}
            max={0.5}
            step={0.05}
            value={split.valFraction}
            data-testid="val-fraction"
            onChange={(e) => setSplit({ valFraction: Number(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor={testFractionId} className="field-label">Test share <output htmlFor={testFractionId}>{Math.round(split.testFraction * 100)} %</output></label>
          <input
            id={testFractionId}
            type="range"
            min={0}
            max={0.4}
            step={0.05}
            value={split.testFraction}
            data-testid="test-fraction"
            onChange={(e) => setSplit({ testFraction: Number(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor={seedId} className="field-label">Seed</label>
          <div className="input-with-button">
            <input
              id={seedId}
              type="text"
              inputMode="numeric"
              data-testid="split-seed"
              value={seedText}
              aria-invalid={!seedValid}
              onChange={(e) => {
                setSeedText(e.target.value);
                const n = Number(e.target.value);
                if (/^-?\d+$/.test(e.target.value.trim()) && Number.isSafeInteger(n)) setSplit({ seed: n });
              }}
            />
            <button
              type="button"
              className="button ghost small"
              title="Pick another random seed"
              aria-label="Pick another random seed"
              onClick={() => {
                const seed = Math.floor(Math.random() * 100000);
                setSeedText(String(seed));
                setSplit({ seed });
              }}
            >
              ↻
            </button>
          </div>
        </div>
      </div>
      {!seedValid && <p className="field-error">The seed must be a whole number; the split uses {split.seed}.</p>}
      <FieldOfViewCropSetting />
      <StoredSideSetting />
      {derived.items.length > 0 && (
        <table className="compact-table" data-testid="split-table">
          <caption className="visually-hidden">Training, validation and test images per class</caption>
          <thead><tr><th scope="col">Class</th><th scope="col" className="num">Train</th><th scope="col" className="num">Validation</th><th scope="col" className="num">Test</th></tr></thead>
          <tbody>
            {derived.classes.map((c) => (
              <tr key={c.name}><th scope="row">{c.name}</th><td className="num">{c.train}</td><td className="num">{c.val}</td><td className="num">{c.test}</td></tr>
            ))}
          </tbody>
          <tfoot><tr><th scope="row">Total</th><td className="num">{derived.trainCount}</td><td className="num">{derived.valCount}</td><td className="num">{derived.testCount}</td></tr></tfoot>
        </table>
      )}
    </section>
  );
}

/** The crop applied when images are decoded: the fundus disc's square, or the centre square. */
function FieldOfViewCropSetting() {
  const id = useId();
  const { on, locked, setFieldOfViewCrop } = useDatasetStore(
    useShallow((s) => ({ on: s.fieldOfViewCrop, locked: s.images.length > 0 || s.progress !== null, setFieldOfViewCrop: s.setFieldOfViewCrop })),
  );
  return (
    <div className="field field-wide">
      <label className="switch" htmlFor={id}>
        <input
          id={id} type="checkbox" role="switch" data-testid="fov-crop" checked={on} disabled={locked}
          onChange={(e) => setFieldOfViewCrop(e.target.checked)}
        />
        <span>Crop to the circular field of view (fundus photographs)</span>
      </label>
      <p className="field-hint">
        {locked
          ? 'Applied when images are added: remove all images to change it.'
          : 'The retina then fills the network’s input whatever the camera’s frame; off: the centre square of each photo.'}
      </p>
    </div>
  );
}

/**
 * The side of each image's stored copy: what every run reads (so it bounds the input size) and what the project
 * costs in the browser's storage, said before a large import.
 */
function StoredSideSetting() {
  const id = useId();
  const { side, locked, setStoredSide, count } = useDatasetStore(
    useShallow((s) => ({ side: s.storedSide, locked: s.images.length > 0 || s.progress !== null, setStoredSide: s.setStoredSide, count: s.images.length })),
  );
  const perImage = storedImageBytes(side);
  return (
    <div className="field field-wide">
      <label htmlFor={id}>Stored size of each photograph</label>
      <select id={id} data-testid="stored-side" value={side} disabled={locked} onChange={(e) => setStoredSide(Number(e.target.value))}>
        {STORED_SIDES.map((s) => <option key={s} value={s}>{s} px{s === 512 ? ' (inputs up to 512 px)' : ''}</option>)}
      </select>
      <p className="field-hint" data-testid="stored-side-cost">
        Each photograph is kept once, cropped and at most this size (JPEG, about {bytes(perImage)}): 1,000 photographs
        take about {bytes(perImage * 1000)}, 30,000 about {bytes(perImage * 30_000)} of this browser&rsquo;s storage.
        {count > 0 ? ' Applied when images are added: remove all images to change it.' : ' Inputs larger than this size are upsampled.'}
      </p>
    </div>
  );
}

/** What stops training (errors) and what it will lack (warnings), in the words of validateDataset. */
export function ValidationPanel() {
  const derived = useDerivedDataset();
  const total = useDatasetStore((s) => s.images.length);
  const errors = derived.problems.filter((p) => p.severity === 'error');
  const warnings = derived.problems.filter((p) => p.severity === 'warning');
  const blocking = derived.blockingReason;
  return (
    <>
      {blocking && (
        total === 0 ? (
          <div className="empty-state" data-testid="dataset-error">
            <p className="empty-title">No images yet</p>
            <p className="muted">{blocking}</p>
          </div>
        ) : (
          <Banner tone="error" testId="dataset-error" title="Training cannot start yet.">
            {errors.length > 0 ? errors.map((p, i) => <p key={i}>{p.message}</p>) : <p>{blocking}</p>}
          </Banner>
        )
      )}
      {!blocking && total > 0 && (
        <Banner tone="success" title="Ready to train." testId="dataset-ready">
          <p>
            {plural(derived.trainCount, 'image')} for training, {plural(derived.valCount, 'image')} for validation
            {derived.testCount > 0 ? `, ${plural(derived.testCount, 'image')} held out for the final test` : ' (no test set: validation figures will be optimistic)'}.
          </p>
        </Banner>
      )}
      {warnings.map((p, i) => <Banner key={i} tone="warning"><p>{p.message}</p></Banner>)}
    </>
  );
}
