import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../train/config';
import { makeDatasetFixture, makeSummaryFixture } from '../eval/summary.fixture';
import { escapeMarkdown, renderModelCard, type ModelCardInput } from './model-card';

function cardInput(options: { withTest?: boolean } & Partial<ModelCardInput> = {}): ModelCardInput {
  const { withTest = true, ...overrides } = options;
  return {
    createdAt: '2025-03-14T09:26:53Z',
    classNames: ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'],
    ordinal: true,
    task: '5 DR grades (ICDR 0-4)',
    scenario: { number: 4, title: 'Fine-tune the whole network from pretrained weights' },
    settings: { ...resolveTrainConfig({ scenario: 'finetune-pretrained', epochs: 12 }) },
    preprocessing: {
      inputSize: 224,
      steps: ['crop to the field of view', 'centre-square crop', 'resize to 224 px', 'RGB to BGR, minus the Caffe ImageNet mean'],
      fieldOfViewCrop: true,
      colourNormalisation: null,
      testTimeRotations: 4,
    },
    data: makeDatasetFixture({ withTest }),
    summary: makeSummaryFixture({ withTest }),
    weightsProvenance: { source: 'BVLC GoogLeNet (Caffe model zoo)', sha256: 'abc123' },
    ...overrides,
  };
}

/** The body of one '## ' section. */
function section(card: string, title: string): string {
  const start = card.indexOf(`## ${title}\n`);
  expect(start, `no section '${title}'`).toBeGreaterThan(-1);
  const end = card.indexOf('\n## ', start + 3);
  return card.slice(start, end < 0 ? undefined : end);
}

