import { useId, useMemo, useState, type ReactNode } from 'react';
import type { EvalReport, Prediction } from '../../core/eval/report';
import { useDatasetStore } from '../../state/dataset';
import { useInsightStore } from '../../state/insight';
import { percent } from '../shared/format';
import { Thumbnail } from '../shared/Thumbnail';
import { GradCamPanel } from '../shared/GradCamOverlay';

type SortKey = 'wrong-first' | 'confidence-desc' | 'confidence-asc' | 'class';

const SORTS: Record<SortKey, { label: string; compare: (a: Prediction, b: Prediction) => number }> = {
  'wrong-first': {
    label: 'Wrong first (most confident mistakes first)',
    compare: (a, b) => Number(correct(a)) - Number(correct(b)) || confidence(b) - confidence(a),
  },
  'confidence-desc': { label: 'Most confident first', compare: (a, b) => confidence(b) - confidence(a) },
  'confidence-asc': { label: 'Least confident first', compare: (a, b) => confidence(a) - confidence(b) },
  class: { label: 'By true class', compare: (a, b) => a.trueClass - b.trueClass || confidence(b) - confidence(a) },
};

const PAGE = 48;
const confidence = (p: Prediction) => p.probs[p.predictedClass] ?? 0;
const correct = (p: Prediction) => p.predictedClass === p.trueClass;

/** Every image of one set with its true and predicted class; mistakes are where to look first. */
export function PredictionsGallery({ report, controls }: { report: EvalReport; controls?: ReactNode }) {
  const sortId = useId();
  const filterId = useId();
  const images = useDatasetStore((s) => s.images);
  const byId = useMemo(() => new Map(images.map((i) => [i.id, i] as const)), [images]);
  const [sort, setSort] = useState<SortKey>('wrong-first');
  const [filter, setFilter] = useState<'all' | 'wrong' | number>('all');
  const [limit, setLimit] = useState(PAGE);
  const openGradCam = useInsightStore((s) => s.open);
  const openId = useInsightStore((s) => (s.target?.kind === 'image' ? s.target.imageId : null));
  const open = openId ? report.predictions.find((p) => p.id === openId) ?? null : null;

  const shown = useMemo(() => {
    const list = report.predictions.filter((p) => (filter === 'all' ? true : filter === 'wrong' ? !correct(p) : p.trueClass === filter));
    return list.sort(SORTS[sort].compare);
  }, [report.predictions, sort, filter]);
  const wrong = report.predictions.filter((p) => !correct(p)).length;

  return (
    <div className="gallery" data-testid="predictions-gallery">
      <div className="gallery-controls">
        {controls}
        <div className="field inline">
          <label htmlFor={sortId} className="field-label">Sort</label>
          <select id={sortId} data-testid="gallery-sort" value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            {(Object.keys(SORTS) as SortKey[]).map((k) => <option key={k} value={k}>{SORTS[k].label}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={filterId} className="field-label">Show</label>
          <select
            id={filterId}
            data-testid="gallery-filter"
            value={String(filter)}
            onChange={(e) => {
              const v = e.target.value;
              setFilter(v === 'all' || v === 'wrong' ? v : Number(v));
              setLimit(PAGE);
            }}
          >
            <option value="all">All {report.predictions.length} images</option>
            <option value="wrong">Only mistakes ({wrong})</option>
            {report.classNames.map((n, i) => <option key={n} value={i}>True class: {n}</option>)}
          </select>
        </div>
      </div>
      {open && (
        <section className="gallery-open panel" data-testid="gallery-open" aria-label="What the network looked at">
          <h4>
            {byId.get(open.id)?.name ?? open.id}: true {report.classNames[open.trueClass]}, predicted {report.classNames[open.predictedClass]}
          </h4>
          <GradCamPanel />
        </section>
      )}
      {shown.length === 0 && <p className="muted">No images match.</p>}
      <ul className="gallery-grid">
        {shown.slice(0, limit).map((p) => {
          const img = byId.get(p.id);
          const ok = correct(p);
          return (
            <li key={p.id} className={`gallery-item ${ok ? 'correct' : 'wrong'}`}>
              <div className="gallery-thumb">
                {img ? <Thumbnail id={img.id} alt={img.name} /> : <span className="muted small">image removed</span>}
                <span className={`mark ${ok ? 'ok' : 'bad'}`} aria-label={ok ? 'correct' : 'wrong'} title={ok ? 'correct' : 'wrong'}>{ok ? '✓' : '✗'}</span>
              </div>
              <dl className="gallery-meta">
                <div><dt>True</dt><dd>{report.classNames[p.trueClass]}</dd></div>
                <div><dt>Predicted</dt><dd className={ok ? undefined : 'wrong-text'}>{report.classNames[p.predictedClass]}</dd></div>
                <div><dt data-testid="gallery-confidence-label">Confidence</dt><dd data-testid="gallery-confidence-value">{percent(confidence(p), 0)}</dd></div>
              </dl>
              {img && <p className="gallery-name small muted" title={img.relativePath}>{img.name}</p>}
              {img && (
                <button type="button" className="button ghost small gallery-gradcam" data-testid="gallery-gradcam"
                  aria-pressed={openId === p.id} onClick={() => void openGradCam({ kind: 'image', imageId: p.id })}>
                  What did it look at?
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {shown.length > limit && (
        <button type="button" className="button ghost" onClick={() => setLimit(limit + PAGE)}>Show {Math.min(PAGE, shown.length - limit)} more</button>
      )}
    </div>
  );
}
