/**
 * What a training run is: the four classic transfer-learning scenarios as values of one config type,
 * plus every knob the studio exposes. `resolveTrainConfig` fills defaults and validates.
 */
import type { ClassifierConfig } from '../model/classifier';
import { assertValidInputSize, GOOGLENET_MIN_INPUT, GOOGLENET_SIZE_STEP, InvalidInputSizeError } from '../model/input-size';

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

/**
 * How the head pools a block's feature maps into one vector: 'average' (global average, GoogLeNet's own pool5),
 * 'max' (global max) or 'gem' (generalised mean with p = 3, Radenovic et al. 2018: (mean(max(x, eps)^3))^(1/3)).
 * Max and GeM keep small strong responses (a microaneurysm) that an average over a large map dilutes.
 */
export type HeadPooling = 'average' | 'max' | 'gem';
export const HEAD_POOLINGS: readonly HeadPooling[] = ['average', 'max', 'gem'];

/** Largest input side a run may use: 512 px (16x16 maps at inception_5b; activation memory grows with size^2). */
export const MAX_INPUT_SIZE = 512;
/** Every input side a run may use: multiples of 32 from 64 to MAX_INPUT_SIZE. */
export const INPUT_SIZES: readonly number[] = Array.from(
  { length: (MAX_INPUT_SIZE - GOOGLENET_MIN_INPUT) / GOOGLENET_SIZE_STEP + 1 }, (_, i) => GOOGLENET_MIN_INPUT + i * GOOGLENET_SIZE_STEP,
);
/** The pretrained weights' own input side. */
export const NATIVE_INPUT_SIZE = 224;

export type ScenarioId = 'linear-top' | 'finetune-all' | 'linear-early' | 'finetune-pretrained';

export interface Scenario {
  id: ScenarioId;
  /** 1..4, the classic numbering (CS231n "Transfer Learning"). */
  number: 1 | 2 | 3 | 4;
  title: string;
  dataset: 'small' | 'large';
  similarity: 'similar' | 'different';
  /** One line: what trains. */
  summary: string;
  /** Why this is the right move for such data, for the Learn screen. */
  explanation: string;
  freezeUpTo: FreezeUpTo;
  headOn: HeadPosition;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'linear-top', number: 1, title: 'Linear classifier on top features',
    dataset: 'small', similarity: 'similar',
    summary: 'Backbone frozen; only a new linear classifier on pool5 (1024 features) trains.',
    explanation: 'With few images that look like ImageNet photos, fine-tuning would overfit; the top features ' +
      'already describe such images well, so a linear classifier on them is enough and trains in seconds.',
    freezeUpTo: 'all', headOn: 'pool5',
  },
  {
    id: 'finetune-all', number: 2, title: 'Fine-tune everything',
    dataset: 'large', similarity: 'similar',
    summary: 'Every layer trains (pretrained layers at a reduced learning rate) with a new head.',
    explanation: 'With many images similar to ImageNet, there is enough data to adjust every layer without ' +
      'overfitting; starting from the pretrained weights converges far faster than from scratch.',
    freezeUpTo: 'none', headOn: 'pool5',
  },
  {
    id: 'linear-early', number: 3, title: 'Linear classifier on earlier layers',
    dataset: 'small', similarity: 'different',
    summary: 'Backbone frozen; a linear classifier on globally pooled inception_4c features.',
    explanation: 'With few images unlike ImageNet, the top layers are too specific to ImageNet classes; ' +
      'earlier layers hold more generic patterns (edges, textures, blobs), so the classifier reads those.',
    freezeUpTo: 'all', headOn: 'inception_4c',
  },
  {
    id: 'finetune-pretrained', number: 4, title: 'Fine-tune the whole network from pretrained weights',
    dataset: 'large', similarity: 'different',
    summary: 'All layers train except conv1 and conv2, starting from ImageNet weights (diabetic retinopathy).',
    explanation: 'With many images unlike ImageNet (fundus photographs), the network must adapt deeply, yet ' +
      'pretrained weights are still a better start than random ones. The first two layers (generic edge and ' +
      'colour detectors) stay frozen, which also saves their costly backward pass.',
    freezeUpTo: 'conv2', headOn: 'pool5',
  },
];

