/**
 * The prevalence where the model will be used, as the user enters it on the Evaluate screen: the screen
 * recomputes PPV, NPV, referrals and the prior-corrected calibration from it in the page (pure functions of
 * core/eval), without asking the worker. A share in (0, 1), e.g. 0.1 for 10%.
 */
import { create } from 'zustand';

export interface PrevalenceState {
  /** Share of screened people with the condition of the first screening question (e.g. referable DR). */
  deploymentPrevalence: number;
}

export interface PrevalenceActions {
  /** Keeps the last usable share: a value outside (0, 1) is ignored (the field shows it as unreadable). */
  setDeploymentPrevalence(prevalence: number): void;
  reset(): void;
}

/** 10%: about the share of referable DR among people with diabetes in community screening. */
export const initialPrevalenceState: PrevalenceState = { deploymentPrevalence: 0.1 };

export const usePrevalenceStore = create<PrevalenceState & PrevalenceActions>()((set) => ({
  ...initialPrevalenceState,
  setDeploymentPrevalence: (prevalence) => {
    if (prevalence > 0 && prevalence < 1) set({ deploymentPrevalence: prevalence });
  },
  reset: () => set(initialPrevalenceState),
}));
