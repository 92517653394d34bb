/**
 * How `npm run evaluate` ends when something goes wrong: errors the user can cause (the data, the flags, a training
 * setting) print their plain message; anything else is a bug and prints its stack.
 */
import { InvalidFoldCountError, InvalidSplitConfigError } from '../../src/core/data/split';
import { LabelsCsvError } from '../../src/core/data/labels';
import { LabelPresetError } from '../../src/core/data/presets';
import { InvalidInputSizeError } from '../../src/core/model/input-size';
import { InvalidTrainConfigError } from '../../src/core/train/config';
import { TrainingDataError, TrainingDivergedError } from '../../src/core/train/trainer';
import { ImageDecodeError } from '../lib/node-images';
import { EvaluateDataError } from './dataset';
import { EvalClassesMismatchError } from './folds';
import { EVALUATE_USAGE, InvalidEvaluateArgsError } from './options';
import { PARALLEL_USAGE } from './parallel-options';

/** Errors the data, the flags or the training settings cause: the message says what to do, a stack trace would not. */
const EXPECTED_ERRORS = [
  EvaluateDataError, ImageDecodeError, LabelsCsvError, LabelPresetError, TrainingDataError,
  TrainingDivergedError, InvalidTrainConfigError, InvalidInputSizeError, InvalidSplitConfigError, InvalidFoldCountError,
  EvalClassesMismatchError,
];

/** What the command prints for an error that ends it, and its exit code (2: bad arguments, 1: any other failure). */
export function describeFailure(e: unknown): { message: string; exitCode: number } {
  if (e instanceof InvalidEvaluateArgsError) {
    // --help and argument errors show the usage: add the flags read outside options.ts.
    return { message: e.message.replace(EVALUATE_USAGE, `${EVALUATE_USAGE}\n${PARALLEL_USAGE}`), exitCode: 2 };
  }
  if (EXPECTED_ERRORS.some((kind) => e instanceof kind)) return { message: (e as Error).message, exitCode: 1 };
  return { message: `evaluate failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, exitCode: 1 };
}