export function scenarioById(id: ScenarioId): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new InvalidTrainConfigError('scenario', id, `one of ${SCENARIOS.map((x) => x.id).join(', ')}`);
  return s;
}

export type OptimizerName = 'sgd-momentum' | 'adam';
export type LrSchedule = 'constant' | 'step' | 'cosine';
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

export interface TrainConfig {
  /** Which preset the freeze/head settings came from, or 'custom'. Defaults to 'finetune-pretrained'. */
  scenario: ScenarioId | 'custom';
  /** Defaults to the scenario's. */
  freezeUpTo: FreezeUpTo;
  /** Defaults to the scenario's. */
  headOn: HeadPosition;
  /** How the head pools the feature maps it reads (see HeadPooling); with 'average' on pool5 the network's own
   * pool5 is used. Defaults to 'average'. */
  headPooling: HeadPooling;
  /** Square input side in px, a multiple of 32 from 64 to 512. Defaults to 224 (the weights' native size). */
  inputSize: number;
  /** Defaults to 10. */
  epochs: number;
  /** Defaults to 16. */
  batchSize: number;
  /** Defaults to 'sgd-momentum'. */
  optimizer: OptimizerName;
  /** The head's learning rate (pooled features are first scaled to a fixed norm). Defaults to 0.01 for SGD with
   * momentum, 0.001 for Adam; with the 0.1 multiplier pretrained layers get Caffe's fine-tuning rate 0.001. */
  learningRate: number;
  /** SGD momentum. Defaults to 0.9. */
  momentum: number;
  /** Pretrained layers learn at learningRate x this. Defaults to 0.1. */
  pretrainedLrMultiplier: number;
  /** L2 regularisation strength on kernels (added to the gradient as weightDecay x w). Defaults to 5e-4. */
  weightDecay: number;
  /** Defaults to 'cosine'. */
  lrSchedule: LrSchedule;
  /** For 'step': multiply the rate by stepGamma every stepEpochs epochs. Defaults to 4 and 0.1. */
  stepEpochs: number;
  stepGamma: number;
  /** Random 0/90/180/270 degree rotations of training images. Defaults to true. */
  rotations: boolean;
  /** Stop when validation loss has not improved by minDelta for `patience` epochs. Defaults to on, 3, 0. */
  earlyStopping: { enabled: boolean; patience: number; minDelta: number };
  /** Dropout before the new classifier. Defaults to 0.4 (as GoogLeNet's own). */
  dropout: number;
  /** Seed of head initialisation, shuffling, rotations and dropout. Defaults to 42. */
  seed: number;
  /** How unequal class sizes are made up for (see ClassWeighting). Defaults to 'loss'. */
  classWeighting: ClassWeighting;
  /** Validation and test probabilities are the mean softmax over the 0/90/180/270 degree rotations of each
   * image (a fundus photograph has no up). Defaults to true. */
  testTimeRotations: boolean;
  /** Where the backbone's weights start (see Initialisation). Defaults to 'pretrained'. With 'random',
   * pretrainedLrMultiplier defaults to 1: no layer holds knowledge worth learning slowly. */
  initialisation: Initialisation;
  /** How the head trains (see HeadFit). Defaults to 'converged' when the backbone is frozen (freezeUpTo 'all'),
   * else 'sgd'; 'converged' needs a frozen backbone. */
  headFit: HeadFit;
}

export class InvalidTrainConfigError extends Error {
  override name = 'InvalidTrainConfigError';
  constructor(readonly field: string, readonly value: unknown, expected: string) {
    super(`Training setting '${field}' is ${JSON.stringify(value)}; expected ${expected}.`);
  }
}

