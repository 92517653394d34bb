/**
 * Every training setting, defined once: what values it takes, its default, its help, its `npm run evaluate` flag,
 * its field on the Train form, whether a checkpoint may differ in it (and what checkpoints saved before it existed
 * ran with), and what the PyTorch job (train.py) does with it. resolveTrainConfig, the command's parser, checkpoint
 * compatibility, the model card and the form are derived from TRAIN_SETTINGS; a new setting goes here (+ train.py).
 */
import { GOOGLENET_MIN_INPUT, GOOGLENET_SIZE_STEP } from '../model/input-size';
import type { TrainConfig } from './config';

/** GoogLeNet's blocks in forward order; freezing "up to" a block freezes it and everything before it. */
export const BLOCKS = [
  'conv1', 'conv2',
  'inception_3a', 'inception_3b',
  'inception_4a', 'inception_4b', 'inception_4c', 'inception_4d', 'inception_4e',
  'inception_5a', 'inception_5b',
] as const;
export type BlockName = (typeof BLOCKS)[number];

/** Where the new classifier head reads its features: the top (pool5, 1024-d) or an inception block's output. */
export const HEAD_POSITIONS = ['pool5', 'inception_3a', 'inception_3b', 'inception_4a', 'inception_4b', 'inception_4c',
  'inception_4d', 'inception_4e', 'inception_5a'] as const;
export type HeadPosition = (typeof HEAD_POSITIONS)[number];

/** 'none': every pretrained layer trains; 'all': the whole backbone is frozen, only the head trains. */
export type FreezeUpTo = 'none' | BlockName | 'all';
export const FREEZE_CHOICES: readonly FreezeUpTo[] = ['none', ...BLOCKS, 'all'];

/**
 * How the head pools a block's feature maps into one vector: 'average' (global average, GoogLeNet's own pool5),
 * 'max' (global max) or 'gem' (generalised mean with p = 3, Radenovic et al. 2018: (mean(max(x, eps)^3))^(1/3)).
 * Max and GeM keep small strong responses (a microaneurysm) that an average over a large map dilutes.
 */
export type HeadPooling = 'average' | 'max' | 'gem';
export const HEAD_POOLINGS: readonly HeadPooling[] = ['average', 'max', 'gem'];

/**
 * What a head on a frozen backbone reads: 'last' (the head's block pooled by headPooling); 'mean-max' (that
 * block's global average and global max, concatenated: twice the features); 'multi-block' (the head's block and
 * a second one, each pooled by headPooling, concatenated: inception_5b under a head on an earlier block,
 * inception_4c under a head on pool5). Richer frozen features for the linear head to choose from.
 */
export type HeadFeatures = 'last' | 'mean-max' | 'multi-block';
export const HEAD_FEATURES: readonly HeadFeatures[] = ['last', 'mean-max', 'multi-block'];

/** Largest input side a run may use: 512 px (16x16 maps at inception_5b; activation memory grows with size^2). */
export const MAX_INPUT_SIZE = 512;
/** Every input side a run may use: multiples of 32 from 64 to MAX_INPUT_SIZE. */
export const INPUT_SIZES: readonly number[] = Array.from(
  { length: (MAX_INPUT_SIZE - GOOGLENET_MIN_INPUT) / GOOGLENET_SIZE_STEP + 1 }, (_, i) => GOOGLENET_MIN_INPUT + i * GOOGLENET_SIZE_STEP,
);
/** The pretrained weights' own input side. */
export const NATIVE_INPUT_SIZE = 224;

