import { BLOCKS, type FreezeUpTo, type HeadPosition } from '../../core/train/config';

const SHORT: Record<string, string> = {
  conv1: 'c1', conv2: 'c2', inception_3a: '3a', inception_3b: '3b', inception_4a: '4a', inception_4b: '4b',
  inception_4c: '4c', inception_4d: '4d', inception_4e: '4e', inception_5a: '5a', inception_5b: '5b',
};

/** Which blocks are frozen, which train, which are unused, and where the new head reads: one row of chips. */
export function BlockStrip({ freezeUpTo, headOn }: { freezeUpTo: FreezeUpTo; headOn: HeadPosition }) {
  const frozenUntil = freezeUpTo === 'none' ? -1 : freezeUpTo === 'all' ? BLOCKS.length - 1 : BLOCKS.indexOf(freezeUpTo);
  const lastUsed = headOn === 'pool5' ? BLOCKS.length - 1 : BLOCKS.indexOf(headOn);
  const stateOf = (i: number) => (i > lastUsed ? 'unused' : i <= frozenUntil ? 'frozen' : 'trains');
  const count = (state: string) => BLOCKS.filter((_, i) => stateOf(i) === state).length;
  const unused = count('unused');
  const summary = `${count('frozen')} frozen, ${count('trains')} training${unused ? `, ${unused} unused` : ''}; new head on ${headOn}`;
  return (
    <div className="block-strip" role="img" aria-label={`Network blocks: ${summary}`}>
      {BLOCKS.map((b, i) => (
        <span key={b} className={`block block-${stateOf(i)}`} title={`${b}: ${stateOf(i)}`}>{SHORT[b]}</span>
      ))}
      <span className="block block-head" title={`new classifier on ${headOn}`}>head</span>
    </div>
  );
}

export function BlockLegend() {
  return (
    <p className="block-legend small muted">
      <span className="block block-frozen" aria-hidden="true" /> frozen
      <span className="block block-trains" aria-hidden="true" /> trains
      <span className="block block-unused" aria-hidden="true" /> not used
      <span className="block block-head" aria-hidden="true" /> new classifier
    </p>
  );
}
