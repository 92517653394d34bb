/** The UI's handle on the training worker: one worker per page, wrapped by comlink as a typed API. */
import * as Comlink from 'comlink';
import type { FoveaWorkerApi, WorkerEvent } from './protocol';

let api: Comlink.Remote<FoveaWorkerApi> | null = null;

export function foveaWorker(): Comlink.Remote<FoveaWorkerApi> {
  if (!api) {
    const worker = new Worker(new URL('./fovea.worker.ts', import.meta.url), { type: 'module', name: 'fovea-training' });
    api = Comlink.wrap<FoveaWorkerApi>(worker);
  }
  return api;
}

/** Wraps an event handler so that the worker can call it across the thread boundary. */
export function eventSink(handler: (e: WorkerEvent) => void): (e: WorkerEvent) => void {
  return Comlink.proxy(handler);
}

/** Errors from the worker arrive as plain Error objects whose `name` is a WorkerErrorName. */
export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : 'InternalError';
}
