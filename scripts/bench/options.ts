/**
 * What one bench run measures: `BenchConfig` with documented defaults, `resolveBenchConfig()` to fill and
 * validate them, and `parseBenchArgs()` for the command line. Free of Node APIs (the browser page uses it).
 */

export type ScenarioNumber = 1 | 2 | 3 | 4;

/**
 * The switchable parts of a run. 'train', 'inference', 'no-cache' and 'profile' are measured for each
 * scenario and batch size; 'cache-vs-head', 'numerics', 'float16-cache' and 'memory' are whole training runs.
 */
export const BENCH_PARTS = [
  'train', 'no-cache', 'inference', 'profile', 'cache-vs-head', 'numerics', 'float16-cache', 'memory',
] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchConfig {
  /** Square input side in px (a multiple of 32 from 64). Defaults to 224. */
  size: number;
  /** Batch sizes of the throughput table. Defaults to [16, 32]. */
  batches: number[];
  /** Scenarios of the throughput table. Defaults to [1, 2, 3, 4]. */
  scenarios: ScenarioNumber[];
  /** Timed training / inference steps per scenario, batch and kernel set. Defaults to 10. */
  steps: number;
  /** Untimed steps per kernel set before timing (shader compilation, buffer pool). Defaults to 2. */
  warmup: number;
  /** Parts to run. Defaults to all of BENCH_PARTS. */
  parts: BenchPart[];
  /** Input side of the cache-vs-head run (scenario 1 on the whole demo set, 4 rotations). Defaults to `size`. */
  cacheSize: number;
  /** Epochs of head training in the cache-vs-head run. Defaults to 10 (the studio's default). */
  cacheEpochs: number;
  /** Scenario of the stock-vs-ours numerical check (2 exercises every replaced kernel). Defaults to 2. */
  numericsScenario: ScenarioNumber;
  /** Epochs of the numerical check. Defaults to 2. */
  numericsEpochs: number;
  /** Scenario of the memory-per-epoch run. Defaults to 4 (the studio's default scenario). */
  memoryScenario: ScenarioNumber;
  /** Epochs of the memory run. Defaults to 3. */
  memoryEpochs: number;
  /**
   * Demo images used by the numerics and memory runs (a patient-aware subset, for short CPU runs), or 0 for
   * all of them. The cache-vs-head run always uses the whole set. Defaults to 0.
   */
  runImages: number;
  /** Seed of heads, dropout, shuffles and the split. Defaults to 42. */
  seed: number;
}

export class InvalidBenchConfigError extends Error {
  override name = 'InvalidBenchConfigError';
  constructor(readonly field: string, readonly value: unknown, expected: string) {
    super(`Bench setting '${field}' is ${JSON.stringify(value)}; expected ${expected}.`);
  }
}

export function resolveBenchConfig(partial: Partial<BenchConfig> = {}): BenchConfig {
  const size = partial.size ?? 224;
  const batches = partial.batches ?? [16, 32];
  const c: BenchConfig = {
    size,
    batches,
    scenarios: partial.scenarios ?? [1, 2, 3, 4],
    steps: partial.steps ?? 10,
    warmup: partial.warmup ?? 2,
    parts: partial.parts ?? [...BENCH_PARTS],
    cacheSize: partial.cacheSize ?? size,
    cacheEpochs: partial.cacheEpochs ?? 10,
    numericsScenario: partial.numericsScenario ?? 2,
    numericsEpochs: partial.numericsEpochs ?? 2,
    memoryScenario: partial.memoryScenario ?? 4,
    memoryEpochs: partial.memoryEpochs ?? 3,
    runImages: partial.runImages ?? 0,
    seed: partial.seed ?? 42,
  };
  const inputSize = (field: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 64 && v % 32 === 0)) throw new InvalidBenchConfigError(field, v, 'a multiple of 32, at least 64');
  };
  const atLeast = (field: string, v: number, min: number) => {
    if (!(Number.isInteger(v) && v >= min)) throw new InvalidBenchConfigError(field, v, `a whole number of at least ${min}`);
  };
  const scenario = (field: string, v: number) => {
    if (![1, 2, 3, 4].includes(v)) throw new InvalidBenchConfigError(field, v, 'a scenario number 1, 2, 3 or 4');
  };
  inputSize('size', c.size);
  inputSize('cacheSize', c.cacheSize);
  if (c.batches.length === 0) throw new InvalidBenchConfigError('batches', c.batches, 'at least one batch size');
  c.batches.forEach((b) => atLeast('batches', b, 1));
  if (c.scenarios.length === 0) throw new InvalidBenchConfigError('scenarios', c.scenarios, 'at least one of 1, 2, 3, 4');
  c.scenarios.forEach((s) => scenario('scenarios', s));
  scenario('numericsScenario', c.numericsScenario);
  scenario('memoryScenario', c.memoryScenario);
  atLeast('steps', c.steps, 1);
  atLeast('warmup', c.warmup, 0);
  atLeast('cacheEpochs', c.cacheEpochs, 1);
  atLeast('numericsEpochs', c.numericsEpochs, 1);
  atLeast('memoryEpochs', c.memoryEpochs, 1);
  atLeast('runImages', c.runImages, 0);
  if (c.runImages > 0 && c.runImages < 8) throw new InvalidBenchConfigError('runImages', c.runImages, '0 (all) or at least 8');
  for (const p of c.parts) {
    if (!(BENCH_PARTS as readonly string[]).includes(p)) throw new InvalidBenchConfigError('parts', p, BENCH_PARTS.join(', '));
  }
  return c;
}

