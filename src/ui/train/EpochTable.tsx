import { useShallow } from 'zustand/react/shallow';
import { useTrainingStore } from '../../state/training';
import { compactNumber, duration, fixed, percent } from '../shared/format';

/** One row per finished epoch; the best (lowest validation loss) is marked: its weights are the ones kept. */
export function EpochTable() {
  const { epochs, finished, bestEpoch } = useTrainingStore(useShallow((s) => ({ epochs: s.epochs, finished: s.finished, bestEpoch: s.bestEpoch })));
  const rows = (epochs.length > 0 ? epochs : finished?.result.epochs ?? []).slice().sort((a, b) => a.epoch - b.epoch);
  if (rows.length === 0) return null;
  // As the trainer reported it (lowest validation loss so far; the weights kept), never recomputed here.
  const best = rows.find((e) => e.epoch === (epochs.length > 0 ? bestEpoch : finished?.result.bestEpoch));
  return (
    <section className="panel" aria-labelledby="epochs-title">
      <h2 id="epochs-title" className="panel-title">Epochs</h2>
      <div className="table-scroll">
        <table className="data-table" data-testid="epoch-table">
          <thead>
            <tr>
              <th scope="col">Epoch</th><th scope="col" className="num">Train loss</th><th scope="col" className="num">Train acc.</th>
              <th scope="col" className="num">Val. loss</th><th scope="col" className="num">Val. acc.</th>
              <th scope="col" className="num">Learning rate</th><th scope="col" className="num">Time</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.epoch} className={e === best ? 'row-best' : undefined}>
                <th scope="row">{e.epoch + 1}{e === best && <span className="tag small-tag">best</span>}</th>
                <td className="num">{fixed(e.trainLoss)}</td><td className="num">{percent(e.trainAccuracy)}</td>
                <td className="num">{fixed(e.valLoss)}</td><td className="num">{percent(e.valAccuracy)}</td>
                <td className="num">{compactNumber(e.learningRate)}</td><td className="num">{duration(e.seconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
