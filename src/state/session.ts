/**
 * Start-up wiring above the stores: starts the training worker (backend + pretrained GoogLeNet) and routes
 * its events to the stores that show them. The stores themselves stay plain and never start anything.
 */
import { eventSink, foveaWorker } from '../worker/client';
import { useAppStore } from './app';
import { toUserError } from './errors';
import { handleWorkerEvent } from './worker-events';

/** The pretrained model, served from public/ under the app's base path. */
export const PRETRAINED_MODEL_URL = `${import.meta.env.BASE_URL}models/googlenet/model.json`;

/** Starts the worker, picks the backend and loads the pretrained GoogLeNet. Safe to call more than once. */
export async function startWorker(): Promise<void> {
  const app = useAppStore.getState();
  if (app.modelStatus === 'loading' || app.modelStatus === 'ready') return;
  app.modelLoading();
  try {
    // The worker resolves relative URLs against its own script; give it an absolute one.
    const modelUrl = new URL(PRETRAINED_MODEL_URL, window.location.href).href;
    useAppStore.getState().modelReady(await foveaWorker().init(eventSink(handleWorkerEvent), modelUrl));
  } catch (e) {
    useAppStore.getState().modelFailed(toUserError(e));
  }
}
