import { useAppStore } from '../../state/app';
import { useDerivedDataset } from '../../state/dataset-derive';
import { AddImages } from './AddImages';
import { ClassCards } from './ClassCards';
import { DatasetMessages, SampleAttribution } from './DatasetMessages';
import { DatasetSummary, LabelsPanel, SplitPanel, ValidationPanel } from './DatasetPanels';

export function DatasetScreen() {
  const setTab = useAppStore((s) => s.setTab);
  const blocking = useDerivedDataset().blockingReason;
  return (
    <div className="dataset-screen">
      <AddImages />
      <DatasetMessages />
      <div className="two-column">
        <div className="column-main">
          <DatasetSummary />
          <ValidationPanel />
          <SampleAttribution />
          <ClassCards />
        </div>
        <aside className="column-side">
          <LabelsPanel />
          <SplitPanel />
          <button type="button" className="button wide" disabled={blocking !== null} onClick={() => setTab('train')}>
            Continue to training →
          </button>
        </aside>
      </div>
    </div>
  );
}
