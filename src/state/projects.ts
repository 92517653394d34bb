/**
 * The project list: which projects this browser keeps, and which one this page shows. Each project is one
 * IndexedDB database (project-storage.ts); the page opens one at start-up and switching reloads the page.
 */
import { DEFAULT_PROJECT_ID } from './project-storage';

const ACTIVE_PROJECT_KEY = 'fovea-active-project';

/** The project this page opens: the one chosen last in this browser, else the first. */
export function activeProjectId(): string {
  try {
    return globalThis.localStorage?.getItem(ACTIVE_PROJECT_KEY) || DEFAULT_PROJECT_ID;
  } catch {
    return DEFAULT_PROJECT_ID;
  }
}
