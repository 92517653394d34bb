import { useAppStore } from '../../state/app';
import { useModelStore } from '../../state/model';
import { useTrainingStore } from '../../state/training';
import { Banner } from '../shared/Banner';
import { PredictPanel } from '../shared/PredictPanel';
import { ConfusionMatrix, ClassTable, classRows } from './ConfusionMatrix';
import { InsideNetwork } from './InsideNetwork';
import { MetricsSummary } from './MetricsSummary';
import { PredictionsGallery } from './PredictionsGallery';
import { RocChart } from './RocChart';
import { useState } from 'react';
import type { SetId } from './provenance';
import { ScreeningEvaluation } from './ScreeningEvaluation';
import { useScreeningView } from './useScreeningView';
import { useShownReport } from './useShownReport';

export function EvaluateScreen() {
  const shown = useShownReport();
  const screening = useScreeningView();
  // The test set is what to quote, so it is shown first; the switch (and a summary without test) can change that.
  const [set, setSet] = useState<SetId>('test');
  const setTab = useAppStore((s) => s.setTab);
  const hasInfo = useModelStore((s) => s.info !== null);
  const hasFinished = useTrainingStore((s) => s.finished !== null);
  const hasModel = hasInfo || hasFinished;

  if (!shown) {
    return (
      <div className="evaluate-screen">
        <div className="empty-state large">
          <p className="empty-title">Nothing to evaluate yet</p>
          <p className="muted">Results appear here after the first training epoch, or when you import a model package.</p>
          <div className="button-row center">
            <button type="button" className="button" onClick={() => setTab('train')}>Go to training</button>
            <button type="button" className="button secondary" onClick={() => setTab('export')}>Import a model</button>
          </div>
        </div>
        <section className="panel">
          <h2 className="panel-title">Try the model on an image</h2>
          <PredictPanel hasModel={hasModel} />
        </section>
      </div>
    );
  }

  const tryModel = (
    <section className="panel" aria-labelledby="predict-title">
      <h2 id="predict-title" className="panel-title">Try the model on a new image</h2>
      <PredictPanel hasModel={hasModel} />
    </section>
  );

  if (screening) {
    return (
      <div className="evaluate-screen">
        <ScreeningEvaluation {...screening} set={set} onSetChange={setSet} />
        {tryModel}
        <InsideNetwork />
      </div>
    );
  }

  const { report, source, live } = shown;
  return (
    <div className="evaluate-screen">
      <Banner tone={live ? 'info' : 'success'} title={live ? 'Live results' : 'Validation results'}>
        <p>{source} Measured on validation images the model never trained on.</p>
      </Banner>
      <MetricsSummary report={report} />
      <div className="eval-grid">
        <section className="panel" aria-labelledby="confusion-title">
          <h2 id="confusion-title" className="panel-title">Confusion matrix</h2>
          <ConfusionMatrix report={report} />
          <h3 className="subhead">Per class</h3>
          <ClassTable rows={classRows(report)} />
        </section>
        <section className="panel" aria-labelledby="roc-title">
          <h2 id="roc-title" className="panel-title">ROC curves</h2>
          <RocChart report={report} />
        </section>
      </div>
      {'predictions' in report && (
        <section className="panel" aria-labelledby="gallery-title">
          <h2 id="gallery-title" className="panel-title">Validation images</h2>
          <PredictionsGallery report={report} />
        </section>
      )}
      {tryModel}
      <InsideNetwork />
    </div>
  );
}
