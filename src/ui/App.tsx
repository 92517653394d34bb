import { useEffect, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { TABS, useAppStore, type TabId } from '../state/app';
import { useDatasetStore } from '../state/dataset';
import { useTrainingStore, isActive } from '../state/training';
import { startWorker } from '../state/session';
import { BackendBadge, BackendMessages } from './shared/Backend';
import { LearnScreen } from './learn/LearnScreen';
import { DatasetScreen } from './dataset/DatasetScreen';
import { TrainScreen } from './train/TrainScreen';
import { EvaluateScreen } from './evaluate/EvaluateScreen';
import { ExportScreen } from './export/ExportScreen';
import { ProjectMenu } from './projects/ProjectMenu';

const TAB_LABEL: Record<TabId, string> = {
  learn: 'Learn',
  dataset: 'Dataset',
  train: 'Train',
  evaluate: 'Evaluate',
  export: 'Export',
};

function TabHint({ tab }: { tab: TabId }) {
  const images = useDatasetStore((s) => s.images.length);
  const { status, hasResult } = useTrainingStore(
    useShallow((s) => ({ status: s.status, hasResult: s.finished !== null || s.liveReport !== null })),
  );
  if (tab === 'dataset' && images > 0) return <span className="tab-hint">{images}</span>;
  if (tab === 'train' && isActive(status)) return <span className="tab-hint live" aria-label="training">●</span>;
  if (tab === 'evaluate' && hasResult) return <span className="tab-hint ok" aria-label="results ready">✓</span>;
  return null;
}

function Tabs() {
  const { tab, setTab } = useAppStore(useShallow((s) => ({ tab: s.tab, setTab: s.setTab })));
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : null;
    if (next) {
      e.preventDefault();
      setTab(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  };
  return (
    <nav className="tabs" role="tablist" aria-label="Steps" onKeyDown={onKeyDown}>
      {TABS.map((id, i) => (
        <button
          key={id}
          id={`tab-${id}`}
          type="button"
          role="tab"
          className="tab"
          aria-selected={tab === id}
          aria-controls="screen"
          tabIndex={tab === id ? 0 : -1}
          data-testid={`tab-${id}`}
          onClick={() => setTab(id)}
        >
          {id !== 'learn' && <span className="tab-step" aria-hidden="true">{i}</span>}
          {TAB_LABEL[id]}
          <TabHint tab={id} />
        </button>
      ))}
    </nav>
  );
}

function Screen() {
  const tab = useAppStore((s) => s.tab);
  return (
    <main id="screen" className="screen" role="tabpanel" aria-labelledby={`tab-${tab}`}>
      {tab === 'learn' && <LearnScreen />}
      {tab === 'dataset' && <DatasetScreen />}
      {tab === 'train' && <TrainScreen />}
      {tab === 'evaluate' && <EvaluateScreen />}
      {tab === 'export' && <ExportScreen />}
    </main>
  );
}

export function App() {
  useEffect(() => {
    void startWorker();
  }, []);

  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
            <circle cx="16" cy="16" r="14" fill="#b4532a" />
            <circle cx="20" cy="14" r="4.5" fill="#f6c36b" />
            <circle cx="11" cy="17" r="2" fill="#ffe2a8" />
          </svg>
          <div>
            <h1 className="brand-name">Fovea</h1>
            <p className="brand-tagline">Fine-tune GoogLeNet on your fundus photographs — privately, on your own GPU</p>
          </div>
        </div>
        <div className="header-tools">
          <ProjectMenu />
          <BackendBadge />
        </div>
      </header>
      <BackendMessages />
      <Tabs />
      <Screen />
      <footer className="app-footer muted small">
        Images never leave this computer: decoding, training and export all run in this browser tab.
        Fovea is a teaching and research tool, not a medical device.
      </footer>
    </div>
  );
}
