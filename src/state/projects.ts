/**
 * The project list: which projects this browser keeps, and which one this page shows. Each project is one
 * IndexedDB database (project-storage.ts); the page opens one at start-up and switching reloads the page.
 * The list itself is a small database, 'fovea-projects', of names and dates; the first project ('default')
 * is listed even when it was never registered, since it holds the data of users from before there were
 * projects. Creating, duplicating and importing write a new database and never touch an existing one; a
 * failure removes only what it was writing and says so in plain words.
 */
import { create } from 'zustand';
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  cleanProjectName, listedProjects, uniqueProjectName, type ProjectEntry, type ProjectRecord,
} from '../core/project/project-list';
import {
  DEFAULT_PROJECT_FILE_LIMITS, imageTypeOf, projectFileName, readProjectFile, writeProjectFile, ProjectFileError,
  type ProjectContents, type ProjectImage, type ProjectRun,
} from '../core/project/project-file';
import {
  DEFAULT_PROJECT_ID, openProjectDatabase, projectDatabaseName,
  type StoredImage, type StoredPixels, type StoredRun, type StoredDatasetSettings, SETTINGS_KEY,
} from './project-storage';
import type { FinishedRun } from './training';

export type { ProjectEntry } from '../core/project/project-list';

const ACTIVE_PROJECT_KEY = 'fovea-active-project';
const REGISTRY_NAME = 'fovea-projects';
export const DEFAULT_PROJECT_NAME = 'My project';

/** The project this page opens: the one chosen last in this browser, else the first. */
export function activeProjectId(): string {
  try {
    return globalThis.localStorage?.getItem(ACTIVE_PROJECT_KEY) || DEFAULT_PROJECT_ID;
  } catch {
    return DEFAULT_PROJECT_ID;
  }
}

/** Makes `id` the project the next page load opens, and loads it: every store starts fresh from its database. */
function switchToProject(id: string): void {
  globalThis.localStorage?.setItem(ACTIVE_PROJECT_KEY, id);
  globalThis.location?.reload();
}

interface RegistryDb extends DBSchema {
  projects: { key: string; value: ProjectRecord };
}

/** What a project holds and how much room it takes: images, model packages and the checkpoint, in bytes. */
export interface ProjectUsage {
  images: number;
  runs: number;
  bytes: number;
}

/** The browser's own figure for this site (every project, the model cache and the app together). */
export interface BrowserStorageEstimate {
  usage: number;
  quota: number;
}

export type ProjectTask = 'creating' | 'renaming' | 'duplicating' | 'deleting' | 'exporting' | 'importing' | 'opening';

export interface ProjectsState {
  /** The listed projects, oldest first. Empty until the first refresh. */
  projects: ProjectEntry[];
  /** The project this page shows. */
  activeId: string;
  /** By project id; missing while being measured. */
  usage: Record<string, ProjectUsage>;
  browserStorage: BrowserStorageEstimate | null;
  /** What is being done now (buttons wait for it). */
  task: ProjectTask | null;
  /** The last failure in plain words; nothing saved was lost. */
  error: string | null;
  /** When touch() last wrote the open project's last-changed time (ms). */
  touchedAt: number;
}

export interface ExportedProjectFile {
  fileName: string;
  blob: Blob;
}

export interface ProjectsActions {
  /** Reads the list (finishing interrupted deletions); with `measure`, also what each project holds. */
  refresh(options?: { measure?: boolean }): Promise<void>;
  /**
   * Records that the open project changed now (images, labels, settings, runs): its last-changed time moves. At
   * most one registry write per TOUCH_INTERVAL_MS; failures are ignored (the time is a convenience).
   */
  touch(now?: number): Promise<void>;
  /** A new empty project, opened at once (the page reloads). */
  create(name?: string): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  /** Copies every record of the project into a new one, listed beside it (not opened). */
  duplicate(id: string): Promise<void>;
  /** Deletes the project; deleting the open one opens another, and deleting the last leaves a new empty one. */
  remove(id: string): Promise<void>;
  /** Opens the project (the page reloads). */
  open(id: string): void;
  /** The project as one `.fovea-project.zip` file (the run in progress's checkpoint is left out); null on failure. */
  exportProject(id: string): Promise<ExportedProjectFile | null>;
  /** Reads a project file into a new project and opens it; a bad file changes nothing and sets `error`. */
  importProject(file: Blob): Promise<void>;
  dismissError(): void;
  reset(): void;
}

