/**
 * Seeing inside the current model: the Grad-CAM overlay that is open (one at a time: a gallery card or the
 * dropped image) and the "Inside the network" panel (conv1 filters, PCA map). Plain data; computed in the worker.
 */
import { create } from 'zustand';
import type { BlockName } from '../core/train/config';
import type { GradCamAnswer, InsideNetworkAnswer } from '../worker/protocol';
import { foveaWorker } from '../worker/client';
import { toUserError, type UserError } from './errors';

/**
 * A dataset image by id, or the dropped image: its object URL (the model store's prediction, for identity) and
 * the file itself, a handle this side never reads (the page's CSP forbids fetching blob: URLs; the worker decodes it).
 */
export type GradCamTarget = { kind: 'image'; imageId: string } | { kind: 'url'; url: string; file: Blob };

export const targetKey = (t: GradCamTarget): string => (t.kind === 'image' ? `image:${t.imageId}` : `url:${t.url}`);

export interface InsightState {
  target: GradCamTarget | null;
  /** null: the predicted class. */
  classIndex: number | null;
  /** null: the deepest block the model has (inception_5b, or the head's block when it sits earlier). */
  block: BlockName | null;
  answer: GradCamAnswer | null;
  busy: boolean;
  error: UserError | null;
  inside: InsideNetworkAnswer | null;
  insideBusy: boolean;
  insideError: UserError | null;
  /** Counts Grad-CAM requests, so a late answer never replaces a newer one. */
  request: number;
}

export interface InsightActions {
  /** Opens the overlay on a target and computes it (predicted class, the current block). */
  open(target: GradCamTarget): Promise<void>;
  setClass(classIndex: number | null): Promise<void>;
  setBlock(block: BlockName | null): Promise<void>;
  close(): void;
  /** Filters and PCA map of the current model on these validation images. */
  loadInside(items: { id: string; classIndex: number }[]): Promise<void>;
  reset(): void;
}

export const initialInsightState: InsightState = {
  target: null, classIndex: null, block: null, answer: null, busy: false, error: null,
  inside: null, insideBusy: false, insideError: null, request: 0,
};

export const useInsightStore = create<InsightState & InsightActions>()((set, get) => {
  const compute = async () => {
    const { target, classIndex, block } = get();
    if (!target) return;
    const token = get().request + 1;
    set({ busy: true, error: null, request: token });
    try {
      const source = target.kind === 'image' ? { imageId: target.imageId } : { file: target.file };
      const answer = await foveaWorker().gradCam({ source, ...(block === null ? {} : { block }), ...(classIndex === null ? {} : { classIndex }) });
      if (token === get().request) set({ answer, busy: false });
    } catch (e) {
      if (token === get().request) set({ error: toUserError(e), busy: false, answer: null });
    }
  };
  return {
    ...initialInsightState,
    open: async (target) => {
      set({ target, classIndex: null, answer: null });
      await compute();
    },
    setClass: async (classIndex) => {
      set({ classIndex });
      await compute();
    },
    setBlock: async (block) => {
      set({ block });
      await compute();
    },
    close: () => {
      set({ request: get().request + 1, target: null, answer: null, busy: false, error: null });
    },
    loadInside: async (items) => {
      set({ insideBusy: true, insideError: null });
      try {
        set({ inside: await foveaWorker().insideNetwork(items), insideBusy: false });
      } catch (e) {
        set({ insideError: toUserError(e), insideBusy: false });
      }
    },
    reset: () => {
      set({ ...initialInsightState, request: get().request + 1 });
    },
  };
});
