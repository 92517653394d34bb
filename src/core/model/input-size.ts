/**
 * Which input sizes GoogLeNet accepts here (tfjs-free, so the UI can check settings without loading tfjs).
 * Caffe pools round up (ceil mode); for 3x3/2 pools on even sizes that equals TF's 'same' padding, so every
 * pooled map must be even: multiples of 32 from 64.
 */
export const GOOGLENET_MIN_INPUT = 64;
export const GOOGLENET_SIZE_STEP = 32;

export class InvalidInputSizeError extends Error {
  override name = 'InvalidInputSizeError';
  constructor(readonly size: number) {
    super(
      `Input size ${size} px is not supported: GoogLeNet needs a multiple of ${GOOGLENET_SIZE_STEP} ` +
        `of at least ${GOOGLENET_MIN_INPUT} px (e.g. 64, 96, 128, 160, 224).`,
    );
  }
}

export function assertValidInputSize(size: number): void {
  if (!Number.isInteger(size) || size < GOOGLENET_MIN_INPUT || size % GOOGLENET_SIZE_STEP !== 0) {
    throw new InvalidInputSizeError(size);
  }
}
