/**
 * What an input size costs, from GoogLeNet's architecture alone (no tfjs, so the Train screen can say it as the
 * size changes): time relative to the native 224 px, the activation memory of a batch, and a batch size that
 * fits a memory budget. Estimates, meant to compare sizes, not to predict a particular GPU.
 */
import { BLOCKS, NATIVE_INPUT_SIZE } from '../train/config';
import { assertValidInputSize } from './input-size';

/** Branch widths of each inception module (GoogLeNet paper, Table 1; BVLC's deploy.prototxt): 1x1 | 3x3
 * reduce, 3x3 | 5x5 reduce, 5x5 | pool projection. The same numbers as diagram.ts and torch/model.py. */
const INCEPTION: Record<string, [number, number, number, number, number, number]> = {
  inception_3a: [64, 96, 128, 16, 32, 32],
  inception_3b: [128, 128, 192, 32, 96, 64],
  inception_4a: [192, 96, 208, 16, 48, 64],
  inception_4b: [160, 112, 224, 24, 64, 64],
  inception_4c: [128, 128, 256, 24, 64, 64],
  inception_4d: [112, 144, 288, 32, 64, 64],
  inception_4e: [256, 160, 320, 32, 128, 128],
  inception_5a: [256, 160, 320, 32, 128, 128],
  inception_5b: [384, 192, 384, 48, 128, 128],
};

/** Bytes of a float32. */
const FLOAT_BYTES = 4;
/** Training keeps each activation and its gradient, plus the backward pass's temporaries: about 3x a forward pass. */
export const TRAINING_MEMORY_FACTOR = 3;
/** The memory a suggested batch must fit in: 2 GiB, what most laptop GPUs give a browser tab without trouble. */
export const MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;
/** Suggested batch sizes are powers of two up to this (the studio's default batch). */
export const MAX_SUGGESTED_BATCH = 16;

/**
 * Values every layer of the converted GoogLeNet outputs for one image of `inputSize` px, up to pool5 (conv1's
 * zero padding, each convolution with its fused ReLU, pools, LRNs, each inception branch and concatenation).
 */
export function activationValuesPerImage(inputSize: number): number {
  assertValidInputSize(inputSize);
  const area = (stride: number) => (inputSize / stride) ** 2;
  let values = (inputSize + 6) ** 2 * 3 // conv1's 3-pixel zero padding
    + area(2) * 64 // conv1
    + area(4) * 64 * 2 // pool1, norm1
    + area(4) * (64 + 192 + 192) // conv2 reduce, conv2, norm2
    + area(8) * 192; // pool2
  let channels = 192;
  for (const block of BLOCKS.slice(2)) {
    const stride = block.startsWith('inception_3') ? 8 : block.startsWith('inception_4') ? 16 : 32;
    if (block === 'inception_4a' || block === 'inception_5a') values += area(stride) * channels; // pool3, pool4
    const [n1x1, n3x3reduce, n3x3, n5x5reduce, n5x5, poolProj] = INCEPTION[block];
    const out = n1x1 + n3x3 + n5x5 + poolProj;
    // the branches, the branch's 3x3 max pool of the input (as wide as the input), and the concatenation
    values += area(stride) * (n1x1 + n3x3reduce + n3x3 + n5x5reduce + n5x5 + poolProj + channels + out);
    channels = out;
  }
  return values + channels; // pool5
}

export interface InputSizeCost {
  inputSize: number;
  /** Time per image relative to 224 px: (size / 224)^2, as every layer's work grows with the pixel count. */
  relativeTime: number;
  /** Activation memory of one forward pass over the batch, in bytes. */
  forwardBytes: number;
  /** Estimated memory to train through the backbone at this batch size (forward x TRAINING_MEMORY_FACTOR), in bytes. */
  trainingBytes: number;
  /** The largest power of two up to MAX_SUGGESTED_BATCH whose training estimate fits MEMORY_BUDGET_BYTES (at least 1). */
  suggestedBatchSize: number;
}

/** The cost of training at `inputSize` px with batches of `batchSize` images (see InputSizeCost). */
export function estimateInputSizeCost(inputSize: number, batchSize: number): InputSizeCost {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`batch size must be a whole number of at least 1, got ${batchSize}`);
  const perImage = activationValuesPerImage(inputSize) * FLOAT_BYTES;
  let suggestedBatchSize = MAX_SUGGESTED_BATCH;
  while (suggestedBatchSize > 1 && suggestedBatchSize * perImage * TRAINING_MEMORY_FACTOR > MEMORY_BUDGET_BYTES) suggestedBatchSize /= 2;
  return {
    inputSize,
    relativeTime: (inputSize / NATIVE_INPUT_SIZE) ** 2,
    forwardBytes: perImage * batchSize,
    trainingBytes: perImage * batchSize * TRAINING_MEMORY_FACTOR,
    suggestedBatchSize,
  };
}
