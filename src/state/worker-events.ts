/** The one place worker events land: each goes to the store that shows it. */
import type { WorkerEvent } from '../worker/protocol';
import { useAppStore } from './app';
import { useDatasetStore } from './dataset';
import { saveCheckpoint } from './saved-runs';
import { useTrainingStore } from './training';

export function handleWorkerEvent(e: WorkerEvent): void {
  switch (e.type) {
    case 'decode-progress':
      useDatasetStore.getState().onDecodeProgress(e.done, e.total);
      return;
    case 'phase':
    case 'batch':
    case 'epoch':
      useTrainingStore.getState().onEvent(e);
      return;
    case 'checkpoint':
      useTrainingStore.getState().onEvent(e);
      void saveCheckpoint(e.checkpoint);
      return;
    case 'device-lost':
      useAppStore.getState().setDeviceLost(e.message);
      useTrainingStore.getState().onEvent(e);
      return;
    case 'backend-restarted':
      useAppStore.getState().setBackendRestarted(e.backend);
      return;
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}
