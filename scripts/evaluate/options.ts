/**
 * What one `npm run evaluate` run does: `EvaluateConfig` with documented defaults, `parseEvaluateArgs()` for
 * the command line. The training settings themselves are a `Partial<TrainConfig>` resolved by the core's
 * `resolveTrainConfig`, so the command and the studio share one definition of every knob.
 */
import type { LabelPresetId } from '../../src/core/data/presets';
import { HEAD_FITS, HEAD_POOLINGS, INPUT_SIZES, MAX_INPUT_SIZE, SCENARIOS, type TrainConfig } from '../../src/core/train/config';

export type EvaluateBackend = 'webgpu' | 'wasm' | 'cpu';
export type FundusPreprocessing = 'centre' | 'fov' | 'fov-colour';

export interface EvaluateConfig {
  /** A folder with one sub-folder per class, or a labels CSV (images found under the CSV's folder). */
  train: string;
  /** Optional external evaluation set (same forms). Defaults to none: a patient-aware test split is held out. */
  eval: string | null;
  /** How labels become classes. Defaults to 'dr-5-grades' when every label is a DR grade, else 'as-is'. */
  task: LabelPresetId | null;
  /** Training settings (scenario, freeze, head, input size, epochs, ...); unset ones take the core's defaults. */
  training: Partial<TrainConfig>;
  /** 'centre': centre square; 'fov': square around the circular field of view; 'fov-colour': that plus
   * local-average colour subtraction (Ben Graham). Defaults to 'fov'. */
  preprocessing: FundusPreprocessing;
  /** Defaults to 'wasm' (any CPU); 'webgpu' through dawn.node (a real GPU, or SwiftShader). */
  backend: EvaluateBackend;
  /** Patient-aware K-fold cross-validation instead of one split. Defaults to 0 (off). */
  cv: number;
  /** Shares of each class held out for validation and test. Default 0.15 and 0.15 (test 0 when --eval is given). */
  valFraction: number;
  testFraction: number;
  /** Target sensitivity of the operating point (chosen on validation). Defaults to 0.9. */
  targetSensitivity: number;
  /** Use at most this many images (patient-aware, stratified subset; for quick checks). Defaults to 0 (all). */
  limit: number;
  /** Bootstrap resamples of every interval. Defaults to 1000. */
  bootstrap: number;
  /** Seed of the split, the subset, the bootstrap (training uses training.seed). Defaults to 42. */
  seed: number;
  /** Folder for metrics.json, report.html and the model package. Defaults to 'results/<date-time>'. */
  out: string;
  /** Write the exported model package (model.zip). Defaults to true. */
  exportModel: boolean;
  /** Folder of the converted GoogLeNet (model.json, shards, provenance.json). Defaults to public/models/googlenet. */
  model: string | null;
}

export class InvalidEvaluateArgsError extends Error {
  override name = 'InvalidEvaluateArgsError';
}

export const EVALUATE_USAGE = `npm run evaluate -- --train <folder|labels.csv> [options]

  --train PATH          training data: a folder with one sub-folder per class, or a labels CSV
                        (id_code,diagnosis | image,level | filename,label) next to the images
  --eval PATH           an external set to score once at the end (default: a held-out test split)
  --task T              dr-5-grades | referable-dr | any-dr | as-is (default: dr-5-grades when labels are DR grades)
  --scenario N          1-4 (default 4); or custom: --freeze none|all|BLOCK --head-on pool5|BLOCK
  --input PX            input size, a multiple of 32 from 64 to 512 (default 224; 448 takes ~4x the time)
  --pooling average|max|gem              how the head pools its maps (default average; gem: generalised mean, p=3)
  --head-fit converged|sgd               a frozen backbone's head: fitted to convergence (L-BFGS, L2 by patient-aware
                        5-fold cross-validation; the default for scenarios 1 and 3) or SGD epochs (learning curves)
  --epochs N --batch N --lr X --lr-mult X --weight-decay X --optimizer sgd-momentum|adam
  --schedule constant|step|cosine --dropout X --patience N --no-early-stopping --train-seed N
  --class-weighting loss|sampling|none   (default loss)
  --no-rotations        no 0/90/180/270 rotation augmentation
  --no-tta              no test-time averaging over the 4 rotations
  --preprocess centre|fov|fov-colour     (default fov: crop to the circular field of view)
  --backend wasm|webgpu|cpu              (default wasm)
  --cv K                patient-aware K-fold cross-validation
  --val F --test F      held-out shares (default 0.15 and 0.15)
  --sensitivity F       target sensitivity of the operating point (default 0.9)
  --limit N             use a stratified, patient-aware subset of N images
  --bootstrap N --seed N --out DIR --no-export
  --model DIR           the converted GoogLeNet (default public/models/googlenet)`;

const SCENARIO_BY_NUMBER = new Map(SCENARIOS.map((s) => [String(s.number), s.id] as const));

