import { usePrevalenceStore } from '../../state/prevalence';
import { NumberField } from '../shared/NumberField';

/** "Prevalence where the model will be used", in percent; the store keeps it as a share. */
export function PrevalenceField({ condition }: { condition: string }) {
  const prevalence = usePrevalenceStore((s) => s.deploymentPrevalence);
  const setPrevalence = usePrevalenceStore((s) => s.setDeploymentPrevalence);
  const percent = Number((prevalence * 100).toPrecision(6));
  return (
    <div className="prevalence-field" data-testid="deployment-prevalence">
      <NumberField
        label="Prevalence where the model will be used (%)"
        value={percent}
        min={0.1}
        max={99.9}
        step={0.5}
        onChange={(v) => setPrevalence(v / 100)}
        invalid={!(percent > 0 && percent < 100)}
        hint={`Share of screened people with ${condition}. PPV, NPV, referrals and the prior-corrected calibration below follow it.`}
      />
    </div>
  );
}
