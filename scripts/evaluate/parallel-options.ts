/**
 * The evaluate command's `--workers N` and `--cache [DIR]`: how a run spreads its work over the cores and whether
 * it keeps frozen features on disk. Taken out of the command line before parseEvaluateArgs (options.ts) reads
 * the rest.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_FEATURE_CACHE_DIR } from './feature-store';
import { InvalidEvaluateArgsError } from './options';

export interface ParallelConfig {
  /** Worker threads that decode images and run the frozen prefix (pool.ts). Defaults to the number of cores;
   * 0 runs everything on the main thread. */
  workers: number;
  /** Folder of the feature cache on disk (feature-store.ts), or null for none. Defaults to null (off);
   * `--cache` without a folder uses results/.feature-cache. */
  cacheDir: string | null;
}

export const PARALLEL_USAGE = `  --workers N           threads that decode images and compute frozen features (default: one per core; 0: none)
  --cache [DIR]         keep frozen features on disk and reuse them in later runs (default DIR ${DEFAULT_FEATURE_CACHE_DIR})`;

/** Reads --workers and --cache; returns them and the other arguments, in order. */
export function takeParallelArgs(argv: readonly string[], cores = availableParallelism()): { parallel: ParallelConfig; rest: string[] } {
  const parallel: ParallelConfig = { workers: cores, cacheDir: null };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--workers') {
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (value === undefined || !(Number.isInteger(n) && n >= 0)) {
        throw new InvalidEvaluateArgsError(`--workers is "${value ?? ''}"; expected a whole number (0 for none).`);
      }
      parallel.workers = n;
    } else if (name === '--cache') {
      const next = argv[i + 1];
      parallel.cacheDir = inline ?? (next !== undefined && !next.startsWith('--') ? (i++, next) : DEFAULT_FEATURE_CACHE_DIR);
    } else {
      rest.push(argv[i]);
    }
  }
  return { parallel, rest };
}
