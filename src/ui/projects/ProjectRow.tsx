import { useState, type FormEvent } from 'react';
import type { ProjectEntry, ProjectUsage } from '../../state/projects';
import { bytes, plural } from '../shared/format';

interface ProjectRowProps {
  project: ProjectEntry;
  usage: ProjectUsage | undefined;
  isOpen: boolean;
  busy: boolean;
  onOpen(): void;
  onRename(name: string): void;
  onDuplicate(): void;
  onDelete(): void;
  onExport(): void;
}

/** One project of the list: what it holds, and what can be done with it (rename and delete ask in place). */
export function ProjectRow({ project, usage, isOpen, busy, onOpen, onRename, onDuplicate, onDelete, onExport }: ProjectRowProps) {
  const [mode, setMode] = useState<'view' | 'rename' | 'confirm-delete'>('view');
  const [name, setName] = useState(project.name);
  const submitRename = (e: FormEvent) => {
    e.preventDefault();
    onRename(name);
    setMode('view');
  };
  const holds = usage
    ? `${plural(usage.images, 'image')} · ${plural(usage.runs, 'run')} · ${bytes(usage.bytes)}`
    : 'measuring…';

  return (
    <li className={`project-row${isOpen ? ' project-open' : ''}`} data-testid="project-row" data-project-id={project.id}>
      {mode === 'rename' ? (
        <form className="project-rename" onSubmit={submitRename}>
          <label className="visually-hidden" htmlFor={`rename-${project.id}`}>New name for {project.name}</label>
          <input
            id={`rename-${project.id}`} data-testid="project-rename-input" value={name} maxLength={200} autoFocus
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); setMode('view'); } }}
          />
          <button type="submit" className="button small" data-testid="project-rename-save" disabled={!name.trim()}>Save</button>
          <button type="button" className="button small ghost" onClick={() => setMode('view')}>Cancel</button>
        </form>
      ) : (
        <div className="project-title">
          <span className="project-name" data-testid="project-name">{project.name}</span>
          {isOpen && <span className="project-open-tag small">open</span>}
          <span className="muted small" data-testid="project-holds">{holds}</span>
        </div>
      )}
      {mode === 'confirm-delete' ? (
        <div className="project-confirm" role="group" aria-label={`Delete ${project.name}?`}>
          <span className="small">
            Delete “{project.name}”{usage ? ` and its ${plural(usage.images, 'image')} and ${plural(usage.runs, 'run')}` : ''}? This cannot be undone.
          </span>
          <button type="button" className="button small danger" data-testid="project-delete-confirm" disabled={busy} onClick={() => { setMode('view'); onDelete(); }}>
            Delete
          </button>
          <button type="button" className="button small ghost" onClick={() => setMode('view')}>Keep it</button>
        </div>
      ) : (
        <div className="project-actions">
          <button type="button" className="button small" data-testid="project-open" disabled={busy || isOpen} onClick={onOpen}>Open</button>
          <button type="button" className="button small secondary" data-testid="project-rename" disabled={busy} onClick={() => { setName(project.name); setMode('rename'); }}>Rename</button>
          <button type="button" className="button small secondary" data-testid="project-duplicate" disabled={busy} onClick={onDuplicate}>Duplicate</button>
          <button type="button" className="button small secondary" data-testid="project-export" disabled={busy} onClick={onExport}>Export</button>
          <button type="button" className="button small danger-ghost" data-testid="project-delete" disabled={busy} onClick={() => setMode('confirm-delete')}>Delete</button>
        </div>
      )}
    </li>
  );
}
