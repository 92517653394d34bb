/**
 * MODEL_CARD.md for an exported model: what the model is, what it is (and is not) for, the data behind it, its
 * numbers with intervals and the set each comes from, its known limitations, and which items of the CLAIM and
 * TRIPOD+AI reporting checklists the card answers. Pure string building: runs in Node and in a Worker.
 */
import type { DatasetSummary } from '../eval/dataset-summary';
import { splitsOf } from '../eval/dataset-summary';
import {
  formatEstimate, formatMetric, formatSetting, keyMetrics, quotedSet, SET_LABELS, settingRows, type SettingsRecord,
} from '../eval/report-html';
import {
  CALIBRATION_AT_PREVALENCE_COLUMNS, CALIBRATION_AT_PREVALENCE_NOTE, calibrationAtPrevalenceRow, calibrationTaskTitle, PREVALENCE_COLUMNS,
  prevalenceRows, selectionIntervals, selectionSentence, selectionWarning, temperatureDecisionSentence, validationMixSentence,
} from '../eval/figures';
import type { EvaluationSummary, SetSummary } from '../eval/summary';
import { BLOCKS } from '../train/config';
import type { HeadFitSummary } from '../train/head-fit';

export interface PreprocessingDescription {
  /** Square input side in px. */
  inputSize: number;
  /** Every step in order, in plain words (e.g. 'centre-square crop', 'RGB to BGR, minus the Caffe ImageNet mean'). */
  steps: string[];
  /** Whether the image was cropped to the retina's field of view (the dark border removed) before resizing. */
  fieldOfViewCrop: boolean;
  /** The colour normalisation applied, described; null when colours are kept as photographed. */
  colourNormalisation: string | null;
  /** Rotations whose predictions are averaged at test time: 1 for none, 4 for 0/90/180/270 degrees. */
  testTimeRotations: number;
}

/** How a run prepared its images, for describeImagePreparation. */
export interface ImagePreparationSteps {
  fieldOfViewCrop: boolean;
  colourNormalisation: boolean;
  /** How the crop was resized, e.g. 'area average' (Node) or 'canvas high-quality filter' (browser). */
  resize: string;
  inputSize: number;
  testTimeRotations: boolean;
}

/** The model card's preprocessing section, step by step in plain words (the studio and the evaluate command). */
export function describeImagePreparation(p: ImagePreparationSteps): PreprocessingDescription {
  const steps = [
    p.fieldOfViewCrop ? 'Square crop around the circular field of view (black borders dropped)' : 'Centre square crop',
    `Resize to ${p.inputSize} x ${p.inputSize} px (${p.resize})`,
    ...(p.colourNormalisation ? ['Local-average colour subtraction (4 x (image - Gaussian blur) + 128)'] : []),
    'RGB to BGR, minus the ImageNet mean (104, 117, 123), 0-255 scale',
  ];
  return {
    inputSize: p.inputSize, steps, fieldOfViewCrop: p.fieldOfViewCrop,
    colourNormalisation: p.colourNormalisation ? 'local-average colour subtraction (Ben Graham)' : null,
    testTimeRotations: p.testTimeRotations ? 4 : 1,
  };
}

export interface ModelCardInput {
  /** ISO 8601 time the model was exported. */
  createdAt: string;
  classNames: string[];
  /** Whether the classes are ordered grades (DR 0-4). */
  ordinal: boolean;
  /** The labelling task, e.g. '5 DR grades (ICDR 0-4)'. */
  task: string;
  scenario: { number: number; title: string };
  /** The TrainConfig (and any further training settings), shown in full. */
  settings: SettingsRecord;
  preprocessing: PreprocessingDescription;
  data: DatasetSummary;
  summary: EvaluationSummary;
  weightsProvenance: Record<string, unknown>;
  /** Evaluation on data from another source (site, camera, population), described; absent when none was done. */
  externalValidation?: string;
  /** A frozen backbone's head fitted to convergence: the L2 search and the final fit. Absent for SGD-trained heads. */
  headFit?: HeadFitSummary | null;
}

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

/** Section titles, used as the targets of the checklist table. */
const S = {
  details: 'Model details',
  use: 'Intended use',
  data: 'Training data',
  metrics: 'Evaluation',
  operating: 'Operating point',
  calibration: 'Calibration',
  limitations: 'Known limitations',
  checklists: 'Reporting checklists',
} as const;

