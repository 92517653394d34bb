import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCaffeInput } from '../data/preprocess';
import { loadForNetwork } from '../../../scripts/lib/node-images';
import { imagenetClasses, loadGoogLeNet, SHARED_DIR } from '../../../scripts/lib/node-model';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

const CHECK = join(SHARED_DIR, 'data', 'imagenet-check');

function top(probs: Float32Array, k: number): number[] {
  return Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, k);
}

describe.skipIf(!existsSync(CHECK))('converted GoogLeNet predicts ImageNet classes (Node, wasm backend)', () => {
  let probs: Record<string, Float32Array>;
  beforeAll(async () => {
    await useWasmBackend();
    const model = await loadGoogLeNet();
    const names = ['chelsea', 'coffee', 'rocket'];
    const input = new Float32Array(names.length * 224 * 224 * 3);
    names.forEach((n, i) => writeCaffeInput(loadForNetwork(join(CHECK, `${n}.jpg`), 224), input, i));
    const x = tf.tensor4d(input, [names.length, 224, 224, 3]);
    const y = model.predict(x) as tf.Tensor2D;
    const all = y.dataSync() as Float32Array;
    probs = Object.fromEntries(names.map((n, i) => [n, all.slice(i * 1000, (i + 1) * 1000)]));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('has the 1000 ImageNet classes', () => {
    expect(imagenetClasses()).toHaveLength(1000);
  });
  it('sees a cat in chelsea.jpg (top-1 is tabby 281, tiger cat 282 or Egyptian cat 285)', () => {
    expect([281, 282, 285]).toContain(top(probs.chelsea, 1)[0]);
  });
  it('sees an espresso in coffee.jpg (top-1 is 967 with p > 0.9)', () => {
    expect(top(probs.coffee, 1)[0]).toBe(967);
    expect(probs.coffee[967]).toBeGreaterThan(0.9);
  });
  it('has missile (657) in the top 5 for rocket.jpg', () => {
    expect(top(probs.rocket, 5)).toContain(657);
  });
});
