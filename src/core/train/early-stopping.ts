/**
 * Early stopping on validation loss as a pure decision: (state, metric) -> (new state, shouldStop, reason).
 * Stopping is a flag the loop reads, never an exception.
 */
export interface EarlyStoppingConfig {
  patience: number;
  minDelta: number;
}

export interface EarlyStoppingState {
  bestLoss: number;
  bestEpoch: number;
  /** Epochs since the last improvement. */
  wait: number;
}

export const initialEarlyStoppingState = (): EarlyStoppingState => ({ bestLoss: Infinity, bestEpoch: -1, wait: 0 });

export interface EarlyStoppingDecision {
  state: EarlyStoppingState;
  improved: boolean;
  shouldStop: boolean;
  reason?: string;
}

export function earlyStoppingStep(
  state: EarlyStoppingState,
  valLoss: number,
  epoch: number,
  config: EarlyStoppingConfig,
): EarlyStoppingDecision {
  if (valLoss < state.bestLoss - config.minDelta) {
    return { state: { bestLoss: valLoss, bestEpoch: epoch, wait: 0 }, improved: true, shouldStop: false };
  }
  const wait = state.wait + 1;
  const shouldStop = wait >= config.patience;
  return {
    state: { ...state, wait },
    improved: false,
    shouldStop,
    reason: shouldStop
      ? `validation loss has not improved for ${wait} epochs (best ${state.bestLoss.toFixed(4)} at epoch ${state.bestEpoch + 1})`
      : undefined,
  };
}