/** A class count below which a class's sensitivity is too imprecise to rely on. */
const FEW_IMAGES = 50;

/** Text safe inside Markdown prose and table cells: no markup, links, HTML or cell breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|#!~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function describeFrozen(freezeUpTo: unknown): string {
  if (freezeUpTo === 'none') return 'nothing: every pretrained layer was fine-tuned (at a reduced learning rate)';
  if (freezeUpTo === 'all') return 'the whole pretrained backbone; only the new classifier head was trained';
  const i = BLOCKS.indexOf(freezeUpTo as (typeof BLOCKS)[number]);
  if (i < 0) return `not recorded (${escapeMarkdown(formatSetting(freezeUpTo))})`;
  return `every layer up to and including ${BLOCKS[i]} (${BLOCKS.slice(0, i + 1).join(', ')}); later layers and the head were trained`;
}

const POOLING_WORDS: Record<string, string> = {
  average: 'average', max: 'max', gem: 'generalised-mean (GeM, p = 3)',
};

function describeHead(headOn: unknown, headPooling: unknown, dropout: unknown): string {
  // Models exported before the setting existed have no headPooling: their heads averaged.
  const pooling = headPooling === undefined ? 'average' : POOLING_WORDS[String(headPooling)] ?? escapeMarkdown(formatSetting(headPooling));
  const where = headOn === 'pool5' || headOn === undefined
    ? pooling === 'average' ? 'pool5 (1024 globally pooled features)' : `${escapeMarkdown('inception_5b')}'s output, global ${pooling} pooled (1024 features)`
    : `the global ${pooling} pooled output of ${escapeMarkdown(String(headOn))}`;
  const drop = typeof dropout === 'number' ? ` with dropout ${dropout}` : '';
  return `a new linear softmax classifier on ${where}${drop}, replacing GoogLeNet's 1000-class ImageNet classifier`;
}

/** '', or what a head reading more than its block's pooled output reads (TrainConfig.headFeatures). */
function describeHeadFeatures(headFeatures: unknown): string {
  if (headFeatures === 'mean-max') return ', reading the global average and the global max pools of its block, concatenated';
  if (headFeatures === 'multi-block') return ', reading its block and a second one (inception_5b, or inception_4c under pool5), each pooled, concatenated';
  return '';
}

/** The L2 search and the final fit of a head fitted to convergence, in a sentence. */
function describeHeadFit(h: HeadFitSummary): string {
  const grid = h.lambdas.length ? `${h.lambdas.length} strengths from ${h.lambdas[0].toExponential(2)} to ${h.lambdas[h.lambdas.length - 1].toExponential(2)}` : 'no grid';
  const edge = h.edge ? `; it is the ${h.edge} strength searched, so the best one may lie beyond it` : '';
  return `fitted to convergence (full-batch L-BFGS, ${h.iterations} iterations, gradient norm ${h.gradientNorm.toExponential(1)}); ` +
    (h.folds > 0 ? `L2 strength ${h.chosen.toExponential(2)} chosen by ${h.folds}-fold patient-aware cross-validation on the training split over ${grid}${edge}`
      : `L2 strength ${h.chosen.toExponential(2)} (too few patients to cross-validate)`);
}

