/**
 * What a training run is: the four classic transfer-learning scenarios as values of one config type,
 * plus every knob the studio exposes. `resolveTrainConfig` fills defaults and validates.
 */
import type { ClassifierConfig } from '../model/classifier';
import {
  BLOCKS, type FreezeUpTo, type HeadFeatures, type HeadPooling, type HeadPosition, expectedText, type ClassWeighting, type HeadFit,
  type Initialisation, isAllowed, type LrSchedule, type OptimizerName, type ScenarioId, settingAt, SETTING_NAMES, withDefaults,
} from './settings';

// The values each setting takes live with the table of settings (settings.ts); re-exported for their users.
export {
  BLOCKS, CLASS_WEIGHTINGS, FREEZE_CHOICES, HEAD_FEATURES, HEAD_FITS, HEAD_POOLINGS, HEAD_POSITIONS, INITIALISATIONS, INPUT_SIZES,
  LR_SCHEDULES, MAX_INPUT_SIZE, NATIVE_INPUT_SIZE, OPTIMIZERS, SCENARIO_IDS,
} from './settings';
export type {
  BlockName, ClassWeighting, FreezeUpTo, HeadFeatures, HeadFit, HeadPooling, HeadPosition, Initialisation, LrSchedule, OptimizerName, ScenarioId,
} from './settings';

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
  /** What the head reads (see HeadFeatures); other than 'last' only on a frozen backbone (freezeUpTo 'all'), and
   * 'mean-max' with headPooling 'average' (it pools both ways itself). Defaults to 'last'. */
  headFeatures: HeadFeatures;
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

/**
 * The config of a run: every setting `partial` leaves out at its default (settings.ts), each value checked against
 * what its setting takes, then the rules that tie settings together. Throws InvalidTrainConfigError naming the
 * first bad setting and its value.
 */
export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const scenarioId = partial.scenario ?? 'finetune-pretrained';
  const preset = scenarioId === 'custom' ? scenarioById('finetune-pretrained') : scenarioById(scenarioId);
  const c = withDefaults(partial, preset);
  for (const name of SETTING_NAMES) {
    const value = settingAt(c, name);
    if (!isAllowed(name, value)) throw new InvalidTrainConfigError(name, value, expectedText(name));
  }
  // Rules between settings (each setting's own values were checked above).
  if (c.initialisation === 'random' && c.freezeUpTo !== 'none') {
    throw new InvalidTrainConfigError('freezeUpTo', c.freezeUpTo, "'none' when training from scratch (random initialisation): frozen random layers learn nothing");
  }
  if (c.headFit === 'converged' && c.freezeUpTo !== 'all') {
    throw new InvalidTrainConfigError('headFit', c.headFit, "'sgd' unless the whole backbone is frozen (freezeUpTo 'all'): only a head on fixed features has one optimum to fit");
  }
  if (c.headFeatures !== 'last' && c.freezeUpTo !== 'all') {
    throw new InvalidTrainConfigError('headFeatures', c.headFeatures, "'last' unless the whole backbone is frozen (freezeUpTo 'all')");
  }
  if (c.headFeatures === 'mean-max' && c.headPooling !== 'average') {
    throw new InvalidTrainConfigError('headPooling', c.headPooling, "'average' with headFeatures 'mean-max' (it pools by average and max itself)");
  }
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
    numClasses, headOn: config.headOn, headPooling: config.headPooling, headFeatures: config.headFeatures, freezeUpTo: config.freezeUpTo,
    dropout: config.dropout, seed: config.seed, ...(featureScale === undefined ? {} : { featureScale }),
  };
}