describe('renderModelCard', () => {
  it('names the input size and how the head pools (max, GeM), for any head position', () => {
    const at = (settings: Record<string, unknown>, inputSize = 448) =>
      section(renderModelCard(cardInput({ settings, preprocessing: { ...cardInput().preprocessing, inputSize } })), 'Model details');
    const gem = at({ ...resolveTrainConfig({ headPooling: 'gem', inputSize: 448 }) });
    expect(gem).toContain("**Head:** a new linear softmax classifier on inception\\_5b's output, global generalised-mean (GeM, p = 3) pooled (1024 features)");
    expect(gem).toContain('448 × 448 px');
    expect(gem).toMatch(/\| headPooling \| gem \|/);
    expect(at({ ...resolveTrainConfig({ scenario: 'linear-early', headPooling: 'max' }) }, 320))
      .toContain('on the global max pooled output of inception\\_4c');
    const { headPooling: _h, ...older } = resolveTrainConfig({ scenario: 'linear-early' });
    expect(at(older)).toContain('on the global average pooled output of inception\\_4c');
  });

  it('says up front, and in intended use, that it is not a medical device', () => {
    const card = renderModelCard(cardInput());
    const top = card.slice(0, card.indexOf('## '));
    expect(top).toContain('**Not a medical device.**');
    expect(top).toContain('not for diagnosis');
    const use = section(card, 'Intended use');
    expect(use).toContain('research and teaching');
    expect(use).toContain('Not a medical device.');
    expect(use).toContain('validation on local data');
    expect(use).toContain('regulatory approval');
  });

  it('describes the model: GoogLeNet, scenario, what was frozen, input, preprocessing, test-time rotations', () => {
    const details = section(renderModelCard(cardInput()), 'Model details');
    expect(details).toContain('BVLC GoogLeNet');
    expect(details).toContain('fine-tuned with Fovea');
    expect(details).toContain('scenario 4:** Fine-tune the whole network from pretrained weights');
    expect(details).toContain('every layer up to and including conv2 (conv1, conv2)'); // finetune-pretrained freezes conv1-conv2
    expect(details).toContain('224 × 224 px');
    expect(details).toContain('**Head:** a new linear softmax classifier on pool5 (1024 globally pooled features) with dropout 0.4');
    expect(details).toContain('**Field-of-view crop:** yes');
    expect(details).toContain('**Colour normalisation:** none');
    expect(details).toContain('averaged over 4 rotations');
    expect(details).toContain('sha256: abc123');
    expect(details).toContain('| learningRate | 0.01 |');
  });

  it("lists the training settings in the table's order with what each is, nested ones by path, then the run's other entries", () => {
    const details = section(renderModelCard(cardInput({
      settings: { ...resolveTrainConfig({ scenario: 'linear-top', epochs: 12 }), task: 'referable-dr', fieldOfViewCrop: true },
    })), 'Model details');
    const rows = details.slice(details.indexOf('### Training settings')).split('\n').filter((l) => l.startsWith('| ')).slice(2);
    expect(rows[0]).toBe('| scenario | linear-top | Which of the four transfer-learning scenarios set freeze and head, or \'custom\' |');
    expect(rows).toContain('| epochs | 12 | Passes over the training images |');
    expect(rows).toContain('| earlyStopping.patience | 3 | Epochs without improvement before early stopping |');
    expect(rows).toContain('| headFit | converged | A frozen backbone\'s head: fitted to convergence (L-BFGS, L2 by patient-aware 5-fold cross-validation) or SGD epochs |');
    const names = rows.map((r) => r.split(' | ')[0].slice(2));
    expect(names.indexOf('freezeUpTo')).toBeLessThan(names.indexOf('learningRate'));
    expect(names.slice(-2)).toEqual(['task', 'fieldOfViewCrop']);
    expect(names).not.toContain('earlyStopping');
  });

  it('names colour normalisation when it was used, and a frozen backbone', () => {
    const input = cardInput({ settings: { ...resolveTrainConfig({ scenario: 'linear-top' }) } });
    input.preprocessing.colourNormalisation = 'local average colour subtracted (Graham 2015)';
    input.preprocessing.testTimeRotations = 1;
    const details = section(renderModelCard(input), 'Model details');
    expect(details).toContain('**Colour normalisation:** local average colour subtracted (Graham 2015)');
    expect(details).toContain('the whole pretrained backbone');
    expect(details).toContain('**Test-time augmentation:** none');
  });

  it('summarises the data: source, images per class per split, patients when known', () => {
    const data = section(renderModelCard(cardInput()), 'Training data');
    expect(data).toContain('APTOS 2019 Blindness Detection');
    expect(data).toContain('| Class | train | validation | test |');
    expect(data).toContain('| No DR | 1445 | 180 | 180 |');
    expect(data).toContain('| **Total** | 2930 | 366 | 366 |'); // 3662 images, 80/10/10
    expect(data).toContain('Number of patients: unknown');
    const withPatients = cardInput({ data: { ...makeDatasetFixture(), patients: { train: 1210, validation: 152, test: 151 } } });
    expect(section(renderModelCard(withPatients), 'Training data')).toContain('| Patients | 1210 | 152 | 151 |');
  });

  it('gives every metric with its 95% interval and the set it comes from, test first', () => {
    const metrics = section(renderModelCard(cardInput()), 'Evaluation');
    // Test-set accuracy 292/366 = 79.8%; referable-DR AUC 0.9348; sensitivity 133/149 = 89.3%.
    expect(metrics).toContain('| Accuracy | test set | 79.8% (95% CI 75.7–83.9%) |');
    expect(metrics).toContain('| Quadratic-weighted kappa | test set | 0.861 (95% CI 0.827–0.891) |');
    expect(metrics).toContain('| Referable DR (grade 2 or worse): AUC | test set | 0.935 (95% CI 0.911–0.956) |');
    expect(metrics).toContain('| Accuracy | validation set | 82.0% (95% CI 77.9–85.8%) |'); // 300/366
    expect(metrics.indexOf('| test set |')).toBeLessThan(metrics.indexOf('| validation set |'));
    expect(metrics).toContain('percentile bootstrap over images, 1000 resamples, seed 42');
  });

  it('warns that validation numbers are optimistic only when there is no held-out test set', () => {
    const withTest = renderModelCard(cardInput());
    expect(withTest.toLowerCase()).not.toContain('no held-out test set');
    const without = renderModelCard(cardInput({ withTest: false }));
    const metrics = section(without, 'Evaluation');
    expect(metrics).toContain('**Warning: no held-out test set.**');
    expect(metrics).toMatch(/early stopping.*threshold.*temperature.*optimistic/s);
    expect(metrics).not.toContain('| test set |');
    expect(metrics).toContain('| Accuracy | validation set | 82.0% (95% CI 77.9–85.8%) |');
  });

  it('reports the operating point: target, threshold, achieved sensitivity and specificity with intervals', () => {
    const op = section(renderModelCard(cardInput()), 'Operating point');
    // Test set: sensitivity 133/149, specificity 191/217, PPV 133/159, NPV 191/207.
    expect(op).toContain('| Referable DR (grade 2 or worse) | test set | 90.0% | 0.312 | 89.3% (95% CI 83.9–94.0%) | 88.0% (95% CI 83.4–92.2%) | 83.6% | 92.3% |');
    expect(op).toContain('| Any DR (grade 1 or worse) | validation set | 90.0% | 0.418 |');
  });

  it('says where the operating point was chosen (out-of-fold: folds, L2, rotations, counts), how the head was fitted, and what it reads', () => {
    const summary = makeSummaryFixture({ withTest: true });
    // As summariseEvaluation records a threshold chosen on a frozen run's out-of-fold predictions (out-of-fold.test.ts).
    for (const set of [summary.validation, summary.test!]) {
      for (const task of set.binary) {
        task.operatingPoint.chosenOn = 'out-of-fold train+validation';
        task.operatingPoint.selection = {
          ...task.operatingPoint.selection!, source: 'out-of-fold train+validation', positives: 612, negatives: 1180,
          outOfFold: { folds: 5, lambda: 1e-4, rotationsAveraged: 4 },
        };
      }
    }
    const headFit = {
      lambdas: [1e-6, 3.16e-6, 1e-5], cvLoss: [0.51, 0.52, 0.53], folds: 5, chosen: 1e-6, edge: 'smallest' as const,
      iterations: 312, trainLoss: 0.61, gradientNorm: 4.3e-5, seconds: 120,
    };
    const settings = { ...resolveTrainConfig({ scenario: 'linear-early', headFeatures: 'mean-max' }) };
    const card = renderModelCard(cardInput({ summary, headFit, settings }));
    expect(section(card, 'Operating point')).toContain(
      'chosen on out-of-fold predictions pooled over train + validation (5 patient-aware folds, each head fitted at L2 1.00e-4, ' +
      'probabilities averaged over 4 rotations) from 612 positives and 1180 negatives');
    const details = section(card, 'Model details');
    expect(details).toContain('**Head fit:** fitted to convergence (full-batch L-BFGS, 312 iterations, gradient norm 4.3e-5); ' +
      'L2 strength 1.00e-6 chosen by 5-fold patient-aware cross-validation on the training split over 3 strengths from 1.00e-6 to 1.00e-5; ' +
      'it is the smallest strength searched, so the best one may lie beyond it.');
    expect(details).toContain('reading the global average and the global max pools of its block, concatenated');
    // An SGD-trained head (no fit) says nothing of one.
    expect(renderModelCard(cardInput())).not.toContain('Head fit');
  });

  it('reports calibration: the temperature and ECE before and after', () => {
    const cal = section(renderModelCard(cardInput()), 'Calibration');
    expect(cal).toContain('| test set | 1.47 | 0.063 | 0.026 | 0.561 | 0.534 |');
    expect(cal).toContain('| validation set | 1.47 | 0.045 | 0.026 |');
  });

  it('lists the known limitations, rare grades and whether external validation was done', () => {
    const lim = section(renderModelCard(cardInput()), 'Known limitations');
    for (const phrase of ['Single-source data', 'Image quality', 'Camera and population shift', 'Class imbalance',
      'Rare grades', 'Rotation-only augmentation', 'No external validation']) expect(lim).toContain(phrase);
    expect(lim).toContain('No DR is 49.3%'); // 1445 / 2930
    expect(lim).toContain('Severe (19 images, sensitivity 42.1%)'); // 8 / 19
    const external = section(renderModelCard(cardInput({ externalValidation: 'Messidor-2 (France), AUC 0.88' })), 'Known limitations');
    expect(external).toContain('**External validation:** Messidor-2 (France), AUC 0.88');
    expect(external).not.toContain('No external validation');
  });

  it('maps CLAIM and TRIPOD+AI items to sections, marking what it does not answer', () => {
    const card = renderModelCard(cardInput());
    const list = section(card, 'Reporting checklists');
    expect(list).toContain('| Checklist | Item | Answered in |');
    expect(list).toContain('| CLAIM | Data sources | Training data |');
    expect(list).toContain('| CLAIM | De-identification | not covered |');
    expect(list).toContain('| TRIPOD+AI | Fairness (performance across subgroups) | not covered |');
    expect(list).toContain('| TRIPOD+AI | Model updating or recalibration | Calibration |');
    // Every section a row points to exists in the card.
    const rows = list.split('\n').filter((l) => /^\| (CLAIM|TRIPOD\+AI) \|/.test(l));
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) {
      const where = row.split(' | ')[2].replace(/ \|$/, '').replace(/^partly: /, '').replace(/ \(.*\)$/, '');
      if (where === 'not covered') continue;
      for (const title of where.split(', ')) expect(card, row).toContain(`## ${title}\n`);
    }
  });

  it('escapes names so they cannot inject markup or break tables', () => {
    const summary = makeSummaryFixture();
    summary.test!.perClass[1].name = '<script>x</script> | *bold*';
    const card = renderModelCard(cardInput({ summary, task: '[click](javascript:alert(1))' }));
    expect(card).not.toContain('<script>');
    expect(card).toContain('&lt;script&gt;x&lt;/script&gt; \\| \\*bold\\*');
    expect(card).not.toContain('[click]');
    expect(escapeMarkdown('a|b\nc')).toBe('a\\|b c');
  });
});