export const initialProjectsState: ProjectsState = {
  projects: [], activeId: DEFAULT_PROJECT_ID, usage: {}, browserStorage: null, task: null, error: null, touchedAt: 0,
};

/** A burst of changes (an import saves every batch) writes the registry once. */
export const TOUCH_INTERVAL_MS = 2000;

// --- the registry ---

function openRegistry(): Promise<IDBPDatabase<RegistryDb>> {
  return openDB<RegistryDb>(REGISTRY_NAME, 1, {
    upgrade(db) {
      db.createObjectStore('projects', { keyPath: 'id' });
    },
  });
}

async function withRegistry<T>(use: (db: IDBPDatabase<RegistryDb>) => Promise<T>): Promise<T> {
  const db = await openRegistry();
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

const defaultEntry = (): ProjectEntry => ({ id: DEFAULT_PROJECT_ID, name: DEFAULT_PROJECT_NAME, createdAt: 0, updatedAt: 0 });

function newProjectId(): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `p${Date.now().toString(36)}${random}`;
}

/** Resolves when the database is gone, or after `waitMs` if another tab still has it open (it goes when that tab lets go). */
async function deleteProjectDatabase(id: string, waitMs = 3000): Promise<boolean> {
  const deleted = deleteDB(projectDatabaseName(id)).then(() => true);
  return Promise.race([deleted, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), waitMs))]);
}

// --- measuring ---

function byteSize(value: Blob | ArrayBufferView | ArrayBuffer | null | undefined): number {
  if (!value) return 0;
  if (value instanceof Blob) return value.size;
  return value.byteLength;
}

/** Bytes of every binary field (typed arrays, buffers, blobs) anywhere in a value such as the checkpoint. */
function binaryBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (value instanceof Blob || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return byteSize(value);
  let total = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value)) total += binaryBytes(v, seen);
  return total;
}

async function measureProject(id: string): Promise<ProjectUsage> {
  const db = await openProjectDatabase(id);
  try {
    const usage: ProjectUsage = { images: 0, runs: 0, bytes: 0 };
    usage.images = await db.count('images');
    for (let cursor = await db.transaction('pixels').store.openCursor(); cursor; cursor = await cursor.continue()) {
      usage.bytes += byteSize(cursor.value.data);
    }
    for (let cursor = await db.transaction('thumbs').store.openCursor(); cursor; cursor = await cursor.continue()) {
      usage.bytes += byteSize(cursor.value.data);
    }
    // One run at a time: a model package held as bytes is tens of MB.
    for (let cursor = await db.transaction('runs').store.openCursor(); cursor; cursor = await cursor.continue()) {
      usage.runs += 1;
      usage.bytes += byteSize(cursor.value.modelZip as Blob | Uint8Array);
    }
    for (const checkpoint of await db.getAll('checkpoint')) usage.bytes += binaryBytes(checkpoint);
    return usage;
  } finally {
    db.close();
  }
}

async function estimateBrowserStorage(): Promise<BrowserStorageEstimate | null> {
  try {
    const estimate = await globalThis.navigator?.storage?.estimate?.();
    return estimate ? { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 } : null;
  } catch {
    return null;
  }
}

// --- copying, exporting, importing ---

