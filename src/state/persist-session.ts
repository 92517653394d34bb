/**
 * Start-up wiring of the saved dataset: restore what this browser kept, then follow the store and save what
 * changes (settings, labels, removals; added images are saved as they are decoded, with their pixels).
 */
import { foveaWorker } from '../worker/client';
import { projectStorage, projectDatabaseName, selectProject, type StoredDatasetSettings } from './project-storage';
import { activeProjectId, useProjectsStore } from './projects';
import { startRunPersistence } from './saved-runs';
import { useDatasetStore, type DatasetState } from './dataset';

function settingsOf(s: DatasetState): StoredDatasetSettings {
  return {
    presetId: s.presetId, split: s.split, fieldOfViewCrop: s.fieldOfViewCrop, storedSide: s.storedSide,
    declaredLabels: s.declaredLabels, sampleAttribution: s.sampleAttribution,
  };
}

function reportStorageFailure(e: unknown): void {
  useDatasetStore.setState((s) => (s.notices.some((n) => n.kind === 'storage-failed') ? {} : {
    notices: [...s.notices, { kind: 'storage-failed', reason: e instanceof Error ? e.message : String(e), id: `storage-${Date.now()}` }],
  }));
}

export async function startDatasetPersistence(): Promise<void> {
  const projectId = activeProjectId();
  selectProject(projectId);
  const storage = projectStorage();
  // The worker reads the images' stored copies from the same database when a run needs them.
  void foveaWorker().openProject(typeof indexedDB === 'undefined' ? null : projectDatabaseName(projectId)).catch(() => undefined);
  // Finished runs and an interrupted run's checkpoint come back once the worker has its model.
  void startRunPersistence(storage);
  try {
    await useDatasetStore.getState().restoreSaved(await storage.load());
  } catch (e) {
    reportStorageFailure(e);
  }
  // Ask the browser not to evict the saved dataset under storage pressure (it may say no; nothing breaks).
  void navigator.storage?.persist?.().catch(() => false);
  useDatasetStore.subscribe((s, prev) => {
    if (s.presetId !== prev.presetId || s.split !== prev.split || s.fieldOfViewCrop !== prev.fieldOfViewCrop || s.storedSide !== prev.storedSide ||
      s.declaredLabels !== prev.declaredLabels || s.sampleAttribution !== prev.sampleAttribution) {
      storage.saveSettings(settingsOf(s)).catch(reportStorageFailure);
      void useProjectsStore.getState().touch();
    }
    if (s.images === prev.images) return;
    void useProjectsStore.getState().touch();
    const now = new Map(s.images.map((i) => [i.id, i] as const));
    const removed = prev.images.filter((i) => !now.has(i.id)).map((i) => i.id);
    if (removed.length > 0) storage.deleteImages(removed).catch(reportStorageFailure);
    for (const before of prev.images) {
      const after = now.get(before.id);
      if (after && after.sourceLabel !== before.sourceLabel) storage.relabel(after.id, after.sourceLabel).catch(reportStorageFailure);
    }
  });
}
