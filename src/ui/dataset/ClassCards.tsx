import { memo, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDatasetStore, type DatasetImage } from '../../state/dataset';
import { useDerivedDataset, type SourceLabelSummary } from '../../state/dataset-derive';
import type { SplitSide } from '../../core/data/split';
import { plural } from '../shared/format';
import { Thumbnail } from '../shared/Thumbnail';

const PREVIEW_COUNT = 18;

interface ThumbProps {
  image: DatasetImage;
  side: SplitSide | undefined;
  labels: string[];
}

const SIDE_TITLE: Record<SplitSide, string> = { train: 'training', val: 'validation', test: 'test (scored once, at the end)' };

const Thumb = memo(function Thumb({ image, side, labels }: ThumbProps) {
  const { removeImage, relabel } = useDatasetStore(useShallow((s) => ({ removeImage: s.removeImage, relabel: s.relabel })));
  return (
    <li className="thumb" title={`${image.relativePath}\npatient ${image.patientId}`}>
      <Thumbnail id={image.id} alt={image.name} />
      {side && <span className={`split-tag split-${side}`} title={SIDE_TITLE[side]}>{side}</span>}
      <div className="thumb-actions">
        <label className="visually-hidden" htmlFor={`relabel-${image.id}`}>Move {image.name} to class</label>
        <select
          id={`relabel-${image.id}`}
          className="thumb-relabel"
          value={image.sourceLabel}
          onChange={(e) => relabel(image.id, e.target.value)}
        >
          {labels.map((l) => <option key={l} value={l}>{l === image.sourceLabel ? l : `Move to ${l}`}</option>)}
        </select>
        <button type="button" className="thumb-remove" onClick={() => void removeImage(image.id)} aria-label={`Remove ${image.name}`} title="Remove from dataset">
          ×
        </button>
      </div>
      <span className="thumb-name">{image.name}</span>
    </li>
  );
});

interface ClassCardProps {
  index: number;
  summary: SourceLabelSummary;
  images: DatasetImage[];
  labels: string[];
  mappedTo: string | null;
  splitOf: Map<string, SplitSide>;
}

function ClassCard({ index, summary, images, labels, mappedTo, splitOf }: ClassCardProps) {
  const [expanded, setExpanded] = useState(false);
  const removeEmptyLabel = useDatasetStore((s) => s.removeEmptyLabel);
  const shown = expanded ? images : images.slice(0, PREVIEW_COUNT);
  const patients = new Set(images.map((i) => i.patientId)).size;
  return (
    <section className={`class-card${images.length === 0 ? ' empty' : ''}`} data-testid={`class-card-${index}`} aria-labelledby={`class-${index}-title`}>
      <header className="class-card-head">
        <h3 id={`class-${index}-title`}>{summary.label}</h3>
        <span className="count" aria-label={plural(images.length, 'image')}>{images.length}</span>
        <span className="muted small">{plural(patients, 'patient')}</span>
        {mappedTo !== null && <span className="maps-to small">→ {mappedTo}</span>}
      </header>
      {images.length === 0 ? (
        <div className="class-empty">
          <p className="muted">No images in this class.</p>
          <button type="button" className="link-button" onClick={() => removeEmptyLabel(summary.label)}>Remove this class</button>
        </div>
      ) : (
        <ul className="thumb-grid">
          {shown.map((img) => <Thumb key={img.id} image={img} side={splitOf.get(img.id)} labels={labels} />)}
        </ul>
      )}
      {images.length > PREVIEW_COUNT && (
        <button type="button" className="link-button" onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Show fewer' : `Show all ${images.length}`}
        </button>
      )}
    </section>
  );
}

/** One card per label as found (folder or CSV value), with thumbnails; relabel and remove from here. */
export function ClassCards() {
  const images = useDatasetStore((s) => s.images);
  const presetId = useDatasetStore((s) => s.presetId);
  const derived = useDerivedDataset();
  const labels = useMemo(() => derived.sourceLabels.map((s) => s.label), [derived.sourceLabels]);
  if (derived.sourceLabels.length === 0) return null;
  return (
    <div className="class-cards">
      {derived.sourceLabels.map((summary, i) => (
        <ClassCard
          key={summary.label}
          index={i}
          summary={summary}
          images={images.filter((img) => img.sourceLabel === summary.label)}
          labels={labels}
          mappedTo={presetId === 'as-is' ? null : summary.classIndex === null ? 'not used' : derived.classNames[summary.classIndex]}
          splitOf={derived.splitOf}
        />
      ))}
    </div>
  );
}
