import { useEffect, useRef, type ChangeEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useProjectsStore, type ProjectTask } from '../../state/projects';
import { isActive, useTrainingStore } from '../../state/training';
import { Banner } from '../shared/Banner';
import { bytes } from '../shared/format';
import { ProjectRow } from './ProjectRow';

const TASK_LABEL: Record<ProjectTask, string> = {
  creating: 'Creating the project…',
  renaming: 'Renaming…',
  duplicating: 'Duplicating: copying every image and run…',
  deleting: 'Deleting…',
  exporting: 'Writing the project file…',
  importing: 'Reading and checking the project file…',
  opening: 'Opening…',
};

/** Opening another project reloads the page, which stops a run in progress: ask first. */
function mayLeaveProject(): boolean {
  if (!isActive(useTrainingStore.getState().status)) return true;
  return window.confirm(
    'A training run is in progress. Opening another project stops it (epochs not yet saved are lost). Continue?',
  );
}

function download(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The project list: what each holds, the browser's storage, and new / import / per-project actions. */
export function ProjectsPanel({ onClose }: { onClose(): void }) {
  const { projects, activeId, usage, browserStorage, task, error } = useProjectsStore(useShallow((s) => ({
    projects: s.projects, activeId: s.activeId, usage: s.usage, browserStorage: s.browserStorage, task: s.task, error: s.error,
  })));
  const actions = useProjectsStore.getState();
  const fileInput = useRef<HTMLInputElement>(null);
  const busy = task !== null;

  useEffect(() => {
    void useProjectsStore.getState().refresh({ measure: true });
  }, []);

  const leaveFor = (go: () => void) => {
    if (mayLeaveProject()) go();
  };
  const onImport = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) leaveFor(() => void actions.importProject(file));
  };
  const onExport = async (id: string) => {
    const file = await actions.exportProject(id);
    if (file) download(file.fileName, file.blob);
  };
  const total = Object.values(usage).reduce((sum, u) => sum + u.bytes, 0);

  return (
    <div className="projects-panel" role="dialog" aria-label="Projects" data-testid="projects-panel">
      <div className="projects-panel-head">
        <h2>Projects</h2>
        <button type="button" className="icon-button" aria-label="Close projects" onClick={onClose}>×</button>
      </div>
      <p className="muted small" data-testid="projects-storage">
        {Object.keys(usage).length > 0 ? `Projects use ${bytes(total)}` : 'Measuring…'}
        {browserStorage && browserStorage.quota > 0 &&
          ` · this browser holds ${bytes(browserStorage.usage)} for Fovea of ${bytes(browserStorage.quota)} available`}
      </p>
      {error && (
        <Banner tone="error" testId="projects-error" onDismiss={actions.dismissError}>
          <p>{error}</p>
        </Banner>
      )}
      {task && <p className="small" role="status" data-testid="projects-task">{TASK_LABEL[task]}</p>}
      <ul className="project-list" data-testid="project-list">
        {projects.map((p) => (
          <ProjectRow
            key={p.id} project={p} usage={usage[p.id]} isOpen={p.id === activeId} busy={busy}
            onOpen={() => leaveFor(() => actions.open(p.id))}
            onRename={(name) => void actions.rename(p.id, name)}
            onDuplicate={() => void actions.duplicate(p.id)}
            onDelete={() => (p.id === activeId ? leaveFor(() => void actions.remove(p.id)) : void actions.remove(p.id))}
            onExport={() => void onExport(p.id)}
          />
        ))}
      </ul>
      <div className="projects-panel-foot">
        <button type="button" className="button small" data-testid="project-new" disabled={busy} onClick={() => leaveFor(() => void actions.create())}>
          New project
        </button>
        <button type="button" className="button small secondary" data-testid="project-import" disabled={busy} onClick={() => fileInput.current?.click()}>
          Import project…
        </button>
        <input
          ref={fileInput} type="file" accept=".zip,application/zip" hidden data-testid="project-import-input" onChange={onImport}
        />
      </div>
      <p className="muted small">
        Export writes one <code>.fovea-project.zip</code> file with the images, labels, dataset settings and every finished
        run with its model, to open on another computer with Import. A run still in progress is not included: finish it
        first. Import always makes a new project; nothing here is changed.
      </p>
    </div>
  );
}
