import { useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { heatmapToRgba, upsampleHeatmap } from '../../core/eval/heatmap';
import { BLOCKS, type BlockName } from '../../core/train/config';
import { shortBlockLabel } from '../../core/model/diagram';
import type { GradCamAnswer } from '../../worker/protocol';
import { useInsightStore } from '../../state/insight';
import { ErrorBanner } from './Banner';
import { Spinner } from './ProgressBar';
import { percent } from './format';

/** Draws the image the network saw and, over it, the Grad-CAM heatmap (jet colours) at `opacity`. */
function OverlayCanvas({ answer, opacity }: { answer: GradCamAnswer; opacity: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const { width, height, data } = answer.image;
    canvas.width = width;
    canvas.height = height;
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([data[3 * i], data[3 * i + 1], data[3 * i + 2], 255], 4 * i);
    ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
    // putImageData replaces pixels; the heatmap is blended by drawing it from a second canvas.
    const heat = upsampleHeatmap(answer.heatmap, width, height);
    const layer = document.createElement('canvas');
    layer.width = width;
    layer.height = height;
    layer.getContext('2d')!.putImageData(new ImageData(heatmapToRgba(heat, { opacity }) as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
    ctx.drawImage(layer, 0, 0);
  }, [answer, opacity]);
  return <canvas ref={ref} className="gradcam-canvas" data-testid="gradcam-canvas" aria-label="The image with the Grad-CAM heatmap over it: red where the evidence for the class was strongest" />;
}

/**
 * Grad-CAM of the open target (a gallery image or the dropped image): which parts of the image drove the
 * class's score at a block. Predicted or chosen class, chosen block (default inception_5b), opacity slider.
 */
export function GradCamPanel({ onClose }: { onClose?: () => void }) {
  const classId = useId();
  const blockId = useId();
  const opacityId = useId();
  const [opacity, setOpacity] = useState(0.5);
  const { answer, busy, error, classIndex, block, setClass, setBlock, close } = useInsightStore(
    useShallow((s) => ({
      answer: s.answer, busy: s.busy, error: s.error, classIndex: s.classIndex, block: s.block,
      setClass: s.setClass, setBlock: s.setBlock, close: s.close,
    })),
  );
  return (
    <div className="gradcam" data-testid="gradcam-panel">
      <div className="gradcam-controls">
        <div className="field inline">
          <label htmlFor={classId} className="field-label">Explain</label>
          <select id={classId} data-testid="gradcam-class" value={classIndex === null ? 'predicted' : String(classIndex)}
            onChange={(e) => void setClass(e.target.value === 'predicted' ? null : Number(e.target.value))}>
            <option value="predicted">the predicted class</option>
            {answer?.classNames.map((n, i) => <option key={n} value={i}>{n}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={blockId} className="field-label">From block</label>
          <select id={blockId} data-testid="gradcam-block" value={block ?? ''} onChange={(e) => void setBlock(e.target.value ? (e.target.value as BlockName) : null)}>
            <option value="">the deepest (5b, or where the head reads)</option>
            {BLOCKS.filter((b) => b !== 'conv1').map((b) => <option key={b} value={b}>{shortBlockLabel(b)}</option>)}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={opacityId} className="field-label">Heatmap opacity</label>
          <input id={opacityId} data-testid="gradcam-opacity" type="range" min={0} max={1} step={0.05} value={opacity}
            onChange={(e) => setOpacity(Number(e.target.value))} />
        </div>
        <button type="button" className="button ghost" onClick={() => { close(); onClose?.(); }}>Close</button>
      </div>
      {error && <ErrorBanner error={error} />}
      {busy && !answer && <p className="muted small"><Spinner /> Computing Grad-CAM…</p>}
      {answer && (
        <figure className="gradcam-figure">
          <OverlayCanvas answer={answer} opacity={opacity} />
          <figcaption className="small muted" data-testid="gradcam-caption">
            Where <strong>{answer.classNames[answer.classIndex]}</strong> ({percent(answer.probability)}) found its evidence,
            from {answer.layerName.replace(/_output$/, '')} ({answer.heatmap.width}×{answer.heatmap.height} map){busy ? ' · updating…' : ''}.
            Grad-CAM weights each feature map by the gradient of the class score; red is strongest.
          </figcaption>
        </figure>
      )}
    </div>
  );
}
