/**
 * `npm run evaluate:pytorch -- <npm run evaluate flags> [--threads N] [--python PATH]`: the same experiment as
 * `npm run evaluate` (data, split, settings, starting network, summary), trained by the studio's exported PyTorch
 * job (train.py) on this computer's CPU. See scripts/evaluate/pytorch-job.ts and scripts/evaluate/README.md.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { installBackend } from './evaluate/backend';
import { describeFailure } from './evaluate/failure';
import { InvalidEvaluateArgsError, parseEvaluateArgs } from './evaluate/options';
import { PytorchJobError, runPytorchEvaluation } from './evaluate/pytorch-job';
import { headline } from './evaluate/run';
import { findTorchPython } from './lib/python-torch';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** Takes --threads and --python out of the arguments; the rest are `npm run evaluate`'s. */
function takeJobArgs(argv: readonly string[]): { threads: number; python: string | null; rest: string[] } {
  let threads = availableParallelism();
  let python: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--threads' || name === '--python') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new InvalidEvaluateArgsError(`${name} needs a value.`);
      if (name === '--python') python = value;
      else {
        threads = Number(value);
        if (!(Number.isInteger(threads) && threads >= 1)) throw new InvalidEvaluateArgsError(`--threads is "${value}"; expected a whole number of at least 1.`);
      }
    } else rest.push(argv[i]);
  }
  return { threads, python, rest };
}

async function main(): Promise<void> {
  const typed = process.argv.slice(2);
  const { threads, python: given, rest } = takeJobArgs(typed);
  const config = parseEvaluateArgs(rest);
  const python = given ?? findTorchPython();
  if (!python) throw new PytorchJobError('No Python with PyTorch found: install Debian\'s python3-torch (apt-get install -y python3-torch) or pass --python PATH.');
  // tfjs only builds the starting network (feature scale, safetensors): the training itself is PyTorch's.
  await installBackend('wasm');
  const { metricsPath, metrics } = await runPytorchEvaluation(
    { config, log, command: `npm run evaluate:pytorch -- ${typed.join(' ')}` }, { python, threads },
  );
  const shown = (metrics.test ?? metrics.validation) as Parameters<typeof headline>[0];
  log(`${shown.set}: ${Object.entries(headline(shown)).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  process.stdout.write(`${metricsPath}\n`);
  void tf;
}

main().catch((e: unknown) => {
  // pytorch-job.ts (and its ?raw imports) stays out of failure.ts, which the plain evaluate command loads.
  if (e instanceof PytorchJobError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  const { message, exitCode } = describeFailure(e);
  process.stderr.write(`${message}\n`);
  process.exit(exitCode);
});
