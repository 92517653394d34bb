import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../../core/train/config';
import { SETTING_NAMES, settingAt, settingSpec, type SettingName } from '../../core/train/settings';
import { SettingField } from './SettingField';
import { TrainSettings } from './TrainSettings';

// Server renders read the stores' initial state: the form as a new project shows it (backbone partly trainable).
const form = renderToStaticMarkup(<TrainSettings disabled={false} problem={null} />);
const plain = (n: SettingName) => ['number', 'select', 'switch'].includes(settingSpec(n).form.kind);
const field = (name: SettingName, value: unknown) =>
  renderToStaticMarkup(<SettingField name={name} value={value as never} onChange={() => {}} />);

describe('the Train form and the table of settings', () => {
  it('shows every setting the table puts on this form, by its label and test id', () => {
    const here = SETTING_NAMES.filter((n) => {
      const f = settingSpec(n).form;
      return plain(n) || (f.kind === 'widget' && f.component === 'TrainSettings');
    });
    expect(here).toEqual(expect.arrayContaining(['epochs', 'headPooling', 'headFit', 'rotations', 'inputSize', 'earlyStopping.patience']));
    // Head training is offered only for a frozen backbone (scenarios 1 and 3); the initial form is scenario 4's.
    for (const name of here.filter((n) => n !== 'headFit')) {
      const f = settingSpec(name).form as { label: string; testId: string };
      expect(form, name).toContain(`data-testid="${f.testId}"`);
      expect(form, name).toContain(f.label.replace(/'/g, '&#x27;'));
    }
    expect(form).not.toContain('data-testid="head-fit"');
  });

  it("renders each plain field from the table: a select offers exactly the setting's values, with the chosen one's hint", () => {
    const defaults = resolveTrainConfig({ scenario: 'linear-top' });
    for (const name of SETTING_NAMES.filter(plain)) {
      const spec = settingSpec(name);
      const html = field(name, settingAt(defaults, name));
      expect(html, name).toContain(`data-testid="${(spec.form as { testId: string }).testId}"`);
      if (spec.form.kind !== 'select' || spec.type.kind !== 'choice') continue;
      expect(Object.keys(spec.form.options).sort(), name).toEqual([...spec.type.values].map(String).sort());
      expect([...html.matchAll(/<option[^>]*value="([^"]*)"/g)].map((m) => m[1]), name).toEqual(Object.keys(spec.form.options));
    }
    expect(field('classWeighting', 'sampling')).toContain('Each epoch draws images so that every class is seen equally often');
    expect(field('headFit', 'sgd')).toContain('The classifier learns by small steps');
    expect(field('headPooling', undefined)).toMatch(/<option value="average" selected="">/); // a form stored before the setting
  });

  it('bounds number fields by the setting (learning rate below 10; the form caps batch size at 256)', () => {
    expect(form).toMatch(/data-testid="learning-rate" min="0" max="10" step="any"/);
    expect(form).toMatch(/data-testid="batch-size" min="1" max="256" step="1"/);
    expect(form).toMatch(/data-testid="pretrained-lr-multiplier" min="0" max="10" step="0.05"/);
  });
});
