import { describe, expect, it } from 'vitest';
import { earlyStoppingStep, type EarlyStoppingState, initialEarlyStoppingState } from './early-stopping';

/** Feeds a sequence of validation losses, returning every decision. */
function run(losses: number[], patience: number, minDelta = 0) {
  let state: EarlyStoppingState = initialEarlyStoppingState();
  return losses.map((loss, epoch) => {
    const d = earlyStoppingStep(state, loss, epoch, { patience, minDelta });
    state = d.state;
    return d;
  });
}

describe('earlyStoppingStep', () => {
  it('remembers the best epoch and stops after `patience` epochs without improvement', () => {
    const d = run([1.0, 0.8, 0.9, 0.85, 0.95], 3);
    expect(d.map((x) => x.improved)).toEqual([true, true, false, false, false]);
    expect(d.map((x) => x.shouldStop)).toEqual([false, false, false, false, true]);
    expect(d[4].state).toEqual({ bestLoss: 0.8, bestEpoch: 1, wait: 3 });
    expect(d[4].reason).toBe('validation loss has not improved for 3 epochs (best 0.8000 at epoch 2)');
  });

  it('resets the wait on an improvement', () => {
    const d = run([1.0, 1.1, 0.9, 1.0, 1.0], 2);
    expect(d.map((x) => x.shouldStop)).toEqual([false, false, false, false, true]);
    expect(d[4].state.bestEpoch).toBe(2);
  });

  it('counts an improvement smaller than minDelta as none', () => {
    const d = run([1.0, 0.95, 0.85], 5, 0.1);
    // 0.95 is not below 1.0 - 0.1; 0.85 is.
    expect(d.map((x) => x.improved)).toEqual([true, false, true]);
  });

  it('never improves on a NaN loss', () => {
    expect(run([NaN], 1)[0]).toMatchObject({ improved: false, shouldStop: true });
  });
});
