import { describe, expect, it } from 'vitest';
import type { ImageSource } from '../../src/core/data/image-source';
import { featureSources, MIN_SHARED_STEP_SIZE } from './feature-extraction';
import type { WorkerPool } from './pool';

/** The wiring only: which hooks a run gets from a pool of `size` threads (nothing is computed here). */
function hooks(size: number, inputSize: number, backend = 'wasm') {
  const images = {} as ImageSource;
  const pool = { size, images: () => images } as unknown as WorkerPool;
  const s = featureSources({ pool, store: null, backend, diskImages: images, pathOf: (id) => id, inputSize, preprocessing: 'fov' });
  return { step: s.shareStep !== undefined, predict: s.sharePredict !== undefined, computedBy: s.computedBy };
}

describe('evaluate: which work the worker pool takes', () => {
  it(`shares steps and predictions on wasm with two threads or more, from ${MIN_SHARED_STEP_SIZE} px`, () => {
    expect(hooks(2, 224)).toEqual({ step: true, predict: true, computedBy: '2 worker threads' });
    expect(hooks(2, MIN_SHARED_STEP_SIZE)).toMatchObject({ step: true, predict: true });
    // Below: copying the weights to each thread every step costs more than the half step saves (96 px measured).
    expect(hooks(2, 96)).toEqual({ step: false, predict: false, computedBy: '2 worker threads' });
    expect(hooks(1, 224)).toMatchObject({ step: false, predict: false });
    expect(hooks(2, 224, 'webgpu')).toEqual({ step: false, predict: false, computedBy: 'main thread' });
  });
});
