/**
 * Finished runs and the run in progress, kept in the project's storage so that nothing is lost: each finished
 * run with its model (a Fovea package), the run in progress's checkpoint at every epoch end, and the Train
 * screen's settings. At start-up the latest run comes back as the current model and an interrupted run offers
 * to resume. Wiring above the stores, as session.ts: the training store stays plain data.
 */
import { foveaWorker } from '../worker/client';
import { withBatchSize, type TrainingCheckpoint } from '../core/train/checkpoint';
import { useAppStore } from './app';
import { useDatasetStore } from './dataset';
import { projectStorage, type ProjectStorage, type StoredRun } from './project-storage';
import { useProjectsStore } from './projects';
import { isActive, summariseRun, useTrainingStore, type FinishedRun } from './training';

/** Says in plain words that `what` failed, why, and that what was saved before is kept. */
function reportStorageFailure(what: string, e: unknown): void {
  const reason = (e instanceof Error ? e.message : String(e)).replace(/\.$/, '');
  useTrainingStore.setState({ storageProblem: `${what} (${reason}). What was saved before is kept; export the model to keep a copy.` });
}

/** Saves the run in progress at an epoch's end, with the curves so far; called for the worker's checkpoint events. */
export async function saveCheckpoint(checkpoint: TrainingCheckpoint, storage: ProjectStorage = projectStorage()): Promise<void> {
  const { request, run, batches } = useTrainingStore.getState();
  if (!request || !run) return;
  const epochEnd = checkpoint.epoch + 1;
  try {
    await storage.putCheckpoint({
      // The request without the checkpoint it may have resumed from (the new one replaces it).
      request: { ...request, resumeFrom: undefined }, info: run, batches: batches.filter((b) => b.x <= epochEnd + 1e-9),
      checkpoint, savedAt: Date.now(),
    });
  } catch (e) {
    reportStorageFailure('The training checkpoint could not be saved in this browser', e);
  }
}

/**
 * Saves a finished run with its model. The interrupted-run checkpoint it replaces is dropped even when the run
 * cannot be saved (storage full): the run finished, and a reload must not offer to resume it.
 */
export async function saveFinishedRun(
  run: FinishedRun, storage: ProjectStorage, exportModel: () => Promise<Uint8Array> = () => foveaWorker().exportModel(),
): Promise<void> {
  try {
    const zip = await exportModel();
    const stored: StoredRun = { id: run.id, run, modelZip: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }) };
    await storage.putRun(stored);
    void useProjectsStore.getState().touch();
    useTrainingStore.setState((s) => ({
      savedRuns: [...s.savedRuns.filter((r) => r.id !== run.id), summariseRun(run)],
    }));
  } catch (e) {
    reportStorageFailure('The finished run could not be saved in this browser', e);
  }
  await storage.clearCheckpoint().catch((e: unknown) => reportStorageFailure('The finished run\'s checkpoint could not be dropped', e));
}

/** Resolves once the worker has its backend and the pretrained model (restoring a model needs it). */
function workerReady(): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (status: string) => {
      if (status === 'ready') resolve(true);
      else if (status === 'failed') resolve(false);
      return status === 'ready' || status === 'failed';
    };
    if (check(useAppStore.getState().modelStatus)) return;
    const stop = useAppStore.subscribe((s) => {
      if (check(s.modelStatus)) stop();
    });
  });
}

/** Makes a saved run the current model and shows it. */
export async function openSavedRun(id: string, storage: ProjectStorage = projectStorage()): Promise<void> {
  const stored = (await storage.listRuns()).find((r) => r.id === id);
  if (!stored) throw new Error('That run is no longer saved in this project.');
  const bytes = new Uint8Array(await stored.modelZip.arrayBuffer());
  await foveaWorker().importModel(bytes, 'trained');
  useTrainingStore.getState().showSavedRun(stored.run);
}

export async function deleteSavedRun(id: string, storage: ProjectStorage = projectStorage()): Promise<void> {
  await storage.deleteRun(id);
  useTrainingStore.setState((s) => ({ savedRuns: s.savedRuns.filter((r) => r.id !== id) }));
}

/**
 * Why the interrupted run cannot resume with the dataset on screen (images removed since), or null. Waits for
 * nothing: the caller disables Resume while the dataset is still loading.
 */