export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const scenarioId = partial.scenario ?? 'finetune-pretrained';
  const preset = scenarioId === 'custom' ? scenarioById('finetune-pretrained') : scenarioById(scenarioId);
  const optimizer = partial.optimizer ?? 'sgd-momentum';
  const initialisation = partial.initialisation ?? 'pretrained';
  const c: TrainConfig = {
    scenario: scenarioId,
    freezeUpTo: partial.freezeUpTo ?? preset.freezeUpTo,
    headOn: partial.headOn ?? preset.headOn,
    headPooling: partial.headPooling ?? 'average',
    inputSize: partial.inputSize ?? NATIVE_INPUT_SIZE,
    epochs: partial.epochs ?? 10,
    batchSize: partial.batchSize ?? 16,
    optimizer,
    learningRate: partial.learningRate ?? (optimizer === 'adam' ? 1e-3 : 1e-2),
    momentum: partial.momentum ?? 0.9,
    pretrainedLrMultiplier: partial.pretrainedLrMultiplier ?? (initialisation === 'random' ? 1 : 0.1),
    weightDecay: partial.weightDecay ?? 5e-4,
    lrSchedule: partial.lrSchedule ?? 'cosine',
    stepEpochs: partial.stepEpochs ?? 4,
    stepGamma: partial.stepGamma ?? 0.1,
    rotations: partial.rotations ?? true,
    earlyStopping: { enabled: true, patience: 3, minDelta: 0, ...partial.earlyStopping },
    dropout: partial.dropout ?? 0.4,
    seed: partial.seed ?? 42,
    classWeighting: partial.classWeighting ?? 'loss',
    testTimeRotations: partial.testTimeRotations ?? true,
    initialisation,
    headFit: 'sgd',
  };
  c.headFit = partial.headFit ?? (c.freezeUpTo === 'all' ? 'converged' : 'sgd');
  const sizes = `a multiple of ${GOOGLENET_SIZE_STEP} from ${GOOGLENET_MIN_INPUT} to ${MAX_INPUT_SIZE} px`;
  try {
    assertValidInputSize(c.inputSize);
  } catch (e) {
    if (e instanceof InvalidInputSizeError) throw new InvalidTrainConfigError('inputSize', c.inputSize, sizes);
    throw e;
  }
  if (c.inputSize > MAX_INPUT_SIZE) throw new InvalidTrainConfigError('inputSize', c.inputSize, sizes);
  const positiveInt = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new InvalidTrainConfigError(field, v, 'a whole number of at least 1');
  };
  positiveInt('epochs', c.epochs);
  positiveInt('batchSize', c.batchSize);
  positiveInt('stepEpochs', c.stepEpochs);
  positiveInt('earlyStopping.patience', c.earlyStopping.patience);
  if (!(c.learningRate > 0 && c.learningRate < 10)) throw new InvalidTrainConfigError('learningRate', c.learningRate, 'a number in (0, 10)');
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new InvalidTrainConfigError('momentum', c.momentum, 'a number in [0, 1)');
  if (!(c.pretrainedLrMultiplier >= 0 && c.pretrainedLrMultiplier <= 10)) {
    throw new InvalidTrainConfigError('pretrainedLrMultiplier', c.pretrainedLrMultiplier, 'a number in [0, 10]');
  }
  if (!(c.weightDecay >= 0 && c.weightDecay < 1)) throw new InvalidTrainConfigError('weightDecay', c.weightDecay, 'a number in [0, 1)');
  if (!(c.stepGamma > 0 && c.stepGamma <= 1)) throw new InvalidTrainConfigError('stepGamma', c.stepGamma, 'a number in (0, 1]');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new InvalidTrainConfigError('dropout', c.dropout, 'a number in [0, 1)');
  if (!['sgd-momentum', 'adam'].includes(c.optimizer)) throw new InvalidTrainConfigError('optimizer', c.optimizer, "'sgd-momentum' or 'adam'");
  if (!CLASS_WEIGHTINGS.includes(c.classWeighting)) {
    throw new InvalidTrainConfigError('classWeighting', c.classWeighting, "'none', 'loss' or 'sampling'");
  }
  if (typeof c.testTimeRotations !== 'boolean') throw new InvalidTrainConfigError('testTimeRotations', c.testTimeRotations, 'true or false');
  if (typeof c.rotations !== 'boolean') throw new InvalidTrainConfigError('rotations', c.rotations, 'true or false');
  if (!Number.isInteger(c.seed)) throw new InvalidTrainConfigError('seed', c.seed, 'a whole number');
  if (!(c.earlyStopping.minDelta >= 0)) throw new InvalidTrainConfigError('earlyStopping.minDelta', c.earlyStopping.minDelta, 'a number of at least 0');
  if (!['constant', 'step', 'cosine'].includes(c.lrSchedule)) throw new InvalidTrainConfigError('lrSchedule', c.lrSchedule, "'constant', 'step' or 'cosine'");
  if (!INITIALISATIONS.includes(c.initialisation)) throw new InvalidTrainConfigError('initialisation', c.initialisation, "'pretrained' or 'random'");
  if (c.initialisation === 'random' && c.freezeUpTo !== 'none') {
    throw new InvalidTrainConfigError('freezeUpTo', c.freezeUpTo, "'none' when training from scratch (random initialisation): frozen random layers learn nothing");
  }
  if (!HEAD_FITS.includes(c.headFit)) throw new InvalidTrainConfigError('headFit', c.headFit, "'sgd' or 'converged'");
  if (c.headFit === 'converged' && c.freezeUpTo !== 'all') {
    throw new InvalidTrainConfigError('headFit', c.headFit, "'sgd' unless the whole backbone is frozen (freezeUpTo 'all'): only a head on fixed features has one optimum to fit");
  }
  if (c.freezeUpTo !== 'none' && c.freezeUpTo !== 'all' && !BLOCKS.includes(c.freezeUpTo)) {
    throw new InvalidTrainConfigError('freezeUpTo', c.freezeUpTo, `'none', 'all' or a block (${BLOCKS.join(', ')})`);
  }
  if (!HEAD_POSITIONS.includes(c.headOn)) throw new InvalidTrainConfigError('headOn', c.headOn, HEAD_POSITIONS.join(', '));
  if (!HEAD_POOLINGS.includes(c.headPooling)) throw new InvalidTrainConfigError('headPooling', c.headPooling, "'average', 'max' or 'gem'");
  if (c.headOn !== 'pool5' && c.freezeUpTo !== 'all' && c.freezeUpTo !== 'none' && BLOCKS.indexOf(c.freezeUpTo) > BLOCKS.indexOf(c.headOn)) {
    throw new InvalidTrainConfigError('freezeUpTo', c.freezeUpTo, `a block no later than the head's position ${c.headOn}`);
  }
  return c;
}

/** Learning rate of the head at a given epoch (0-based); pretrained layers use this x pretrainedLrMultiplier. */
export function learningRateAt(c: TrainConfig, epoch: number): number {
  switch (c.lrSchedule) {
    case 'constant':
      return c.learningRate;
    case 'step':
      return c.learningRate * Math.pow(c.stepGamma, Math.floor(epoch / c.stepEpochs));
    case 'cosine':
      return c.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / c.epochs));
  }
}

/**
 * The network a run builds from its settings (buildClassifier's config): one place, used by the trainer, the
 * exported training job, the command's worker threads and the bench, whose features and weights must all be the
 * trainer's. A setting of the head added here reaches every one of them.
 */
export function classifierConfigOf(config: TrainConfig, numClasses: number, featureScale?: number): ClassifierConfig {
  return {
    numClasses, headOn: config.headOn, headPooling: config.headPooling, freezeUpTo: config.freezeUpTo,
    dropout: config.dropout, seed: config.seed, ...(featureScale === undefined ? {} : { featureScale }),
  };
}
