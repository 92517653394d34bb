/**
 * What one `npm run evaluate` run does: `EvaluateConfig` with documented defaults, `parseEvaluateArgs()` for
 * the command line (node:util parseArgs). The training settings' flags, values and usage lines come from the
 * table of settings (src/core/train/settings.ts); they form a `Partial<TrainConfig>` that the core's
 * `resolveTrainConfig` completes, so the command and the studio share one definition of every knob.
 */
import { parseArgs } from 'node:util';
import type { LabelPresetId } from '../../src/core/data/presets';
import { SCENARIOS, type TrainConfig } from '../../src/core/train/config';
import { defaultText, expectedText, isAllowed, SETTING_NAMES, settingSpec, type SettingName } from '../../src/core/train/settings';

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

/** The command's own options (not training settings): each takes a value, except the switches. */
const COMMAND_OPTIONS = ['train', 'eval', 'task', 'preprocess', 'backend', 'cv', 'val', 'test', 'sensitivity', 'limit', 'bootstrap', 'seed', 'out', 'model'];
const COMMAND_SWITCHES = ['no-export', 'help'];

/** The usage lines of the training settings, from the table: flag, help, default; wrapped under the help column. */
function trainingUsage(): string {
  const column = 24;
  const wrap = (text: string) => text.split(' ').reduce<string[]>((lines, word) => {
    const last = lines[lines.length - 1];
    if (last !== undefined && column + last.length + 1 + word.length <= 118) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
    return lines;
  }, []).join(`\n${' '.repeat(column)}`);
  return SETTING_NAMES.map((name) => {
    const spec = settingSpec(name);
    const option = `  --${spec.cli.flag}${spec.cli.valueName ? ` ${spec.cli.valueName}` : ''}`;
    const help = spec.cli.usage ?? (spec.type.kind === 'boolean' ? `turns off (on by default): ${spec.help}` : `${spec.help} (default ${defaultText(name)})`);
    return option.length < column ? `${option.padEnd(column)}${wrap(help)}` : `${option}\n${' '.repeat(column)}${wrap(help)}`;
  }).join('\n');
}

export const EVALUATE_USAGE = `npm run evaluate -- --train <folder|labels.csv> [options]

  --train PATH          training data: a folder with one sub-folder per class, or a labels CSV
                        (id_code,diagnosis | image,level | filename,label) next to the images
  --eval PATH           an external set to score once at the end (default: a held-out test split)
  --task T              dr-5-grades | referable-dr | any-dr | as-is (default: dr-5-grades when labels are DR grades)
  --preprocess centre|fov|fov-colour     (default fov: crop to the circular field of view)
  --backend wasm|webgpu|cpu              (default wasm)
  --cv K                patient-aware K-fold cross-validation
  --val F --test F      held-out shares (default 0.15 and 0.15)
  --sensitivity F       target sensitivity of the operating point (default 0.9)
  --limit N             use a stratified, patient-aware subset of N images
  --bootstrap N --seed N --out DIR --no-export
  --model DIR           the converted GoogLeNet (default public/models/googlenet)

Training settings (src/core/train/settings.ts):
${trainingUsage()}`;

const SCENARIO_NUMBERS = SCENARIOS.map((s) => String(s.number));

/** `--name -1` as `--name=-1`: parseArgs would take a negative number for an option of its own. */
function joinNegativeValues(argv: readonly string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && valued.has(arg.slice(2)) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs' errors in the command's words, with the usage where they are about the command line's shape. */
function argsError(e: unknown): InvalidEvaluateArgsError {
  const { code, message } = e as { code?: string; message: string };
  const option = /'(--?[^'\s]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new InvalidEvaluateArgsError(`Unknown option ${option}.\n\n${EVALUATE_USAGE}`);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new InvalidEvaluateArgsError(`Unexpected argument "${/'([^']*)'/.exec(message)?.[1]}".\n\n${EVALUATE_USAGE}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing|ambiguous/.test(message)) {
    return new InvalidEvaluateArgsError(`${option} needs a value.\n\n${EVALUATE_USAGE}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new InvalidEvaluateArgsError(`${option} takes no value.\n\n${EVALUATE_USAGE}`);
  return e instanceof Error ? new InvalidEvaluateArgsError(e.message) : new InvalidEvaluateArgsError(String(e));
}

/** A training setting's value from its flag's text, checked against the table; undefined when the flag is absent. */
function settingFromFlag(name: SettingName, given: string | boolean | undefined): unknown {
  if (given === undefined) return undefined;
  const spec = settingSpec(name);
  const flag = `--${spec.cli.flag}`;
  if (typeof given === 'boolean') return !spec.default; // a switch turns its setting from the default
  if (name === 'scenario') {
    if (!SCENARIO_NUMBERS.includes(given)) throw new InvalidEvaluateArgsError(`${flag} is "${given}"; expected 1, 2, 3 or 4.`);
    return SCENARIOS[Number(given) - 1].id;
  }
  const numeric = spec.type.kind === 'number' || (spec.type.kind === 'choice' && typeof spec.type.values[0] === 'number');
  if (spec.type.kind === 'choice' && !numeric) {
    if (!isAllowed(name, given)) throw new InvalidEvaluateArgsError(`${flag} is "${given}"; expected one of ${spec.type.values.join(', ')}.`);
    return given;
  }
  const n = Number(given);
  if (given.trim() === '' || !Number.isFinite(n)) throw new InvalidEvaluateArgsError(`${flag} is "${given}"; expected a number.`);
  if (!isAllowed(name, n)) throw new InvalidEvaluateArgsError(`${flag} is ${n}; expected ${expectedText(name)}.`);
  return n;
}

/** The training settings the flags give (scenario custom when --freeze or --head-on are), nothing else. */
function trainingFrom(values: Record<string, string | boolean | undefined>): Partial<TrainConfig> {
  const training: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const value = settingFromFlag(name, values[settingSpec(name).cli.flag]);
    if (value === undefined) continue;
    const [group, leaf] = name.split('.');
    // A nested setting brings its group's other defaults (--patience 5: early stopping on, patience 5, minDelta 0).
    if (leaf) {
      training[group] ??= Object.fromEntries(SETTING_NAMES.filter((n) => n.startsWith(`${group}.`))
        .map((n) => [n.slice(group.length + 1), settingSpec(n).default]));
      (training[group] as Record<string, unknown>)[leaf] = value;
    } else training[name] = value;
  }
  if (training.freezeUpTo !== undefined || training.headOn !== undefined) {
    if (training.scenario !== undefined) throw new InvalidEvaluateArgsError('Give either --scenario or --freeze/--head-on, not both.');
    training.scenario = 'custom';
  }
  return training as Partial<TrainConfig>;
}

export function parseEvaluateArgs(argv: readonly string[], now = new Date()): EvaluateConfig {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of COMMAND_OPTIONS) options[name] = { type: 'string' };
  for (const name of COMMAND_SWITCHES) options[name] = { type: 'boolean' };
  for (const name of SETTING_NAMES) options[settingSpec(name).cli.flag] = { type: settingSpec(name).type.kind === 'boolean' ? 'boolean' : 'string' };
  const valued = new Set(Object.keys(options).filter((o) => options[o].type === 'string'));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: joinNegativeValues(argv, valued), options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw argsError(e);
  }
  if (values.help) throw new InvalidEvaluateArgsError(EVALUATE_USAGE);
  const flags = new Map(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const switches = new Set(Object.entries(values).filter(([, v]) => v === true).map(([k]) => k));

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
  const training = trainingFrom(values);

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
