import { SCENARIOS, type Scenario } from '../../core/train/config';
import { useAppStore } from '../../state/app';
import { useTrainingStore } from '../../state/training';
import { useDerivedDataset } from '../../state/dataset-derive';
import { NetworkDiagram, NetworkDiagramLegend } from '../shared/NetworkDiagram';

/** Classes the diagram's head gets before a dataset is loaded: the five DR grades. */
const DEFAULT_CLASSES = 5;

function ScenarioCell({ scenario }: { scenario: Scenario }) {
  const selectScenario = useTrainingStore((s) => s.selectScenario);
  const selected = useTrainingStore((s) => s.form.scenario === scenario.id);
  const setTab = useAppStore((s) => s.setTab);
  const inputSize = useTrainingStore((s) => s.form.inputSize);
  const classCount = useDerivedDataset().classNames.length;
  return (
    <article className={`learn-cell${selected ? ' selected' : ''}`} aria-labelledby={`learn-${scenario.id}`}>
      <p className="eyebrow">Scenario {scenario.number}{scenario.id === 'finetune-pretrained' ? ' · fundus photographs' : ''}</p>
      <h3 id={`learn-${scenario.id}`}>{scenario.title}</h3>
      <p className="learn-summary">{scenario.summary}</p>
      <NetworkDiagram
        freezeUpTo={scenario.freezeUpTo}
        headOn={scenario.headOn}
        inputSize={inputSize}
        numClasses={classCount >= 2 ? classCount : DEFAULT_CLASSES}
      />
      <p className="learn-explanation">{scenario.explanation}</p>
      <button
        type="button"
        className="button"
        data-testid={`learn-use-${scenario.id}`}
        onClick={() => {
          selectScenario(scenario.id);
          setTab('train');
        }}
      >
        Use this setup
      </button>
    </article>
  );
}

const cellOf = (dataset: Scenario['dataset'], similarity: Scenario['similarity']) =>
  SCENARIOS.find((s) => s.dataset === dataset && s.similarity === similarity);

export function LearnScreen() {
  return (
    <div className="learn">
      <section className="intro">
        <h2>Four ways to reuse a pretrained network</h2>
        <p>
          GoogLeNet learned to see from 1.2 million ImageNet photographs. Transfer learning keeps what it learned and
          teaches it your task. How much of the network to retrain depends on two questions: <strong>how many labelled
          images do you have</strong>, and <strong>how much do they look like ImageNet photographs</strong>?
          Fundus photographs look very different, so with a few thousand images scenario 4 is the usual choice.
        </p>
        <NetworkDiagramLegend />
      </section>

      <div className="learn-grid" role="table" aria-label="Transfer-learning scenarios by dataset size and similarity to ImageNet">
        <div role="row" className="learn-row learn-head">
          <span role="columnheader" className="learn-corner" />
          <span role="columnheader" className="axis">Similar to ImageNet</span>
          <span role="columnheader" className="axis">Different from ImageNet</span>
        </div>
        {(['small', 'large'] as const).map((size) => (
          <div role="row" className="learn-row" key={size}>
            <span role="rowheader" className="axis axis-row">{size === 'small' ? 'Small dataset' : 'Large dataset'}</span>
            {(['similar', 'different'] as const).map((sim) => {
              const s = cellOf(size, sim);
              return <div role="cell" key={sim}>{s && <ScenarioCell scenario={s} />}</div>;
            })}
          </div>
        ))}
      </div>
    </div>
  );
}
