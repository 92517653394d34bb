import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BLOCKS, HEAD_POSITIONS, SCENARIOS, type FreezeUpTo, type HeadPosition } from '../../core/train/config';
import { useAppStore } from '../../state/app';
import { useTrainingStore } from '../../state/training';
import { runTrainsConvolutions } from '../../worker/capabilities';
import { Banner } from '../shared/Banner';
import { BlockLegend, BlockStrip } from '../shared/BlockStrip';

const FREEZE_LABEL = (f: FreezeUpTo) => (f === 'none' ? 'Nothing (every layer trains)' : f === 'all' ? 'All of the backbone (only the head trains)' : `Up to ${f}`);

/** The four classic scenarios as preset cards, plus custom freeze/head settings. */
export function ScenarioPicker({ disabled }: { disabled: boolean }) {
  const freezeId = useId();
  const headId = useId();
  const { scenario, freezeUpTo, headOn, selectScenario, setForm } = useTrainingStore(
    useShallow((s) => ({
      scenario: s.form.scenario, freezeUpTo: s.form.freezeUpTo, headOn: s.form.headOn,
      selectScenario: s.selectScenario, setForm: s.setForm,
    })),
  );
  // On tfjs's plain CPU backend only a head on a frozen backbone trains: the rest is shown, disabled, with the reason.
  const cpuOnly = useAppStore((s) => s.backend !== null && !s.backend.trainsConvolutions);
  const needsGpu = (f: FreezeUpTo) => cpuOnly && runTrainsConvolutions(f);
  return (
    <section className="panel" aria-labelledby="scenario-title">
      <h2 id="scenario-title" className="panel-title">What to retrain</h2>
      {cpuOnly && (
        <Banner tone="warning" testId="gpu-required-notice" title="Scenarios 2 and 4 need a GPU or WebAssembly, which this browser does not offer.">
          <p>
            Fovea runs on tfjs’s plain CPU backend here. It can train only a new classifier on a frozen backbone:
            choose scenario 1 or 3. To fine-tune convolution layers, open Fovea in a browser with WebGPU
            (a recent Chrome or Edge with hardware acceleration on).
          </p>
        </Banner>
      )}
      <div className="scenario-cards" role="group" aria-label="Transfer-learning scenario">
        {SCENARIOS.map((s) => (
          <button
            key={s.id}
            type="button"
            className="scenario-card"
            aria-pressed={scenario === s.id}
            data-testid={`scenario-${s.id}`}
            disabled={disabled || needsGpu(s.freezeUpTo)}
            title={needsGpu(s.freezeUpTo) ? 'Needs a GPU: this scenario trains convolution layers.' : undefined}
            onClick={() => selectScenario(s.id)}
          >
            <span className="eyebrow">
              Scenario {s.number} · {s.dataset} dataset, {s.similarity === 'similar' ? 'like' : 'unlike'} ImageNet
            </span>
            <span className="scenario-title">{s.title}</span>
            <span className="scenario-summary">{s.summary}</span>
            {needsGpu(s.freezeUpTo) ? <span className="tag">Needs a GPU</span>
              : s.id === 'finetune-pretrained' && <span className="tag">Recommended for DR</span>}
          </button>
        ))}
        <button
          type="button"
          className="scenario-card"
          aria-pressed={scenario === 'custom'}
          data-testid="scenario-custom"
          disabled={disabled}
          onClick={() => selectScenario('custom')}
        >
          <span className="eyebrow">Your own</span>
          <span className="scenario-title">Custom</span>
          <span className="scenario-summary">Choose how much of the network stays frozen and where the new classifier reads.</span>
        </button>
      </div>

      <div className="field-row">
        <div className="field">
          <label htmlFor={freezeId} className="field-label">Freeze</label>
          <select
            id={freezeId}
            data-testid="freeze-up-to"
            value={freezeUpTo}
            disabled={disabled}
            onChange={(e) => setForm({ freezeUpTo: e.target.value as FreezeUpTo })}
          >
            {(['none', ...BLOCKS, 'all'] as FreezeUpTo[]).map((f) => (
              <option key={f} value={f} disabled={needsGpu(f)}>{FREEZE_LABEL(f)}{needsGpu(f) ? ' (needs a GPU)' : ''}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={headId} className="field-label">New classifier reads</label>
          <select
            id={headId}
            data-testid="head-on"
            value={headOn}
            disabled={disabled}
            onChange={(e) => setForm({ headOn: e.target.value as HeadPosition })}
          >
            {HEAD_POSITIONS.map((h) => (
              <option key={h} value={h}>{h === 'pool5' ? 'pool5 (top, 1024 features)' : `${h} (globally pooled)`}</option>
            ))}
          </select>
        </div>
      </div>
      <BlockStrip freezeUpTo={freezeUpTo} headOn={headOn} />
      <BlockLegend />
    </section>
  );
}