function modelDetails(input: ModelCardInput): string {
  const s = input.settings;
  const p = input.preprocessing;
  const lines = [
    `- **Architecture:** BVLC GoogLeNet (Inception v1, Szegedy et al. 2015), ImageNet-pretrained Caffe weights converted to TensorFlow.js, fine-tuned with Fovea in the browser.`,
    `- **Output:** probabilities of ${input.classNames.length} classes (${input.classNames.map(escapeMarkdown).join(', ')})` +
      `${input.ordinal ? ', ordered grades' : ''}; task: ${escapeMarkdown(input.task)}.`,
    `- **Transfer-learning scenario ${input.scenario.number}:** ${escapeMarkdown(input.scenario.title)}.`,
    `- **Frozen:** ${describeFrozen(s.freezeUpTo)}.`,
    `- **Head:** ${describeHead(s.headOn, s.headPooling, s.dropout)}${describeHeadFeatures(s.headFeatures)}.`,
    ...(input.headFit ? [`- **Head fit:** ${describeHeadFit(input.headFit)}.`] : []),
    `- **Input:** ${p.inputSize} × ${p.inputSize} px colour fundus photograph.`,
    `- **Preprocessing:** ${p.steps.map(escapeMarkdown).join('; ')}.`,
    `- **Field-of-view crop:** ${p.fieldOfViewCrop ? 'yes, the dark border around the retina is cropped away before resizing' : 'no'}.`,
    `- **Colour normalisation:** ${p.colourNormalisation ? escapeMarkdown(p.colourNormalisation) : 'none; colours are kept as photographed'}.`,
    `- **Training augmentation:** ${s.rotations === false ? 'none' : 'exact 0/90/180/270° rotations only (colour is never altered)'}.`,
    `- **Test-time augmentation:** ${p.testTimeRotations > 1 ? `predictions averaged over ${p.testTimeRotations} rotations` : 'none (one prediction per image)'}.`,
    `- **Model selection:** the weights of the epoch with the lowest validation loss were kept` +
      `${isRecord(s.earlyStopping) && s.earlyStopping.enabled === false ? '' : '; training stopped early when validation loss stopped improving'}.`,
    `- **Weights provenance:** ${Object.keys(input.weightsProvenance).length === 0 ? 'not recorded' :
      Object.entries(input.weightsProvenance).map(([k, v]) => `${escapeMarkdown(k)}: ${escapeMarkdown(formatSetting(v))}`).join('; ')}.`,
  ];
  return `## ${S.details}\n\n${lines.join('\n')}\n\n### Training settings\n\n${settingsTable(s)}`;
}

/**
 * Every training setting the record holds, in the table's order (src/core/train/settings.ts) with its help, nested
 * ones by their path; then the record's other entries (the task, the image preparation) as they come.
 */