export function resumeBlocker(itemIds: readonly string[]): string | null {
  const have = new Set(useDatasetStore.getState().images.map((i) => i.id));
  const missing = itemIds.filter((id) => !have.has(id)).length;
  return missing === 0 ? null
    : `${missing} of the run's ${itemIds.length} images ${missing === 1 ? 'is' : 'are'} no longer in the dataset, so it cannot continue where it stopped. Discard it and start a new run.`;
}

/**
 * Continues the interrupted run from its last checkpoint; with `batchSize`, at that batch size (after the GPU
 * ran out of memory: the same samples in the same order, in smaller steps).
 */
export async function resumeInterrupted(storage: ProjectStorage = projectStorage(), batchSize?: number): Promise<void> {
  // The error that interrupted the run is answered by resuming it.
  useTrainingStore.getState().dismissError();
  const saved = await storage.getCheckpoint();
  const training = useTrainingStore.getState();
  if (!saved) {
    training.setInterrupted(null);
    return;
  }
  const blocker = resumeBlocker(saved.request.items.map((i) => i.id));
  if (blocker) {
    useTrainingStore.setState({ storageProblem: blocker });
    return;
  }
  if (batchSize !== undefined) {
    training.setForm({ batchSize });
    const request = { ...saved.request, config: { ...saved.request.config, batchSize } };
    await training.resumeRun(request, saved.info, saved.batches, withBatchSize(saved.checkpoint, batchSize));
    return;
  }
  await training.resumeRun(saved.request, saved.info, saved.batches, saved.checkpoint);
}

export async function discardInterrupted(storage: ProjectStorage = projectStorage()): Promise<void> {
  useTrainingStore.getState().setInterrupted(null);
  await storage.clearCheckpoint();
}

/**
 * Start-up: lists the saved runs, brings the latest back as the current model, offers to resume an interrupted
 * run, then saves every run that finishes from now on.
 */
export async function startRunPersistence(storage: ProjectStorage = projectStorage()): Promise<void> {
  try {
    // Saved settings over today's defaults: a field added since keeps its default.
    const form = await storage.loadTrainForm();
    if (form) useTrainingStore.setState((s) => ({ form: { ...s.form, ...form } }));
  } catch (e) {
    reportStorageFailure('The training settings could not be read from this browser', e);
  }
  useTrainingStore.subscribe((s, prev) => {
    if (s.form !== prev.form) storage.saveTrainForm(s.form).catch((e: unknown) => reportStorageFailure('The training settings could not be saved in this browser', e));
  });
  // A new run (not a resumed one) replaces the interrupted run: its checkpoint is dropped.
  useTrainingStore.subscribe((s, prev) => {
    if (s.status === 'starting' && prev.status !== 'starting' && s.request && !s.request.resumeFrom) {
      storage.clearCheckpoint().catch((e: unknown) => reportStorageFailure('The interrupted run could not be discarded', e));
    }
  });
  useTrainingStore.subscribe((s, prev) => {
    const run = s.finished;
    if (!run || run === prev.finished || s.savedRuns.some((r) => r.id === run.id)) return;
    void saveFinishedRun(run, storage);
  });
  // A lost GPU took the worker's model with it: once the backend is back, the run on screen is its model again.
  useAppStore.subscribe((s, prev) => {
    const shown = useTrainingStore.getState().finished;
    if (!s.backendRestarted || prev.backendRestarted || !shown) return;
    if (!useTrainingStore.getState().savedRuns.some((r) => r.id === shown.id)) return;
    openSavedRun(shown.id, storage).catch((e: unknown) => reportStorageFailure('The current model could not be reloaded after the GPU restarted; open it again from the runs list', e));
  });
  try {
    const runs = await storage.listRuns();
    const checkpoint = await storage.getCheckpoint();
    useTrainingStore.getState().setSavedRuns(runs.map((r) => summariseRun(r.run)));
    if (!(await workerReady())) return;
    const training = useTrainingStore.getState();
    // A run started in the meantime wins over what was saved.
    if (isActive(training.status) || training.finished) return;
    const latest = runs.at(-1);
    if (latest) await openSavedRun(latest.id, storage);
    if (checkpoint) {
      useTrainingStore.getState().setInterrupted({
        info: checkpoint.info, epochsDone: checkpoint.checkpoint.epoch + 1, epochs: checkpoint.checkpoint.config.epochs,
        batchSize: checkpoint.checkpoint.config.batchSize,
        savedAt: checkpoint.savedAt, reason: 'reload',
      });
    }
  } catch (e) {
    reportStorageFailure('The saved runs could not be read from this browser', e);
  }
}
