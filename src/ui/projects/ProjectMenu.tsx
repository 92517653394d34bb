import { useEffect, useRef, useState } from 'react';
import { useProjectsStore } from '../../state/projects';
import { ProjectsPanel } from './ProjectsPanel';

/** "Project: <name> ▾" in the header; opens the project list below it. */
export function ProjectMenu() {
  const [open, setOpen] = useState(false);
  const name = useProjectsStore((s) => s.projects.find((p) => p.id === s.activeId)?.name ?? '…');
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void useProjectsStore.getState().refresh();
  }, []);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setOpen(false); };
    const onPointer = (e: PointerEvent) => { if (!root.current?.contains(e.target as Node)) setOpen(false); };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div className="project-menu" ref={root}>
      <button
        type="button" className="project-menu-button" data-testid="project-menu" aria-expanded={open} aria-haspopup="dialog"
        onClick={() => setOpen((o) => !o)}
      >
        <span className="muted">Project:</span> <span data-testid="project-current">{name}</span> <span aria-hidden="true">▾</span>
      </button>
      {open && <ProjectsPanel onClose={() => setOpen(false)} />}
    </div>
  );
}