function settingsTable(s: SettingsRecord): string {
  return table(['Setting', 'Value', 'What it is'], settingRows(s).map((r) => [escapeMarkdown(r.name), escapeMarkdown(r.value), escapeMarkdown(r.help)]));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function intendedUse(): string {
  return `## ${S.use}

- **For:** research and teaching: learning how transfer learning behaves on retinal images, and comparing settings on a
  given dataset.
- **Not for:** diagnosing, screening, grading or triaging real patients, or informing any clinical decision.
- **Not a medical device.** This model has not been cleared or approved by any regulator (no FDA clearance, no CE marking
  under the EU MDR, no other approval). Any clinical use would first need validation on local data (the intended cameras,
  operators and population) and regulatory approval for that use.`;
}

function trainingData(d: DatasetSummary): string {
  const splits = splitsOf(d);
  const rows = d.classNames.map((name, k) => [escapeMarkdown(name), ...splits.map((s) => String(d.counts[s]?.[k] ?? 0))]);
  rows.push(['**Total**', ...splits.map((s) => String((d.counts[s] ?? []).reduce((a, b) => a + b, 0)))]);
  if (d.patients) rows.push(['Patients', ...splits.map((s) => String(d.patients?.[s] ?? 'unknown'))]);
  const patients = d.patients
    ? 'The split is patient-aware: all images of a patient are in one split.'
    : 'Number of patients: unknown (the labels carry no patient ids).';
  return `## ${S.data}

- **Source:** ${escapeMarkdown(d.source)}
- **Task:** ${escapeMarkdown(d.task)}
- ${patients}

${table(['Class', ...splits], rows)}`;
}

function metricRows(set: SetSummary, confidence: number): string[][] {
  return keyMetrics(set).map((m) => [escapeMarkdown(m.label), SET_LABELS[set.set], formatEstimate(m.value, m.scale, confidence)]);
}

function evaluation(summary: EvaluationSummary): string {
  const confidence = summary.bootstrap.confidence;
  const set = quotedSet(summary);
  const notice = summary.test
    ? `> The **test set** (${summary.test.count} images) was held out: it played no part in training, early stopping, the ` +
      'choice of threshold or the temperature. Quote its numbers. Validation numbers are shown for comparison; they are ' +
      'optimistic because the validation set made those choices.'
    : '> **Warning: no held-out test set.** Every number in this card comes from the validation set, which was also used ' +
      'for early stopping (choosing the best epoch), to choose the decision threshold and to fit the calibration temperature. ' +
      'These numbers are therefore optimistic; expect lower performance on new images.';
  const rows = [...metricRows(set, confidence), ...(summary.test ? metricRows(summary.validation, confidence) : [])];
  const perClass = table(['Class', 'Images', 'Sensitivity', 'Specificity', 'AUC (one-vs-rest)'], set.perClass.map((c) => [
    escapeMarkdown(c.name), String(c.support), formatMetric(c.sensitivity, 'percent'), formatMetric(c.specificity, 'percent'), formatMetric(c.auc, 'score'),
  ]));
  return `## ${S.metrics}

${notice}

${table(['Metric', 'Set', `Estimate (${Math.round(confidence * 100)}% CI)`], rows)}

Intervals: ${Math.round(confidence * 100)}% percentile bootstrap over images, ${summary.bootstrap.resamples} resamples, seed ${summary.bootstrap.seed}.

Per class, ${SET_LABELS[set.set]} (${set.count} images; point estimates):

${perClass}`;
}

function operatingPoint(summary: EvaluationSummary): string {
  const confidence = summary.bootstrap.confidence;
  const sets = summary.test ? [summary.test, summary.validation] : [summary.validation];
  const rows = sets.flatMap((set) => set.binary.map((t) => {
    const op = t.operatingPoint;
    return [escapeMarkdown(t.title), SET_LABELS[set.set], formatMetric(op.targetSensitivity, 'percent'), op.threshold.toFixed(3),
      formatEstimate(op.sensitivity, 'percent', confidence), formatEstimate(op.specificity, 'percent', confidence),
      formatMetric(op.ppv, 'percent'), formatMetric(op.npv, 'percent')];
  }));
  if (rows.length === 0) return `## ${S.operating}\n\nNo binary screening task was evaluated, so no threshold was chosen.`;
  const unseen = summary.test
    ? 'the test set shows what that threshold achieves on unseen images.'
    : 'with no test set, what it achieves on unseen images is unknown.';
  const quoted = quotedSet(summary);
  const perTask = quoted.binary.map((t) => {
    const op = t.operatingPoint;
    const parts = [`### ${escapeMarkdown(t.title)}`];
    if (op.selection) {
      parts.push(`Threshold ${escapeMarkdown(selectionSentence(op.selection))}.`);
      const warning = selectionWarning(op.selection);
      if (warning) parts.push(`> **Warning:** ${escapeMarkdown(warning)}`);
      parts.push(table(['', 'Value'], selectionIntervals(op.selection, confidence).map((r) => [r.label, escapeMarkdown(r.value)])));
    }
    const prevalence = prevalenceRows(op);
    if (prevalence.length > 0) {
      parts.push(`At other prevalences, by Bayes from the sensitivity and specificity on the ${SET_LABELS[quoted.set]}:`,
        table([...PREVALENCE_COLUMNS], prevalence));
    }
    return parts.join('\n\n');
  });
  return `## ${S.operating}

The score of a screening task is the summed probability of its positive classes. Its threshold was chosen to reach
the target sensitivity before the test set was seen (on the validation set, or on out-of-fold predictions pooled over
train + validation where the task says so); ${unseen} PPV and NPV depend on the prevalence of each set.

${table(['Task', 'Set', 'Target sensitivity', 'Threshold', 'Sensitivity', 'Specificity', 'PPV', 'NPV'], rows)}${perTask.length ? `\n\n${perTask.join('\n\n')}` : ''}`;
}

function calibration(summary: EvaluationSummary): string {
  const sets = summary.test ? [summary.test, summary.validation] : [summary.validation];
  const rows = sets.map((set) => {
    const c = set.calibration;
    return [SET_LABELS[set.set], c.temperature.toFixed(2), formatMetric(c.eceBefore, 'score'), formatMetric(c.eceAfter, 'score'),
      formatMetric(c.nllBefore, 'score'), formatMetric(c.nllAfter, 'score')];
  });
  const c = quotedSet(summary).calibration;
  const facts = [validationMixSentence(summary.classNames, c), temperatureDecisionSentence(c.temperatureDecision)]
    .filter((x): x is string => x !== null).map(escapeMarkdown);
  const atPrevalence = c.atPrevalence ?? [];
  const prevalenceTable = atPrevalence.length === 0 ? '' :
    `\n\nECE on the ${SET_LABELS[quotedSet(summary).set]} where ${escapeMarkdown(calibrationTaskTitle(atPrevalence, quotedSet(summary).binary))} has another prevalence. ` +
    `${CALIBRATION_AT_PREVALENCE_NOTE}\n\n${table([...CALIBRATION_AT_PREVALENCE_COLUMNS], atPrevalence.map(calibrationAtPrevalenceRow))}`;
  return `## ${S.calibration}

Temperature scaling (all logits divided by one temperature T, fitted on the validation set) makes the probabilities
better match observed frequencies; it never changes which class is predicted. ECE: expected calibration error over
${summary.validation.calibration.binsBefore.length} equal-width bins of top-class confidence (lower is better).
${facts.length ? `\n${facts.join(' ')}\n` : ''}
${table(['Set', 'Temperature T', 'ECE before', 'ECE after', 'NLL before', 'NLL after'], rows)}${prevalenceTable}`;
}

function limitations(input: ModelCardInput): string {
  const { data, summary, settings } = input;
  const set = quotedSet(summary);
  const train = data.counts.train;
  const total = train.reduce((a, b) => a + b, 0);
  const largest = train.indexOf(Math.max(...train));
  const smallest = train.indexOf(Math.min(...train));
  const items = [
    `**Single-source data.** Trained and evaluated on one source (${escapeMarkdown(data.source)}). Performance on other ` +
      'sites, cameras, operators and populations is unknown.',
    '**Camera and population shift.** Fundus cameras, fields of view, pupil dilation, ethnicity (fundus pigmentation) ' +
      'and disease prevalence all change image statistics and can lower accuracy and move the operating point.',
    '**Image quality.** There is no image-quality check: the model grades every image, including blurred, dark, ' +
      'overexposed or off-centre ones that a grader would call ungradable.',
    `**Class imbalance.** In training, ${escapeMarkdown(data.classNames[largest])} is ${formatMetric(train[largest] / total, 'percent')} ` +
      `of images and ${escapeMarkdown(data.classNames[smallest])} ${formatMetric(train[smallest] / total, 'percent')}` +
      `${settings.classWeighting !== undefined ? ` (class weighting: ${escapeMarkdown(formatSetting(settings.classWeighting))})` : ''}; ` +
      'accuracy is dominated by the common classes.',
  ];
  const rare = set.perClass.filter((c) => c.support < FEW_IMAGES);
  if (rare.length > 0) {
    items.push(`**Rare grades.** ${rare.map((c) => `${escapeMarkdown(c.name)} (${c.support} images, sensitivity ` +
      `${formatMetric(c.sensitivity, 'percent')})`).join(', ')} in the ${SET_LABELS[set.set]}: too few for precise estimates; ` +
      'these are often the grades that matter most.');
  }
  items.push(settings.rotations === false
    ? '**No augmentation.** Training used no augmentation at all.'
    : '**Rotation-only augmentation.** Training used only 0/90/180/270° rotations; robustness to changes in brightness, ' +
      'colour, blur or scale was neither trained for nor tested.');
  if (!data.patients) {
    items.push('**Patients unknown.** Without patient ids, images of one patient (e.g. both eyes) may be on both sides of ' +
      'a split, which inflates the numbers.');
  }
  items.push(input.externalValidation
    ? `**External validation:** ${escapeMarkdown(input.externalValidation)}`
    : '**No external validation.** All numbers come from splits of the same dataset; intervals reflect sampling ' +
      'variation only, not a change of site, camera or population.');
  return `## ${S.limitations}\n\n${items.map((i) => `- ${i}`).join('\n')}`;
}

const NOT_COVERED = 'not covered';

/** Item name -> where this card answers it (or 'not covered'); honest about what a generated card cannot know. */
function checklistRows(input: ModelCardInput): [string, string, string][] {
  const external = input.externalValidation ? S.limitations : `${S.limitations} (states none was done)`;
  const claim: [string, string][] = [
    ['Data sources', S.data],
    ['Eligibility criteria (inclusion, exclusion)', NOT_COVERED],
    ['Data pre-processing', S.details],
    ['De-identification', NOT_COVERED],
    ['Missing data', NOT_COVERED],
    ['Reference standard (ground-truth definition, annotators, inter-rater variability)', `partly: ${S.data} (label scheme only)`],
    ['Data partitions (images and patients per partition, how assigned)', `partly: ${S.data} (counts per split, not how assigned)`],
    ['Detailed model description', S.details],
    ['Software libraries and frameworks', S.details],
    ['Initialisation of model parameters', `${S.details} (weights provenance)`],
    ['Training approach (hyperparameters, augmentation)', S.details],
    ['Method to select the final model', S.details],
    ['Ensembling / test-time augmentation', S.details],
    ['Metrics of model performance', S.metrics],
    ['Statistical measures of uncertainty', `${S.metrics} (bootstrap intervals)`],
    ['Robustness or sensitivity analysis', NOT_COVERED],
    ['Methods for explainability or interpretability', NOT_COVERED],
    ['Validation or testing on external data', external],
    ['Flow of participants or cases', `partly: ${S.data} (counts per split, no exclusions)`],
    ['Demographic and clinical characteristics', NOT_COVERED],
    ['Estimates of diagnostic accuracy and their precision', `${S.metrics}, ${S.operating}`],
    ['Failure analysis of incorrectly classified cases', `partly: ${S.metrics} (per-class table only)`],
    ['Study limitations', S.limitations],
    ['Implications for practice, intended use', S.use],
    ['Registration, protocol, funding', NOT_COVERED],
  ];
  const tripod: [string, string][] = [
    ['Data sources', S.data],
    ['Participants (eligibility, setting, dates)', NOT_COVERED],
    ['Data preparation', S.details],
    ['Outcome (definition, how and by whom assessed)', `partly: ${S.data} (label scheme only)`],
    ['Predictors (model inputs)', S.details],
    ['Sample size justification', `partly: ${S.data} (counts, no justification)`],
    ['Missing data', NOT_COVERED],
    ['Analytical methods (model type, building, internal validation)', `${S.details}, ${S.metrics}`],
    ['Class imbalance', `partly: ${S.limitations}`],
    ['Fairness (performance across subgroups)', NOT_COVERED],
    ['Model output and thresholds', `${S.details}, ${S.operating}`],
    ['Differences between training and evaluation data', `${S.metrics} (set of each number)`],
    ['Ethical approval', NOT_COVERED],
    ['Funding, conflicts of interest, protocol, registration', NOT_COVERED],
    ['Data and code availability', NOT_COVERED],
    ['Patient and public involvement', NOT_COVERED],
    ['Participant characteristics (results)', `partly: ${S.data} (class counts only)`],
    ['Model performance with confidence intervals', `${S.metrics}, ${S.operating}`],
    ['Model updating or recalibration', S.calibration],
    ['Interpretation and limitations', S.limitations],
    ['Usability in the intended setting', S.use],
  ];
  return [...claim.map(([i, c]): [string, string, string] => ['CLAIM', i, c]),
    ...tripod.map(([i, c]): [string, string, string] => ['TRIPOD+AI', i, c])];
}

function checklists(input: ModelCardInput): string {
  return `## ${S.checklists}

Which items of CLAIM (Checklist for Artificial Intelligence in Medical Imaging) and TRIPOD+AI this card answers.
Items marked "not covered" must be reported elsewhere by whoever publishes work using this model.

${table(['Checklist', 'Item', 'Answered in'], checklistRows(input).map(([list, item, where]) => [list, item, where]))}`;
}

export function renderModelCard(input: ModelCardInput): string {
  return `# Model card: ${escapeMarkdown(input.task)} (BVLC GoogLeNet fine-tuned with Fovea)

Created ${escapeMarkdown(input.createdAt)}.

> **Not a medical device.** For research and teaching only; not for diagnosis, screening or any clinical decision.
> Any clinical use needs validation on local data and regulatory approval. See [${S.use}](#intended-use).

${modelDetails(input)}

${intendedUse()}

${trainingData(input.data)}

${evaluation(input.summary)}

${operatingPoint(input.summary)}

${calibration(input.summary)}

${limitations(input)}

${checklists(input)}
`;
}
