import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useInsightStore } from '../../state/insight';
import { useTrainingStore } from '../../state/training';
import type { InsideNetworkAnswer } from '../../worker/protocol';
import { ErrorBanner } from '../shared/Banner';
import { Spinner } from '../shared/ProgressBar';

const CLASS_COLOURS = ['#0b5f73', '#c2410c', '#15803d', '#6d28d9', '#b91c1c', '#ca8a04', '#6b7280'];

function RgbaCanvas({ image, label, testId }: { image: InsideNetworkAnswer['filtersBefore']; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} className="inside-filters" aria-label={label} data-testid={testId} />;
}

/** A 2-D scatter of PCA coordinates, one dot per validation image, coloured by its true class. */
function PcaMap({ pca, classIndex, classNames, label, testId }: {
  pca: InsideNetworkAnswer['pcaBefore']; classIndex: number[]; classNames: string[]; label: string; testId: string;
}) {
  const size = 240;
  const pad = 12;
  const xs = pca.points.map((p) => p[0]);
  const ys = pca.points.map((p) => p[1]);
  const span = (v: number[]) => [Math.min(...v), Math.max(...v)] as const;
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (size - 2 * pad);
  const sy = (y: number) => size - pad - ((y - y0) / (y1 - y0 || 1)) * (size - 2 * pad);
  return (
    <svg viewBox={`0 0 ${size} ${size}`} className="inside-pca" role="img" aria-label={label} data-testid={testId}>
      {pca.points.map(([x, y], i) => (
        <circle key={i} cx={sx(x)} cy={sy(y)} r={4} fill={CLASS_COLOURS[classIndex[i] % CLASS_COLOURS.length]} fillOpacity={0.8}>
          <title>{classNames[classIndex[i]]}</title>
        </circle>
      ))}
    </svg>
  );
}

const samePoints = (a: [number, number][], b: [number, number][]) =>
  a.length === b.length && a.every((p, i) => Math.abs(p[0] - b[i][0]) < 1e-6 * (1 + Math.abs(p[0])) && Math.abs(p[1] - b[i][1]) < 1e-6 * (1 + Math.abs(p[1])));

const explained = (e: [number, number]) => `the two axes explain ${Math.round(e[0] * 100)} % and ${Math.round(e[1] * 100)} % of the variance`;

/** conv1's filters and a PCA map of the validation images' pooled features, pretrained vs fine-tuned. */
export function InsideNetwork() {
  const predictions = useTrainingStore((s) => s.finished?.result.report.predictions ?? null);
  const { inside, busy, error, load } = useInsightStore(useShallow((s) => ({
    inside: s.inside, busy: s.insideBusy, error: s.insideError, load: s.loadInside,
  })));
  if (!predictions) return null;
  return (
    <section className="panel inside" aria-labelledby="inside-title" data-testid="inside-network">
      <h2 id="inside-title" className="panel-title">Inside the network: before and after fine-tuning</h2>
      <p className="muted small">
        conv1's 64 filters (7×7 colour patterns the first layer looks for), and the validation images placed by the two main
        directions of variation of the features the head reads (PCA), for the pretrained network and for yours.
      </p>
      <div>
        <button type="button" className="button secondary" data-testid="inside-load" disabled={busy}
          onClick={() => void load(predictions.map((p) => ({ id: p.id, classIndex: p.trueClass })))}>
          {inside ? 'Compute again (for the current model)' : 'Look inside the network'}
        </button>
        {busy && <span className="muted small"> <Spinner /> Loading the pretrained network and reading features…</span>}
      </div>
      {error && <ErrorBanner error={error} />}
      {inside && (
        <>
          <h3 className="subhead">conv1 filters</h3>
          {inside.filtersIdentical && (
            <p className="small" data-testid="filters-identical">
              <strong>Identical: conv1 was frozen.</strong> This run kept the pretrained edge and colour detectors as they were;
              they are generic enough for fundus photographs too.
            </p>
          )}
          <div className="inside-pair">
            <figure><RgbaCanvas image={inside.filtersBefore} label="conv1 filters of the pretrained network" testId="filters-before" /><figcaption className="small muted">Pretrained (ImageNet)</figcaption></figure>
            <figure><RgbaCanvas image={inside.filtersAfter} label="conv1 filters after fine-tuning" testId="filters-after" /><figcaption className="small muted">After fine-tuning</figcaption></figure>
          </div>
          <h3 className="subhead">Validation images by their features ({inside.featureLayer.replace(/_output$/, '')}, pooled)</h3>
          <p className="small muted">
            {inside.classNames.map((n, i) => (
              <span key={n} style={{ marginRight: 12 }}><span className="compare-swatch" style={{ background: CLASS_COLOURS[i % CLASS_COLOURS.length] }} aria-hidden="true" /> {n}</span>
            ))}
          </p>
          <div className="inside-pair">
            <figure>
              <PcaMap pca={inside.pcaBefore} classIndex={inside.classIndex} classNames={inside.classNames} label="PCA map, pretrained features" testId="pca-before" />
              <figcaption className="small muted">Pretrained: {explained(inside.pcaBefore.explained)}</figcaption>
            </figure>
            <figure>
              <PcaMap pca={inside.pcaAfter} classIndex={inside.classIndex} classNames={inside.classNames} label="PCA map, fine-tuned features" testId="pca-after" />
              <figcaption className="small muted">After fine-tuning: {explained(inside.pcaAfter.explained)}</figcaption>
            </figure>
          </div>
          {samePoints(inside.pcaBefore.points, inside.pcaAfter.points) ? (
            <p className="small" data-testid="pca-identical">
              <strong>Identical: the layers up to {inside.featureLayer.replace(/_output$/, '')} were frozen</strong>, so the features
              the head reads did not change; only the new classifier learned to draw its line through them.
            </p>
          ) : (
            <p className="small muted">When fine-tuning helped, the classes sit further apart after than before.</p>
          )}
        </>
      )}
    </section>
  );
}