/** The four classic scenarios in their classic order (number 1..4); config.ts's SCENARIOS describes each. */
export const SCENARIO_IDS = ['linear-top', 'finetune-all', 'linear-early', 'finetune-pretrained'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export type OptimizerName = 'sgd-momentum' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd-momentum', 'adam'];
export type LrSchedule = 'constant' | 'step' | 'cosine';
export const LR_SCHEDULES: readonly LrSchedule[] = ['constant', 'step', 'cosine'];

/**
 * How training makes up for unequal class sizes (screening sets are mostly grade 0):
 * 'none'; 'loss': each example's cross-entropy weighted by n_train / (K x n_c) of its class (sklearn's
 * class_weight='balanced'); 'sampling': each epoch draws its items with probability proportional to 1 / n_c.
 */
export type ClassWeighting = 'none' | 'loss' | 'sampling';
export const CLASS_WEIGHTINGS: readonly ClassWeighting[] = ['none', 'loss', 'sampling'];

/**
 * Where the backbone's weights start: 'pretrained' (ImageNet, transfer learning) or 'random' (from scratch:
 * He-normal kernels and zero biases drawn from the seed, the baseline that shows what the pretrained weights
 * are worth). A random start must train every layer (freezeUpTo 'none').
 */
export type Initialisation = 'pretrained' | 'random';
export const INITIALISATIONS: readonly Initialisation[] = ['pretrained', 'random'];

/**
 * How a head on a frozen backbone (freezeUpTo 'all') trains: 'converged' fits it to the optimum of the
 * regularised softmax loss on the cached features (L-BFGS, L2 strength by patient-aware cross-validation:
 * head-fit.ts); 'sgd' runs the epochs with learning curves (for teaching). Other runs always use 'sgd'.
 */
export type HeadFit = 'sgd' | 'converged';
export const HEAD_FITS: readonly HeadFit[] = ['sgd', 'converged'];

// ---- the shape of one setting ----------------------------------------------------------------------------

/** A setting's name: a TrainConfig field, nested ones by their path ('earlyStopping.patience'). */
export type SettingName = {
  [K in keyof TrainConfig & string]: TrainConfig[K] extends object ? `${K}.${keyof TrainConfig[K] & string}` : K;
}[keyof TrainConfig & string];

/** The value of the setting `N`. */
export type SettingValue<N extends SettingName> = N extends `${infer P}.${infer L}`
  ? P extends keyof TrainConfig ? L extends keyof TrainConfig[P] ? TrainConfig[P][L] : never : never
  : N extends keyof TrainConfig ? TrainConfig[N] : never;

/** A number: whole or not, within bounds (open or closed); `expected` replaces the generated description. */
export interface NumberType {
  kind: 'number';
  integer?: boolean;
  min?: number;
  minOpen?: boolean;
  max?: number;
  maxOpen?: boolean;
  expected?: string;
}
/** One of a closed list of values. */
export interface ChoiceType<V> {
  kind: 'choice';
  values: readonly V[];
  expected?: string;
}
export interface BooleanType {
  kind: 'boolean';
}
export type SettingType<V> = [V] extends [boolean] ? BooleanType : [V] extends [number] ? NumberType | ChoiceType<V> : ChoiceType<V>;

/** What the scenario a run starts from decides (config.ts's Scenario); a derived default may read it. */
export interface ScenarioPreset {
  freezeUpTo: FreezeUpTo;
  headOn: HeadPosition;
}

/**
 * A default computed from other settings: `of` may read the preset, every setting with a fixed default, and
 * derived settings listed above it in TRAIN_SETTINGS. `says` is the default in words (usage, docs).
 */
export interface DerivedDefault<V> {
  says: string;
  of: (config: Readonly<TrainConfig>, preset: ScenarioPreset) => V;
}

/** The setting's field on the Train form. */
export type FormField<V> =
  /** A plain number input (NumberField); min and max come from the setting's type unless given here. */
  | { kind: 'number'; label: string; testId: string; hint?: string; min?: number; max?: number; step?: number | 'any' }
  /** A plain select; `options` in display order with their labels; `hints` per value (else `hint`). */
  | { kind: 'select'; label: string; testId: string; options: Readonly<Record<V & string, string>>; hint?: string; hints?: Readonly<Record<V & string, string>> }
  /** An on/off switch with a line of help. */
  | { kind: 'switch'; label: string; testId: string; hint: string }
  /** A field with its own widget (costs, previews, a linked field), in the named component. */
  | { kind: 'widget'; label: string; testId: string; component: 'ScenarioPicker' | 'TrainSettings' }
  /** Not on the form: the default (or the command line) sets it. */
  | { kind: 'none'; why: string };

/** What resuming from a checkpoint asks of the setting. */
export type CheckpointRule<V> =
  /** The checkpoint's value must equal the run's. `before`: the value every run had before the setting existed
   * (checkpoints saved then lack it); absent for settings checkpoints have always held. */
  | { mustMatch: true; before?: V }
  /** The run may resume with another value, for the reason given. */
  | { mustMatch: false; why: string };

/** What the exported PyTorch job does with the setting: train.py applies settings.json's `key`, or does not need it. */
export type JobRule = { key: string } | { notNeeded: string };

export interface SettingSpec<V> {
  type: SettingType<V>;
  default: V | DerivedDefault<V>;
  /** One line: what the setting does (usage, model card, hints). */
  help: string;
  /** The `npm run evaluate` option (without the dashes); a boolean's is a switch that sets the opposite of its
   * default. `usage` replaces the help and default in the command's usage. */
  cli: { flag: string; valueName?: string; usage?: string };
  form: FormField<V>;
  checkpoint: CheckpointRule<V>;
  job: JobRule;
}

const number = (t: Omit<NumberType, 'kind'>): NumberType => ({ kind: 'number', ...t });
const choice = <V>(values: readonly V[], expected?: string): ChoiceType<V> => ({ kind: 'choice', values, ...(expected ? { expected } : {}) });
const BOOLEAN: BooleanType = { kind: 'boolean' };

// ---- the table -------------------------------------------------------------------------------------------

/** Every training setting, in the order resolveTrainConfig fills and checks them (and the card lists them). */
export const TRAIN_SETTINGS: { readonly [N in SettingName]: SettingSpec<SettingValue<N>> } = {
  scenario: {
    type: choice<ScenarioId | 'custom'>([...SCENARIO_IDS, 'custom']),
    default: 'finetune-pretrained',
    help: "Which of the four transfer-learning scenarios set freeze and head, or 'custom'",
    cli: { flag: 'scenario', valueName: 'N', usage: '1-4 (default 4); or custom: give --freeze and --head-on instead' },
    form: { kind: 'widget', label: 'What to retrain', testId: 'scenario-custom', component: 'ScenarioPicker' },
    checkpoint: { mustMatch: false, why: 'a label: freezeUpTo and headOn hold what it decides' },
    job: { notNeeded: 'a label: freezeUpTo and headOn hold what it decides' },
  },
  freezeUpTo: {
    type: choice(FREEZE_CHOICES, `'none', 'all' or a block (${BLOCKS.join(', ')})`),
    default: { says: "the scenario's", of: (_c, preset) => preset.freezeUpTo },
    help: 'The last pretrained block that stays frozen (none: every layer trains; all: only the head)',
    cli: { flag: 'freeze', valueName: 'none|all|BLOCK' },
    form: { kind: 'widget', label: 'Freeze', testId: 'freeze-up-to', component: 'ScenarioPicker' },
    checkpoint: { mustMatch: true },
    job: { key: 'freezeUpTo' },
  },
  headOn: {
    type: choice(HEAD_POSITIONS, HEAD_POSITIONS.join(', ')),
    default: { says: "the scenario's", of: (_c, preset) => preset.headOn },
    help: 'Where the new classifier reads its features: pool5 (top) or an inception block, globally pooled',
    cli: { flag: 'head-on', valueName: 'pool5|BLOCK' },
    form: { kind: 'widget', label: 'New classifier reads', testId: 'head-on', component: 'ScenarioPicker' },
    checkpoint: { mustMatch: true },
    job: { key: 'headOn' },
  },
  headPooling: {
    type: choice(HEAD_POOLINGS),
    default: 'average',
    help: 'How the head pools its feature maps (gem: generalised mean, p = 3)',
    cli: { flag: 'pooling', valueName: 'average|max|gem' },
    form: {
      kind: 'select', label: 'Head pooling', testId: 'head-pooling',
      options: { average: 'Average', max: 'Max', gem: 'Generalised mean (GeM, p=3)' },
      hint: 'Max and GeM keep small strong responses, such as microaneurysms, that an average dilutes at large sizes.',
    },
    checkpoint: { mustMatch: true, before: 'average' },
    job: { key: 'headPooling' },
  },
  headFeatures: {
    type: choice(HEAD_FEATURES),
    default: 'last',
    help: "What a frozen backbone's head reads: its block pooled (last), average and max pools concatenated (mean-max), " +
      'or its block and a second one concatenated (multi-block: inception_5b, or inception_4c under pool5)',
    cli: { flag: 'head-features', valueName: 'last|mean-max|multi-block' },
    form: { kind: 'none', why: 'a setting for experiments from the command line so far' },
    checkpoint: { mustMatch: true, before: 'last' },
    job: { key: 'headFeatures' },
  },
  inputSize: {
    type: choice(INPUT_SIZES, `a multiple of ${GOOGLENET_SIZE_STEP} from ${GOOGLENET_MIN_INPUT} to ${MAX_INPUT_SIZE} px`),
    default: NATIVE_INPUT_SIZE,
    help: 'Square input side in px (448 takes ~4x the time of 224)',
    cli: { flag: 'input', valueName: 'PX' },
    form: { kind: 'widget', label: 'Input size', testId: 'input-size', component: 'TrainSettings' },
    checkpoint: { mustMatch: true },
    job: { key: 'inputSize' },
  },
  epochs: {
    type: number({ integer: true, min: 1 }),
    default: 10,
    help: 'Passes over the training images',
    cli: { flag: 'epochs', valueName: 'N' },
    form: { kind: 'number', label: 'Epochs', testId: 'epochs', max: 500 },
    checkpoint: { mustMatch: true },
    job: { key: 'epochs' },
  },
  batchSize: {
    type: number({ integer: true, min: 1 }),
    default: 16,
    help: 'Images per training step',
    cli: { flag: 'batch', valueName: 'N' },
    form: { kind: 'number', label: 'Batch size', testId: 'batch-size', max: 256, hint: 'Lower it if the GPU runs out of memory.' },
    // withBatchSize changes it on purpose, after the GPU ran out of memory: never by accident.
    checkpoint: { mustMatch: true },
    job: { key: 'batchSize' },
  },
  optimizer: {
    type: choice(OPTIMIZERS),
    default: 'sgd-momentum',
    help: 'SGD with momentum, or Adam',
    cli: { flag: 'optimizer', valueName: 'sgd-momentum|adam' },
    form: { kind: 'select', label: 'Optimizer', testId: 'optimizer', options: { 'sgd-momentum': 'SGD + momentum', adam: 'Adam' } },
    checkpoint: { mustMatch: true },
    job: { key: 'optimizer' },
  },
  learningRate: {
    type: number({ min: 0, minOpen: true, max: 10, maxOpen: true }),
    default: { says: '0.01 with SGD, 0.001 with Adam', of: (c) => (c.optimizer === 'adam' ? 1e-3 : 1e-2) },
    help: "The new head's learning rate (pooled features are first scaled to a fixed norm)",
    cli: { flag: 'lr', valueName: 'X' },
    form: { kind: 'number', label: 'Learning rate (new head)', testId: 'learning-rate' },
    checkpoint: { mustMatch: true },
    job: { key: 'learningRate' },
  },
  momentum: {
    type: number({ min: 0, max: 1, maxOpen: true }),
    default: 0.9,
    help: 'SGD momentum',
    cli: { flag: 'momentum', valueName: 'X' },
    form: { kind: 'none', why: "Caffe's 0.9 suits every scenario" },
    checkpoint: { mustMatch: true },
    job: { key: 'momentum' },
  },
  pretrainedLrMultiplier: {
    type: number({ min: 0, max: 10 }),
    default: { says: '0.1 (1 from scratch)', of: (c) => (c.initialisation === 'random' ? 1 : 0.1) },
    help: 'Pretrained layers learn at the learning rate x this',
    cli: { flag: 'lr-mult', valueName: 'X' },
    form: {
      kind: 'number', label: "Pretrained layers' rate ×", testId: 'pretrained-lr-multiplier', step: 0.05,
      hint: 'Pretrained layers learn more gently than the new head.',
    },
    checkpoint: { mustMatch: true },
    job: { key: 'pretrainedLrMultiplier' },
  },
  weightDecay: {
    type: number({ min: 0, max: 1, maxOpen: true }),
    default: 5e-4,
    help: 'L2 regularisation strength on kernels',
    cli: { flag: 'weight-decay', valueName: 'X' },
    form: { kind: 'number', label: 'Weight decay (L2)', testId: 'weight-decay' },
    checkpoint: { mustMatch: true },
    job: { key: 'weightDecay' },
  },
  lrSchedule: {
    type: choice(LR_SCHEDULES),
    default: 'cosine',
    help: 'How the learning rate changes from epoch to epoch',
    cli: { flag: 'schedule', valueName: 'constant|step|cosine' },
    form: {
      kind: 'select', label: 'Learning-rate schedule', testId: 'lr-schedule',
      options: { constant: 'Constant', step: 'Step (× 0.1 every 4 epochs)', cosine: 'Cosine decay' },
    },
    checkpoint: { mustMatch: true },
    job: { key: 'lrSchedule' },
  },
  stepEpochs: {
    type: number({ integer: true, min: 1 }),
    default: 4,
    help: "With the 'step' schedule: epochs between two rate cuts",
    cli: { flag: 'step-epochs', valueName: 'N' },
    form: { kind: 'none', why: 'the form offers the step schedule with its defaults' },
    checkpoint: { mustMatch: true },
    job: { key: 'stepEpochs' },
  },
  stepGamma: {
    type: number({ min: 0, minOpen: true, max: 1 }),
    default: 0.1,
    help: "With the 'step' schedule: what each cut multiplies the rate by",
    cli: { flag: 'step-gamma', valueName: 'X' },
    form: { kind: 'none', why: 'the form offers the step schedule with its defaults' },
    checkpoint: { mustMatch: true },
    job: { key: 'stepGamma' },
  },
  rotations: {
    type: BOOLEAN,
    default: true,
    help: 'Random 0/90/180/270 degree rotations of training images',
    cli: { flag: 'no-rotations' },
    form: {
      kind: 'switch', label: 'Rotation augmentation (0°, 90°, 180°, 270°)', testId: 'rotations',
      hint: 'A fundus photograph is still valid when turned. Only quarter turns are used, and colour, brightness and ' +
        'contrast are never altered: colour is diagnostic (haemorrhages, exudates).',
    },
    checkpoint: { mustMatch: true },
    job: { key: 'rotations' },
  },
  'earlyStopping.enabled': {
    type: BOOLEAN,
    default: true,
    help: 'Stop when the validation loss has not improved for `patience` epochs',
    cli: { flag: 'no-early-stopping' },
    form: { kind: 'widget', label: 'Early stopping', testId: 'early-stopping', component: 'TrainSettings' },
    checkpoint: { mustMatch: true },
    job: { key: 'earlyStopping.enabled' },
  },
  'earlyStopping.patience': {
    type: number({ integer: true, min: 1 }),
    default: 3,
    help: 'Epochs without improvement before early stopping',
    cli: { flag: 'patience', valueName: 'N' },
    form: { kind: 'widget', label: 'Patience (epochs)', testId: 'patience', component: 'TrainSettings' },
    checkpoint: { mustMatch: true },
    job: { key: 'earlyStopping.patience' },
  },
  'earlyStopping.minDelta': {
    type: number({ min: 0 }),
    default: 0,
    help: 'The least drop in validation loss that counts as an improvement',
    cli: { flag: 'min-delta', valueName: 'X' },
    form: { kind: 'none', why: 'any improvement counts on the form' },
    checkpoint: { mustMatch: true },
    job: { key: 'earlyStopping.minDelta' },
  },
  dropout: {
    type: number({ min: 0, max: 1, maxOpen: true }),
    default: 0.4,
    help: "Dropout before the new classifier (GoogLeNet's own is 0.4)",
    cli: { flag: 'dropout', valueName: 'X' },
    form: { kind: 'none', why: "GoogLeNet's own 0.4 suits every scenario" },
    checkpoint: { mustMatch: true },
    job: { key: 'dropout' },
  },
  seed: {
    type: number({ integer: true }),
    default: 42,
    help: 'Seed of head initialisation, shuffling, rotations and dropout',
    cli: { flag: 'train-seed', valueName: 'N' },
    form: { kind: 'number', label: 'Seed', testId: 'train-seed', hint: 'Same seed, same settings: same run.' },
    checkpoint: { mustMatch: true },
    job: { key: 'seed' },
  },
  classWeighting: {
    type: choice(CLASS_WEIGHTINGS),
    default: 'loss',
    help: 'How unequal class sizes are made up for: a weighted loss, balanced sampling, or not at all',
    cli: { flag: 'class-weighting', valueName: 'loss|sampling|none' },
    form: {
      kind: 'select', label: 'Class weighting', testId: 'class-weighting',
      options: { loss: 'Weighted loss', sampling: 'Balanced sampling', none: 'None' },
      hints: {
        loss: 'Rare classes count more in the loss, so the model does not just learn to say the common class.',
        sampling: 'Each epoch draws images so that every class is seen equally often (rare images repeat).',
        none: 'Every image counts the same: the model leans towards the classes with most images.',
      },
    },
    checkpoint: { mustMatch: true },
    job: { key: 'classWeighting' },
  },
  testTimeRotations: {
    type: BOOLEAN,
    default: true,
    help: 'Validation and test predictions average the image at 0/90/180/270 degrees',
    cli: { flag: 'no-tta' },
    form: {
      kind: 'switch', label: 'Average predictions over four rotations', testId: 'test-time-rotations',
      hint: 'Validation, test and single-image predictions average the image at 0°, 90°, 180° and 270°: steadier, four times the work.',
    },
    checkpoint: { mustMatch: true },
    job: { key: 'testTimeRotations' },
  },
  initialisation: {
    type: choice(INITIALISATIONS),
    default: 'pretrained',
    help: "Where the backbone's weights start: ImageNet, or random (from scratch, every layer trains)",
    cli: { flag: 'init', valueName: 'pretrained|random' },
    form: { kind: 'none', why: 'Compare all runs the from-scratch baseline' },
    checkpoint: { mustMatch: true },
    job: { notNeeded: 'start.safetensors holds the starting weights, pretrained or already drawn at random' },
  },
  headFit: {
    type: choice(HEAD_FITS),
    default: { says: "'converged' when the backbone is frozen, else 'sgd'", of: (c) => (c.freezeUpTo === 'all' ? 'converged' : 'sgd') },
    help: "A frozen backbone's head: fitted to convergence (L-BFGS, L2 by patient-aware 5-fold cross-validation) or SGD epochs",
    cli: { flag: 'head-fit', valueName: 'converged|sgd' },
    form: {
      kind: 'select', label: 'Head training', testId: 'head-fit',
      options: { converged: 'Fitted to convergence (L-BFGS, L2 by cross-validation)', sgd: 'SGD epochs (shows learning curves)' },
      hints: {
        converged: 'The classifier is fitted to its best weights on the kept features, with the L2 strength that 5-fold ' +
          'cross-validation on the training images chose. Epochs, learning rate and weight decay do not apply.',
        sgd: 'The classifier learns by small steps, epoch after epoch, as the whole network would: the curves show how.',
      },
    },
    checkpoint: { mustMatch: true, before: 'sgd' },
    job: { key: 'headFit' },
  },
};

export const SETTING_NAMES = Object.keys(TRAIN_SETTINGS) as SettingName[];

/** Any setting's spec, as code that walks the table by name sees it. */
export type AnySettingSpec = Omit<SettingSpec<unknown>, 'type'> & { type: NumberType | ChoiceType<unknown> | BooleanType };

export function settingSpec(name: SettingName): AnySettingSpec {
  return TRAIN_SETTINGS[name] as AnySettingSpec;
}

export function isDerived<V>(d: SettingSpec<V>['default']): d is DerivedDefault<V> {
  return typeof d === 'object' && d !== null && 'of' in d;
}

/** The default in words: the value, or what a derived default depends on. */
export function defaultText(name: SettingName): string {
  const d = settingSpec(name).default;
  return isDerived(d) ? d.says : String(d);
}

// ---- reading, filling and checking values ----------------------------------------------------------------

/** The value of a (possibly nested) setting in a config-shaped object; undefined when absent. */
export function settingAt(config: object, name: string): unknown {
  let v: unknown = config;
  for (const part of name.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function setAt(config: Record<string, unknown>, name: string, value: unknown): void {
  const parts = name.split('.');
  let o = config;
  for (const part of parts.slice(0, -1)) o = (o[part] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
}

/**
 * `partial` with every absent setting at its default: fixed defaults first, then derived ones in table order.
 * Values are not checked (settingProblem does that).
 */
export function withDefaults(partial: Partial<TrainConfig>, preset: ScenarioPreset): TrainConfig {
  const config: Record<string, unknown> = {};
  const derived: SettingName[] = [];
  for (const name of SETTING_NAMES) {
    const given = settingAt(partial, name);
    const d = settingSpec(name).default;
    if (given !== undefined && given !== null) setAt(config, name, given);
    else if (isDerived(d)) {
      setAt(config, name, undefined);
      derived.push(name);
    } else setAt(config, name, d);
  }
  for (const name of derived) {
    const d = settingSpec(name).default as DerivedDefault<unknown>;
    setAt(config, name, d.of(config as unknown as TrainConfig, preset));
  }
  return config as unknown as TrainConfig;
}

const quoted = (values: readonly unknown[]) =>
  values.length < 2 ? values.map((v) => `'${v}'`).join('')
    : `${values.slice(0, -1).map((v) => `'${v}'`).join(', ')} or '${values[values.length - 1]}'`;

/** What a setting takes, in words: "a number in (0, 10)", "'average', 'max' or 'gem'". */
export function expectedText(name: SettingName): string {
  const type = settingSpec(name).type;
  if (type.kind === 'boolean') return 'true or false';
  if (type.expected) return type.expected;
  if (type.kind === 'choice') return quoted(type.values);
  if (type.integer) return type.min === undefined ? 'a whole number' : `a whole number of at least ${type.min}`;
  if (type.min !== undefined && type.max !== undefined) {
    return `a number in ${type.minOpen ? '(' : '['}${type.min}, ${type.max}${type.maxOpen ? ')' : ']'}`;
  }
  if (type.min !== undefined) return `a number ${type.minOpen ? 'above' : 'of at least'} ${type.min}`;
  return 'a number';
}

/** Whether `value` is one the setting takes. */
export function isAllowed(name: SettingName, value: unknown): boolean {
  const type = settingSpec(name).type;
  if (type.kind === 'boolean') return typeof value === 'boolean';
  if (type.kind === 'choice') return type.values.includes(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (type.integer && !Number.isInteger(value)) return false;
  if (type.min !== undefined && (type.minOpen ? value <= type.min : value < type.min)) return false;
  return type.max === undefined || (type.maxOpen ? value < type.max : value <= type.max);
}
