import { describe, expect, it } from 'vitest';
import { cleanProjectName, listedProjects, uniqueProjectName, type ProjectRecord } from './project-list';

const first = { id: 'default', name: 'My project', createdAt: 0, updatedAt: 0 };
const clinic: ProjectRecord = { id: 'p1', name: 'Clinic A', createdAt: 10, updatedAt: 10 };
const study: ProjectRecord = { id: 'p2', name: 'Study', createdAt: 20, updatedAt: 20 };

describe('project list', () => {
  it('lists the first project even when it was never registered (data from before there were projects)', () => {
    expect(listedProjects([], 'default', first)).toEqual([first]);
    expect(listedProjects([study, clinic], 'p1', first).map((p) => p.name)).toEqual(['My project', 'Clinic A', 'Study']);
  });

  it('uses the first project’s own record once it has one (renamed)', () => {
    expect(listedProjects([{ ...first, name: 'Clinic 0', updatedAt: 5 }], 'default', first)).toEqual([{ ...first, name: 'Clinic 0', updatedAt: 5 }]);
  });

  it('hides projects being deleted, the first one too, but never the open one', () => {
    const records = [{ ...first, deleted: true }, { ...clinic, deleted: true }, study];
    expect(listedProjects(records, 'p2', first).map((p) => p.id)).toEqual(['p2']);
    expect(listedProjects(records, 'p1', first).map((p) => p.id)).toEqual(['p1', 'p2']);
  });

  it('lists the open project even without a record, so the list is never empty', () => {
    expect(listedProjects([{ ...first, deleted: true }], 'p9', first).map((p) => p.id)).toEqual(['p9']);
  });

  it('cleans and de-duplicates names', () => {
    expect(cleanProjectName('  Clinic \n A  ')).toBe('Clinic A');
    expect(cleanProjectName('   ')).toBe('');
    expect(cleanProjectName('x'.repeat(300))).toHaveLength(200);
    expect(uniqueProjectName('Clinic A', [clinic, study])).toBe('Clinic A (2)');
    expect(uniqueProjectName('Clinic A', [clinic, { name: 'Clinic A (2)' }])).toBe('Clinic A (3)');
    expect(uniqueProjectName('New', [clinic])).toBe('New');
  });
});