export function parseEvaluateArgs(argv: readonly string[], now = new Date()): EvaluateConfig {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  const SWITCHES = ['no-rotations', 'no-tta', 'no-early-stopping', 'no-export', 'help'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new InvalidEvaluateArgsError(`Unexpected argument "${arg}".\n\n${EVALUATE_USAGE}`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (SWITCHES.includes(name)) {
      switches.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new InvalidEvaluateArgsError(`--${name} needs a value.\n\n${EVALUATE_USAGE}`);
    flags.set(name, value);
  }
  if (switches.has('help')) throw new InvalidEvaluateArgsError(EVALUATE_USAGE);
  const known = ['train', 'eval', 'task', 'scenario', 'freeze', 'head-on', 'input', 'pooling', 'head-fit', 'epochs', 'batch', 'lr', 'lr-mult',
    'weight-decay', 'optimizer', 'schedule', 'dropout', 'patience', 'train-seed', 'class-weighting', 'preprocess',
    'backend', 'cv', 'val', 'test', 'sensitivity', 'limit', 'bootstrap', 'seed', 'out', 'model'];
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new InvalidEvaluateArgsError(`Unknown option --${name}.\n\n${EVALUATE_USAGE}`);
  }

  const num = (name: string): number | undefined => {
    const v = flags.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidEvaluateArgsError(`--${name} is "${v}"; expected a number.`);
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = flags.get(name);
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) throw new InvalidEvaluateArgsError(`--${name} is "${v}"; expected one of ${allowed.join(', ')}.`);
    return v as T;
  };

  const train = flags.get('train');
  if (!train) throw new InvalidEvaluateArgsError(`--train is required.\n\n${EVALUATE_USAGE}`);

  const training: Partial<TrainConfig> = {};
  const scenario = flags.get('scenario');
  if (scenario !== undefined) {
    const id = SCENARIO_BY_NUMBER.get(scenario);
    if (!id) throw new InvalidEvaluateArgsError(`--scenario is "${scenario}"; expected 1, 2, 3 or 4.`);
    training.scenario = id;
  }
  if (flags.has('freeze') || flags.has('head-on')) {
    if (scenario !== undefined) throw new InvalidEvaluateArgsError('Give either --scenario or --freeze/--head-on, not both.');
    training.scenario = 'custom';
    if (flags.has('freeze')) training.freezeUpTo = flags.get('freeze') as TrainConfig['freezeUpTo'];
    if (flags.has('head-on')) training.headOn = flags.get('head-on') as TrainConfig['headOn'];
  }
  const set = <K extends keyof TrainConfig>(key: K, value: TrainConfig[K] | undefined) => {
    if (value !== undefined) training[key] = value;
  };
  const inputSize = num('input');
  if (inputSize !== undefined && !INPUT_SIZES.includes(inputSize)) {
    throw new InvalidEvaluateArgsError(`--input is ${inputSize}; expected a multiple of 32 from 64 to ${MAX_INPUT_SIZE}.`);
  }
  set('inputSize', inputSize);
  set('headPooling', oneOf('pooling', HEAD_POOLINGS));
  set('headFit', oneOf('head-fit', HEAD_FITS));
  set('epochs', num('epochs'));
  set('batchSize', num('batch'));
  set('learningRate', num('lr'));
  set('pretrainedLrMultiplier', num('lr-mult'));
  set('weightDecay', num('weight-decay'));
  set('optimizer', oneOf('optimizer', ['sgd-momentum', 'adam'] as const));
  set('lrSchedule', oneOf('schedule', ['constant', 'step', 'cosine'] as const));
  set('dropout', num('dropout'));
  set('seed', num('train-seed'));
  set('classWeighting', oneOf('class-weighting', ['loss', 'sampling', 'none'] as const));
  if (switches.has('no-rotations')) training.rotations = false;
  if (switches.has('no-tta')) training.testTimeRotations = false;
  const patience = num('patience');
  if (patience !== undefined || switches.has('no-early-stopping')) {
    training.earlyStopping = {
      enabled: !switches.has('no-early-stopping'), patience: patience ?? 3, minDelta: 0,
    };
  }

  const evalSet = flags.get('eval') ?? null;
  const c: EvaluateConfig = {
    train,
    eval: evalSet,
    task: oneOf('task', ['dr-5-grades', 'referable-dr', 'any-dr', 'as-is'] as const) ?? null,
    training,
    preprocessing: oneOf('preprocess', ['centre', 'fov', 'fov-colour'] as const) ?? 'fov',
    backend: oneOf('backend', ['webgpu', 'wasm', 'cpu'] as const) ?? 'wasm',
    cv: num('cv') ?? 0,
    valFraction: num('val') ?? 0.15,
    testFraction: num('test') ?? (evalSet ? 0 : 0.15),
    targetSensitivity: num('sensitivity') ?? 0.9,
    limit: num('limit') ?? 0,
    bootstrap: num('bootstrap') ?? 1000,
    seed: num('seed') ?? 42,
    out: flags.get('out') ?? `results/${now.toISOString().slice(0, 19).replace(/[:T]/g, '-')}`,
    exportModel: !switches.has('no-export'),
    model: flags.get('model') ?? null,
  };
  if (!(Number.isInteger(c.cv) && (c.cv === 0 || c.cv >= 2))) throw new InvalidEvaluateArgsError(`--cv is ${c.cv}; expected a whole number of at least 2.`);
  if (!(c.valFraction > 0 && c.valFraction < 1)) throw new InvalidEvaluateArgsError(`--val is ${c.valFraction}; expected a share in (0, 1).`);
  if (!(c.testFraction >= 0 && c.valFraction + c.testFraction < 1)) {
    throw new InvalidEvaluateArgsError(`--test is ${c.testFraction}; expected a share >= 0 with --val + --test < 1.`);
  }
  if (!(c.targetSensitivity > 0 && c.targetSensitivity <= 1)) {
    throw new InvalidEvaluateArgsError(`--sensitivity is ${c.targetSensitivity}; expected a share in (0, 1].`);
  }
  if (!(Number.isInteger(c.limit) && c.limit >= 0)) throw new InvalidEvaluateArgsError(`--limit is ${c.limit}; expected a whole number.`);
  if (!(Number.isInteger(c.bootstrap) && c.bootstrap >= 100)) throw new InvalidEvaluateArgsError(`--bootstrap is ${c.bootstrap}; expected at least 100.`);
  return c;
}
