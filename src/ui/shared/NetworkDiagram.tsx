import { useMemo } from 'react';
import { describeNetwork, type DiagramBlock, type NetworkDescription } from '../../core/model/diagram';
import type { FreezeUpTo, HeadPosition } from '../../core/train/config';

export interface NetworkDiagramProps {
  freezeUpTo: FreezeUpTo;
  headOn: HeadPosition;
  /** Square input side in px. */
  inputSize: number;
  /** Classes of the new head. */
  numClasses: number;
  /** Shows each block's output shape and parameter count. Defaults to true. */
  details?: boolean;
}

/** 9472 -> "9.5 k", 5973552 -> "5.97 M". */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${Number((n / 1e3).toPrecision(3))} k`;
  return `${Number((n / 1e6).toPrecision(3))} M`;
}

const STATUS_WORD: Record<DiagramBlock['status'], string> = { frozen: 'frozen', trainable: 'trains', unused: 'not used' };

function BlockBox({ block, details }: { block: DiagramBlock; details: boolean }) {
  const shape = block.outputShape.join('×');
  const isHead = block.id === 'head';
  return (
    <li
      className={`netdiag-block netdiag-${block.status}${isHead ? ' netdiag-head' : ''}${block.headAttachesHere ? ' netdiag-attach' : ''}`}
      title={`${block.id}: ${STATUS_WORD[block.status]}; output ${shape}; ${block.params.toLocaleString()} parameters`}
      data-block={block.id}
      data-status={block.status}
    >
      <span className="netdiag-label">{isHead ? 'new head' : block.label}</span>
      {details && <span className="netdiag-shape">{shape}</span>}
      {details && <span className="netdiag-params">{block.params ? compactCount(block.params) : '—'}</span>}
      {block.headAttachesHere && <span className="netdiag-attach-mark" aria-hidden="true">head reads here</span>}
    </li>
  );
}

function Summary({ d, inputSize }: { d: NetworkDescription; inputSize: number }) {
  const share = d.totalParams ? (100 * d.trainableParams) / d.totalParams : 0;
  return (
    <p className="netdiag-summary small" data-testid="netdiag-summary" data-trainable={d.trainableParams} data-total={d.totalParams}>
      <strong>{d.trainableParams.toLocaleString()}</strong> trainable of {d.totalParams.toLocaleString()} parameters
      {' '}({share < 1 ? share.toFixed(2) : share.toFixed(0)} %) at {inputSize} px
      {d.unusedParams > 0 && <span className="muted"> · {compactCount(d.unusedParams)} pretrained parameters left out</span>}
    </p>
  );
}

/**
 * GoogLeNet as a flow of blocks (stem, inception 3a-5b, pool5, the new head), coloured frozen / trains /
 * not used, with each block's output shape and parameter count at the input size and the trainable total.
 */
export function NetworkDiagram({ freezeUpTo, headOn, inputSize, numClasses, details = true }: NetworkDiagramProps) {
  const described = useMemo(() => {
    try {
      return describeNetwork({ freezeUpTo, headOn, inputSize, numClasses });
    } catch (e) {
      return e as Error; // settings mid-edit (an input size being typed): say so instead of drawing
    }
  }, [freezeUpTo, headOn, inputSize, numClasses]);
  if (described instanceof Error) {
    return <p className="netdiag netdiag-invalid small muted">The network diagram appears once the settings are valid: {described.message}</p>;
  }
  const frozen = described.blocks.filter((b) => b.status === 'frozen').length;
  const label = `GoogLeNet at ${inputSize} px: ${frozen} blocks frozen, new head on ${headOn}, ` +
    `${described.trainableParams.toLocaleString()} of ${described.totalParams.toLocaleString()} parameters train`;
  return (
    <figure className="netdiag" aria-label={label}>
      <ol className="netdiag-flow">
        {described.blocks.map((b) => <BlockBox key={b.id} block={b} details={details} />)}
      </ol>
      <Summary d={described} inputSize={inputSize} />
    </figure>
  );
}

export function NetworkDiagramLegend() {
  return (
    <p className="netdiag-legend small muted">
      <span className="netdiag-swatch netdiag-frozen" aria-hidden="true" /> frozen
      <span className="netdiag-swatch netdiag-trainable" aria-hidden="true" /> trains
      <span className="netdiag-swatch netdiag-unused" aria-hidden="true" /> not used
      <span className="netdiag-swatch netdiag-head" aria-hidden="true" /> new classifier
      <span className="netdiag-legend-item">each block: output height×width×channels, parameters</span>
    </p>
  );
}
