import { useShallow } from 'zustand/react/shallow';
import { useDerivedDataset } from '../../state/dataset-derive';
import { useTrainingStore } from '../../state/training';
import { NetworkDiagram, NetworkDiagramLegend } from '../shared/NetworkDiagram';

/** Classes the head gets before a dataset is loaded: the five DR grades (as the Learn screen). */
const DEFAULT_CLASSES = 5;

/** The Learn screen's GoogLeNet diagram, redrawn as the form's freeze, head and input size change (custom included). */
export function TrainNetwork() {
  const { freezeUpTo, headOn, inputSize } = useTrainingStore(
    useShallow((s) => ({ freezeUpTo: s.form.freezeUpTo, headOn: s.form.headOn, inputSize: s.form.inputSize })),
  );
  const classCount = useDerivedDataset().classNames.length;
  return (
    <section className="panel train-network" data-testid="train-network" aria-label="The network these settings train">
      <h3>The network these settings train</h3>
      <NetworkDiagram
        freezeUpTo={freezeUpTo}
        headOn={headOn}
        inputSize={inputSize}
        numClasses={classCount >= 2 ? classCount : DEFAULT_CLASSES}
      />
      <NetworkDiagramLegend />
    </section>
  );
}