/** Every record of every store of `fromId` into the (new, empty) `toId`, in one transaction: all or nothing. */
async function copyProjectDatabase(fromId: string, toId: string): Promise<void> {
  const from = await openProjectDatabase(fromId);
  const to = await openProjectDatabase(toId);
  try {
    const read = from.transaction(['images', 'pixels', 'thumbs', 'settings', 'runs', 'checkpoint']);
    const [images, pixels, thumbs, runs, settingKeys, settings, checkpointKeys, checkpoints] = await Promise.all([
      read.objectStore('images').getAll(), read.objectStore('pixels').getAll(), read.objectStore('thumbs').getAll(),
      read.objectStore('runs').getAll(),
      read.objectStore('settings').getAllKeys(), read.objectStore('settings').getAll(),
      read.objectStore('checkpoint').getAllKeys(), read.objectStore('checkpoint').getAll(),
      read.done,
    ]);
    const write = to.transaction(['images', 'pixels', 'thumbs', 'settings', 'runs', 'checkpoint'], 'readwrite');
    await Promise.all([
      ...images.map((v) => write.objectStore('images').put(v)),
      ...pixels.map((v) => write.objectStore('pixels').put(v)),
      ...thumbs.map((v) => write.objectStore('thumbs').put(v)),
      ...runs.map((v) => write.objectStore('runs').put(v)),
      ...settings.map((v, i) => write.objectStore('settings').put(v, settingKeys[i])),
      ...checkpoints.map((v, i) => write.objectStore('checkpoint').put(v, checkpointKeys[i])),
      write.done,
    ]);
  } finally {
    from.close();
    to.close();
  }
}

async function bytesOf(value: Blob | Uint8Array | ArrayBuffer): Promise<Uint8Array> {
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
}

async function readProjectContents(id: string, name: string): Promise<ProjectContents<FinishedRun>> {
  const db = await openProjectDatabase(id);
  try {
    const stored = (await db.getAll('images')).sort((a, b) => a.order - b.order);
    const images: ProjectImage[] = [];
    for (const meta of stored) {
      const pixels = await db.get('pixels', meta.id);
      if (!pixels) continue; // an image whose pixels are gone cannot be trained on: it is left out
      images.push({ ...meta, prepared: pixels.prepared, bytes: await bytesOf(pixels.data) });
    }
    const storedRuns = (await db.getAll('runs')).sort((a, b) => a.run.finishedAt - b.run.finishedAt);
    const runs: ProjectRun<FinishedRun>[] = [];
    for (const { id: runId, run, modelZip } of storedRuns) {
      runs.push({ id: runId, run, modelZip: await bytesOf(modelZip as Blob | Uint8Array) });
    }
    return { name, settings: ((await db.get('settings', SETTINGS_KEY)) as StoredDatasetSettings | undefined) ?? null, images, runs };
  } finally {
    db.close();
  }
}

