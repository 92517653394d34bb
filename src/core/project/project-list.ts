/**
 * Which projects to list, and their names: pure decisions over the registry's records (state/projects.ts
 * reads and writes them in IndexedDB).
 */

export interface ProjectEntry {
  id: string;
  name: string;
  /** Milliseconds since 1970; 0 for the first project when it was never registered. */
  createdAt: number;
  updatedAt: number;
}

/** A registry record; `deleted` marks a project whose database is being deleted (it may be open elsewhere). */
export interface ProjectRecord extends ProjectEntry {
  deleted?: boolean;
}

export const MAX_PROJECT_NAME_LENGTH = 200;

/**
 * The projects to list, oldest first: the registered ones not being deleted; the first project (`first`)
 * unless it has a record of its own (a name, or the mark that it was deleted); and always the open one, since
 * a deletion that did not get as far as switching away leaves it in use.
 */
export function listedProjects(records: readonly ProjectRecord[], activeId: string, first: ProjectEntry): ProjectEntry[] {
  const listed: ProjectEntry[] = records
    .filter((r) => !r.deleted || r.id === activeId)
    .map(({ id, name, createdAt, updatedAt }) => ({ id, name, createdAt, updatedAt }));
  if (!records.some((r) => r.id === first.id)) listed.push(first);
  if (!listed.some((p) => p.id === activeId)) {
    listed.push({ ...first, id: activeId, name: activeId === first.id ? first.name : 'Project' });
  }
  return listed.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
}

/** Spaces collapsed, ends trimmed, at most MAX_PROJECT_NAME_LENGTH characters; '' when nothing is left. */
export function cleanProjectName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().slice(0, MAX_PROJECT_NAME_LENGTH);
}

/** A name no listed project has: `Clinic A`, else `Clinic A (2)`, `Clinic A (3)`, … */
export function uniqueProjectName(wanted: string, projects: readonly Pick<ProjectEntry, 'name'>[]): string {
  const taken = new Set(projects.map((p) => p.name));
  if (!taken.has(wanted)) return wanted;
  for (let n = 2; ; n++) if (!taken.has(`${wanted} (${n})`)) return `${wanted} (${n})`;
}
