import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16 } from '../core/data/float16';
import { imagesFrom } from '../core/data/image-source';
import type { RgbImage } from '../core/data/preprocess';
import { resolveTrainConfig } from '../core/train/config';
import { inputBatch, type FeatureRequest, type Sample } from '../core/train/trainer';
import { keptFeaturesOf, openProjectDb } from '../storage/project-db';
import { keptFeatures, type KeptFeatureStats } from './kept-features';

const SIZE = 8;
/** A distinct small image per id. */
const imageOf = (id: string): RgbImage => ({
  width: SIZE, height: SIZE, data: Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i * 7 + id.charCodeAt(id.length - 1) * 13) % 256),
});

describe('the kept feature cache (scenarios 1 and 3)', () => {
  let prefix: tf.LayersModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    // A stand-in frozen prefix: a seeded 3x3 convolution and a global max pool, image -> a 4-vector that differs by
    // image and by rotation.
    const input = tf.input({ shape: [null, null, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
    prefix = tf.model({ inputs: input, outputs: tf.layers.globalMaxPooling2d({}).apply(conv) as tf.SymbolicTensor });
  });

  const samples: Sample[] = ['a', 'b', 'c'].flatMap((id) => [0, 1, 2, 3].map((rotation) => ({ id, rotation })));
  const request = (count: { loads: number }): [FeatureRequest, ReturnType<typeof imagesFrom>] => {
    const source = imagesFrom((id) => { count.loads += 1; return imageOf(id); });
    return [{
      prefix, config: { ...resolveTrainConfig({ scenario: 'linear-top' }), inputSize: SIZE, batchSize: 5 }, classCount: 2, samples,
      featureShape: [4], onProgress: async () => false,
    }, source];
  };

  it('computes features once, keeps them, and gives the same float16-rounded values without reading an image the second time', async () => {
    const db = await openProjectDb(`fovea-kept-${Math.random()}`);
    const first: KeptFeatureStats = { reused: 0, computed: 0 };
    const loads1 = { loads: 0 };
    const [req1, src1] = request(loads1);
    const computed = (await keptFeatures(db, 'key-1', req1, src1, first))!;
    expect(first).toEqual({ reused: 0, computed: 12 });
    expect(loads1.loads).toBeGreaterThan(0);

    // The run's values are the prefix's own on the rotated images, rounded through float16 (so that a run on kept
    // features equals this one).
    const x = await inputBatch({ images: imagesFrom(imageOf) }, samples, SIZE);
    const y = prefix.predict(x) as tf.Tensor;
    const exact = (await y.data()) as Float32Array;
    tf.dispose([x, y]);
    expect(Array.from(computed)).toEqual(Array.from(decodeFloat16(encodeFloat16(exact))));
    expect(Math.max(...computed.map((v, i) => Math.abs(v - exact[i]) / Math.max(1e-3, Math.abs(exact[i]))))).toBeLessThan(5e-4);

    const second: KeptFeatureStats = { reused: 0, computed: 0 };
    const loads2 = { loads: 0 };
    const [req2, src2] = request(loads2);
    const reused = (await keptFeatures(db, 'key-1', req2, src2, second))!;
    expect(second).toEqual({ reused: 12, computed: 0 });
    expect(loads2.loads).toBe(0);
    expect(Array.from(reused)).toEqual(Array.from(computed));

    // Another key (another size, pooling, preprocessing...) never reads them.
    const other: KeptFeatureStats = { reused: 0, computed: 0 };
    const [req3, src3] = request({ loads: 0 });
    await keptFeatures(db, 'key-2', req3, src3, other);
    expect(other).toEqual({ reused: 0, computed: 12 });

    // Removing an image removes its kept features under every key: only its samples are computed again.
    await db.delete('features', keptFeaturesOf('b'));
    const after: KeptFeatureStats = { reused: 0, computed: 0 };
    const [req4, src4] = request({ loads: 0 });
    expect(Array.from((await keptFeatures(db, 'key-1', req4, src4, after))!)).toEqual(Array.from(computed));
    expect(after).toEqual({ reused: 8, computed: 4 });
    db.close();
  });

  it('computes only the rotations it lacks, and stops when asked', async () => {
    const db = await openProjectDb(`fovea-kept-${Math.random()}`);
    const [req, src] = request({ loads: 0 });
    await keptFeatures(db, 'k', { ...req, samples: samples.filter((s) => s.rotation === 0) }, src);
    const stats: KeptFeatureStats = { reused: 0, computed: 0 };
    await keptFeatures(db, 'k', req, src, stats);
    expect(stats).toEqual({ reused: 3, computed: 9 });
    const cancelled = await keptFeatures(db, 'other', { ...req, onProgress: async (done) => done > 0 }, src);
    expect(cancelled).toBeNull();
    db.close();
  });
});