/** Writes an imported project into its (new, empty) database in one transaction. */
async function writeProjectContents(id: string, project: ProjectContents): Promise<void> {
  const db = await openProjectDatabase(id);
  try {
    const images: StoredImage[] = project.images.map(({ bytes: _bytes, prepared: _prepared, ...meta }) => meta);
    const pixels: StoredPixels[] = project.images.map(({ id: imageId, bytes, prepared }) => ({
      id: imageId, prepared: prepared ?? null,
      // A whole (uncropped) photograph keeps a typed Blob, as version 2 stored it; a prepared square its bytes.
      data: prepared ? bytes.slice().buffer as ArrayBuffer
        : new Blob([bytes as Uint8Array<ArrayBuffer>], { type: imageTypeOf(bytes) ?? 'image/jpeg' }),
    }));
    const runs: StoredRun[] = project.runs.map(({ id: runId, run, modelZip }) => ({
      // The file's run was checked for the fields the screens read; its id is the one it is stored under.
      id: runId, run: { ...(run as unknown as FinishedRun), id: runId },
      modelZip: new Blob([modelZip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
    }));
    const tx = db.transaction(['images', 'pixels', 'settings', 'runs'], 'readwrite');
    await Promise.all([
      ...images.map((i) => tx.objectStore('images').put(i)),
      ...pixels.map((p) => tx.objectStore('pixels').put(p)),
      ...runs.map((r) => tx.objectStore('runs').put(r)),
      ...(project.settings ? [tx.objectStore('settings').put(project.settings, SETTINGS_KEY)] : []),
      tx.done,
    ]);
  } finally {
    db.close();
  }
}

/** A failure in plain words: storage full is said as such, anything else with the browser's reason. */
export function describeProjectFailure(what: string, e: unknown): string {
  if (e instanceof ProjectFileError) return e.message;
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  const reason = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(reason)) {
    return `${what} failed: this browser has no more storage space for Fovea. Delete a project or some runs, then try again. Nothing saved before was changed.`;
  }
  return `${what} failed (${reason || name || 'unknown error'}). Nothing saved before was changed.`;
}

// --- the store ---

export const useProjectsStore = create<ProjectsState & ProjectsActions>()((set, get) => {
  /** Runs one task at a time; a failure becomes `error` (the task has removed what it had written). */
  async function run<T>(task: ProjectTask, what: string, work: () => Promise<T>): Promise<T | null> {
    if (get().task) return null;
    set({ task, error: null });
    try {
      return await work();
    } catch (e) {
      set({ error: describeProjectFailure(what, e) });
      return null;
    } finally {
      set({ task: null });
    }
  }

  async function register(entry: ProjectRecord): Promise<void> {
    await withRegistry((db) => db.put('projects', entry).then(() => undefined));
  }

  /** Writes a new project's database with `fill`, then lists it; if anything fails, the new database goes. */
  async function addProject(name: string, fill: (id: string) => Promise<void>): Promise<string> {
    const id = newProjectId();
    const now = Date.now();
    try {
      await fill(id);
      await register({ id, name: uniqueProjectName(cleanProjectName(name) || DEFAULT_PROJECT_NAME, get().projects), createdAt: now, updatedAt: now });
      return id;
    } catch (e) {
      await withRegistry((db) => db.delete('projects', id)).catch(() => undefined);
      await deleteProjectDatabase(id).catch(() => false);
      throw e;
    }
  }

  async function finishDeletions(records: ProjectRecord[], activeId: string): Promise<void> {
    for (const r of records) {
      if (!r.deleted || r.id === activeId) continue;
      // The first project's record stays as the mark that it was deleted (it is listed by default otherwise).
      if ((await deleteProjectDatabase(r.id)) && r.id !== DEFAULT_PROJECT_ID) {
        await withRegistry((db) => db.delete('projects', r.id));
      }
    }
  }

  return {
    ...initialProjectsState,
    activeId: activeProjectId(),

    touch: async (now = Date.now()) => {
      if (typeof indexedDB === 'undefined' || now - get().touchedAt < TOUCH_INTERVAL_MS) return;
      set({ touchedAt: now });
      const id = get().activeId;
      try {
        const record = (await withRegistry((db) => db.get('projects', id))) ?? (id === DEFAULT_PROJECT_ID ? defaultEntry() : null);
        if (!record) return;
        await register({ ...record, updatedAt: now });
        set((s) => ({ projects: s.projects.map((p) => (p.id === id ? { ...p, updatedAt: now } : p)) }));
      } catch {
        // Only the listed time is stale.
      }
    },

    refresh: async ({ measure = false } = {}) => {
      if (typeof indexedDB === 'undefined') {
        set({ projects: listedProjects([], get().activeId, defaultEntry()) });
        return;
      }
      const activeId = get().activeId;
      try {
        const records = await withRegistry((db) => db.getAll('projects'));
        // The open project is never deleted under this page: a deletion that did not get to switch is undone.
        const active = records.find((r) => r.id === activeId && r.deleted);
        if (active) await register({ ...active, deleted: false });
        set({ projects: listedProjects(records, activeId, defaultEntry()) });
        void finishDeletions(records, activeId).catch(() => undefined);
        if (!measure) return;
        const usage: Record<string, ProjectUsage> = {};
        for (const p of get().projects) usage[p.id] = await measureProject(p.id);
        set({ usage, browserStorage: await estimateBrowserStorage() });
      } catch (e) {
        set({ error: describeProjectFailure('Reading the project list', e) });
      }
    },

    create: async (name = DEFAULT_PROJECT_NAME) => {
      const id = await run('creating', 'Creating the project', () => addProject(name, async (newId) => {
        (await openProjectDatabase(newId)).close();
      }));
      if (id) switchToProject(id);
    },

    rename: async (id, name) => {
      const clean = cleanProjectName(name);
      if (!clean) {
        set({ error: 'A project needs a name.' });
        return;
      }
      const entry = get().projects.find((p) => p.id === id);
      if (!entry) return;
      const renamed = { ...entry, name: clean, updatedAt: Date.now() };
      const done = await run('renaming', 'Renaming the project', () => register(renamed).then(() => true));
      if (done) set((s) => ({ projects: s.projects.map((p) => (p.id === id ? renamed : p)) }));
    },

    duplicate: async (id) => {
      const source = get().projects.find((p) => p.id === id);
      if (!source) return;
      const copy = await run('duplicating', `Duplicating "${source.name}"`, () =>
        addProject(`${source.name} (copy)`, (newId) => copyProjectDatabase(id, newId)));
      if (copy) await get().refresh({ measure: true });
    },

    remove: async (id) => {
      const { projects, activeId } = get();
      const entry = projects.find((p) => p.id === id);
      if (!entry) return;
      const next = await run('deleting', `Deleting "${entry.name}"`, async () => {
        const others = projects.filter((p) => p.id !== id);
        // The open project's database is in use by this page: it is marked, the page switches, and the next
        // page load deletes it. Another project's goes now.
        const opensNext = id !== activeId ? null
          : others[0]?.id ?? await addProject(DEFAULT_PROJECT_NAME, async (newId) => { (await openProjectDatabase(newId)).close(); });
        await register({ ...entry, deleted: true, updatedAt: Date.now() });
        if (opensNext === null && (await deleteProjectDatabase(id)) && id !== DEFAULT_PROJECT_ID) {
          await withRegistry((db) => db.delete('projects', id));
        }
        return { opensNext };
      });
      if (!next) return;
      if (next.opensNext) {
        switchToProject(next.opensNext);
        return;
      }
      set((s) => {
        const { [id]: _gone, ...usage } = s.usage;
        void _gone;
        return { projects: s.projects.filter((p) => p.id !== id), usage };
      });
      void estimateBrowserStorage().then((browserStorage) => set({ browserStorage }));
    },

    open: (id) => {
      if (id === get().activeId || get().task) return;
      set({ task: 'opening' });
      switchToProject(id);
    },

    exportProject: async (id) => {
      const entry = get().projects.find((p) => p.id === id);
      if (!entry) return null;
      return run('exporting', `Exporting "${entry.name}"`, async () => {
        const zip = writeProjectFile(await readProjectContents(id, entry.name));
        return { fileName: projectFileName(entry.name), blob: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }) };
      });
    },

    importProject: async (file) => {
      const id = await run('importing', 'Importing the project', async () => {
        if (file.size > DEFAULT_PROJECT_FILE_LIMITS.maxTotalBytes) {
          throw new ProjectFileError(`it is ${(file.size / 2 ** 20).toFixed(0)} MB, more than the ${(DEFAULT_PROJECT_FILE_LIMITS.maxTotalBytes / 2 ** 20).toFixed(0)} MB a project file may be`);
        }
        // Read and checked in full before anything is written.
        const project = readProjectFile(new Uint8Array(await file.arrayBuffer()));
        return addProject(project.name, (newId) => writeProjectContents(newId, project));
      });
      if (id) switchToProject(id);
    },

    dismissError: () => set({ error: null }),
    reset: () => set({ ...initialProjectsState, activeId: activeProjectId() }),
  };
});