/** Command-line options beyond the measurement itself. */
export interface BenchCli {
  config: BenchConfig;
  /** Run the measurement in Chromium (playwright-core) instead of Node + dawn.node. */
  browser: boolean;
  /** Print only the JSON (no summary table on stderr). */
  jsonOnly: boolean;
  /** Also write the JSON here. */
  out: string | null;
  /** Directory of the converted GoogLeNet (model.json), or null for the default. */
  modelDir: string | null;
  /** Directory of the fundus demo set (one folder per grade), or null for the default. */
  dataDir: string | null;
  help: boolean;
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]    (or: node dist-bench/bench.mjs [options])

Measures training and inference of GoogLeNet with stock tfjs-webgpu kernels and Fovea's, side by side,
and prints one JSON object on stdout (progress on stderr).

  --size N               input side in px (default 224)
  --batch A,B            batch sizes (default 16,32)
  --scenarios 1,2,3,4    scenarios of the throughput table (default all)
  --steps N              timed steps per scenario, batch and kernel set (default 10)
  --warmup N             untimed steps per kernel set first (default 2)
  --only P,Q             run only these parts: ${BENCH_PARTS.join(', ')}
  --no-<part>            skip a part, e.g. --no-numerics --no-memory --no-cache-vs-head --no-profile
  --cache-size N         input side of the cache-vs-head run (default: --size)
  --cache-epochs N       head-training epochs of the cache-vs-head run (default 10)
  --numerics-scenario N  scenario of the stock-vs-ours training check (default 2)
  --numerics-epochs N    its epochs, and the float16-cache runs' (default 2)
  --memory-scenario N    scenario of the memory-per-epoch run (default 4)
  --memory-epochs N      its epochs (default 3)
  --run-images N         demo images of the numerics, float16-cache and memory runs (default 0 = all 94)
  --seed N               seed (default 42)
  --browser              run the same measurement in Chromium (SwiftShader WebGPU) instead of Node
  --json                 print only the JSON (no summary table on stderr)
  --out FILE             also write the JSON to FILE
  --model DIR            converted GoogLeNet directory (default public/models/googlenet or the bundle's)
  --data DIR             fundus demo directory (default ../shared/data/fundus-demo or the bundle's)
  --help`;

export class BenchArgsError extends Error {
  override name = 'BenchArgsError';
}

const numberList = (flag: string, v: string): number[] =>
  v.split(',').filter((s) => s.trim() !== '').map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new BenchArgsError(`${flag} expects numbers separated by commas, got '${v}'`);
    return n;
  });

/** Reads the command line (process.argv.slice(2)); unknown flags are errors that name the flag. */
export function parseBenchArgs(argv: string[]): BenchCli {
  const partial: Partial<BenchConfig> = {};
  let parts = new Set<BenchPart>(BENCH_PARTS);
  const cli: Omit<BenchCli, 'config'> = { browser: false, jsonOnly: false, out: null, modelDir: null, dataDir: null, help: false };
  const numeric: Record<string, keyof BenchConfig> = {
    '--size': 'size', '--steps': 'steps', '--warmup': 'warmup', '--cache-size': 'cacheSize',
    '--cache-epochs': 'cacheEpochs', '--numerics-scenario': 'numericsScenario', '--numerics-epochs': 'numericsEpochs',
    '--memory-scenario': 'memoryScenario', '--memory-epochs': 'memoryEpochs', '--run-images': 'runImages', '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new BenchArgsError(`${flag} needs a value`);
      return v;
    };
    if (flag in numeric) {
      const v = value();
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new BenchArgsError(`${flag} expects a number, got '${v}'`);
      (partial as Record<string, number>)[numeric[flag]] = n;
    } else if (flag === '--batch' || flag === '--batches') {
      partial.batches = numberList(flag, value());
    } else if (flag === '--scenarios' || flag === '--scenario') {
      partial.scenarios = numberList(flag, value()) as ScenarioNumber[];
    } else if (flag === '--only') {
      const names = value().split(',').filter(Boolean);
      for (const n of names) {
        if (!(BENCH_PARTS as readonly string[]).includes(n)) throw new BenchArgsError(`--only: unknown part '${n}' (parts: ${BENCH_PARTS.join(', ')})`);
      }
      parts = new Set(names as BenchPart[]);
    } else if (flag.startsWith('--no-') && (BENCH_PARTS as readonly string[]).includes(flag.slice(5))) {
      parts.delete(flag.slice(5) as BenchPart);
    } else if (flag === '--browser') cli.browser = true;
    else if (flag === '--json') cli.jsonOnly = true;
    else if (flag === '--out') cli.out = value();
    else if (flag === '--model') cli.modelDir = value();
    else if (flag === '--data') cli.dataDir = value();
    else if (flag === '--help' || flag === '-h') cli.help = true;
    else throw new BenchArgsError(`unknown option '${argv[i]}' (see --help)`);
  }
  partial.parts = BENCH_PARTS.filter((p) => parts.has(p));
  return { ...cli, config: resolveBenchConfig(partial) };
}
