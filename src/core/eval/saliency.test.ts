import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadForNetwork } from '../../../scripts/lib/node-images';
import { loadGoogLeNet, SHARED_DIR } from '../../../scripts/lib/node-model';
import { type RgbImage, writeCaffeInput } from '../data/preprocess';
import { mulberry32 } from '../data/random';
import { buildClassifier, disposeNetwork } from '../model/classifier';
import { MODEL_DIR } from '../../../scripts/lib/node-model';
import { heatmapArgmax, heatmapToRgba, jetColour, upsampleHeatmap } from './heatmap';
import { gradCam, prepareGradCam } from './saliency';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

type Quadrant = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
const QUADRANTS: Quadrant[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
const quadrantOf = (x: number, y: number, size: number): Quadrant =>
  `${y < size / 2 ? 'top' : 'bottom'}-${x < size / 2 ? 'left' : 'right'}` as Quadrant;

/**
 * A network whose answer is known: 1x1 conv 'features' (channel 0 = red, channel 1 = green, ReLU), global
 * average pool, dense with logits [red - green, green - red]. Class 0 is "red", class 1 is "green".
 */
function colourNet(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  const features = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'features', useBias: false })
    .apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, useBias: false, name: 'logits' }).apply(pooled) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax' }).apply(logits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: probs });
  model.getLayer('features').setWeights([tf.tensor4d([1, 0, 0, 1, 0, 0], [1, 1, 3, 2])]);
  model.getLayer('logits').setWeights([tf.tensor2d([[1, -1], [-1, 1]])]);
  return model;
}

/** Faint noise everywhere, a red 4x4 patch in one quadrant and a green one in another. */
function twoPatchImage(red: Quadrant, green: Quadrant, seed: number): tf.Tensor4D {
  const rand = mulberry32(seed);
  const data = new Float32Array(16 * 16 * 3).map(() => 0.2 * rand());
  const paint = (q: Quadrant, channel: number) => {
    const x0 = (q.endsWith('left') ? 0 : 8) + 2 + Math.floor(rand() * 3);
    const y0 = (q.startsWith('top') ? 0 : 8) + 2 + Math.floor(rand() * 3);
    for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) data[(y * 16 + x) * 3 + channel] = 1;
  };
  paint(red, 0);
  paint(green, 1);
  return tf.tensor4d(data, [1, 16, 16, 3]);
}

describe('Grad-CAM on a network whose answer is known', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('puts the maximum in the quadrant that decides the class, for every pair of quadrants and both classes', async () => {
    const model = colourNet();
    const cam = prepareGradCam(model, 'features');
    let seed = 1;
    for (const red of QUADRANTS) {
      for (const green of QUADRANTS.filter((q) => q !== red)) {
        const x = twoPatchImage(red, green, seed++);
        const asRed = await gradCam(cam, x, { classIndex: 0 });
        const asGreen = await gradCam(cam, x, { classIndex: 1 });
        const top = (r: typeof asRed) => heatmapArgmax(r.heatmap);
        expect([red, green, quadrantOf(top(asRed).x, top(asRed).y, 16)]).toEqual([red, green, red]);
        expect([red, green, quadrantOf(top(asGreen).x, top(asGreen).y, 16)]).toEqual([red, green, green]);
        expect(top(asRed).value).toBe(1);
        x.dispose();
      }
    }
    model.dispose();
  });

  it('explains the predicted class by default and reports its probability', async () => {
    const model = colourNet();
    const x = twoPatchImage('top-left', 'bottom-right', 7);
    const r = await gradCam(model, x, { layerName: 'features' });
    const probs = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    expect(r.classIndex).toBe(probs.indexOf(Math.max(...probs)));
    expect(r.probability).toBeCloseTo(probs[r.classIndex], 5);
    expect([r.heatmap.width, r.heatmap.height]).toEqual([16, 16]);
    expect(Math.min(...r.heatmap.values)).toBeGreaterThanOrEqual(0);
    tf.dispose(x);
    model.dispose();
  });

  it('leaves tf.memory().numTensors as it found it', async () => {
    const model = colourNet();
    const cam = prepareGradCam(model, 'features');
    const x = twoPatchImage('top-right', 'bottom-left', 3);
    await gradCam(cam, x); // first call may create lazily-made tensors (none expected, but not what is measured)
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await gradCam(cam, x, { classIndex: i % 2 });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('rejects a batch of images and a class the model does not have', async () => {
    const model = colourNet();
    const two = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const one = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expect(gradCam(model, two, { layerName: 'features' })).rejects.toThrow(/one image/);
    await expect(gradCam(model, one, { layerName: 'features', classIndex: 2 })).rejects.toThrow(/class 2/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([one, two]);
    model.dispose();
  });
});

describe('heatmap helpers', () => {
  it('upsamples bilinearly at pixel centres: a 2x2 map to 4x4 keeps corners and interpolates between', () => {
    const up = upsampleHeatmap({ width: 2, height: 2, values: Float32Array.from([0, 1, 1, 0]) }, 4);
    // Hand computation: output pixel centre x=0.5 maps to input 0.5*0.5-0.5 = -0.25 -> clamped 0; x=1.5 -> 0.25.
    expect(Array.from(up.values.slice(0, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(up.values[5]).toBeCloseTo(0.25 * 0.75 + 0.75 * 0.25, 6); // (x 0.25, y 0.25) between 0,1 / 1,0
    expect([up.width, up.height]).toEqual([4, 4]);
  });

  it('colours 0 dark blue, 0.5 green-ish and 1 dark red (jet), with the overlay\'s opacity as alpha', () => {
    expect(jetColour(0)).toEqual([0, 0, 128]);
    expect(jetColour(0.5)).toEqual([128, 255, 128]);
    expect(jetColour(1)).toEqual([128, 0, 0]);
    const rgba = heatmapToRgba({ width: 2, height: 1, values: Float32Array.from([0, 1]) }, { opacity: 0.4 });
    expect(Array.from(rgba)).toEqual([0, 0, 128, 102, 128, 0, 0, 102]);
    expect(() => heatmapToRgba({ width: 1, height: 1, values: Float32Array.from([0]) }, { opacity: 2 })).toThrow(/opacity/);
  });
});

const CHECK = join(SHARED_DIR, 'data', 'imagenet-check');

/** Columns [from, from + 112) of a 224 px image, as a 224 x 112 strip. */
function strip(img: RgbImage, from: number): Uint8Array {
  const out = new Uint8Array(224 * 112 * 3);
  for (let y = 0; y < 224; y++) out.set(img.data.subarray((y * 224 + from) * 3, (y * 224 + from + 112) * 3), y * 112 * 3);
  return out;
}

describe.skipIf(!existsSync(CHECK))('Grad-CAM on the real GoogLeNet (Node, wasm backend, 224 px)', () => {
  const asInput = (img: RgbImage) => {
    const data = new Float32Array(224 * 224 * 3);
    writeCaffeInput(img, data, 0);
    return tf.tensor4d(data, [1, 224, 224, 3]);
  };

  it('finds the cat in chelsea.jpg, and tells the cat from the espresso cup when both are in one picture', async () => {
    await useWasmBackend();
    const model = await loadGoogLeNet();
    const cam = prepareGradCam(model); // inception_5b: a 7x7 map, one cell per 32 px
    expect(cam.layerName).toBe('inception_5b_output');

    // chelsea.jpg centre-cropped as the app does: the cat's face fills it, with background only at the top
    // corners and the left and right edges (looked at: eyes near (70, 100) and (185, 105), nose at (140, 180)).
    const cat = loadForNetwork(join(CHECK, 'chelsea.jpg'), 224);
    const x = asInput(cat);
    const before = tf.memory().numTensors;
    const r = await gradCam(cam, x);
    expect(tf.memory().numTensors).toBe(before);
    expect([281, 282, 285]).toContain(r.classIndex); // tabby, tiger cat or Egyptian cat, as googlenet.test.ts
    const peak = heatmapArgmax(upsampleHeatmap(r.heatmap, 224));
    expect(peak.x).toBeGreaterThan(30);
    expect(peak.x).toBeLessThan(200);
    expect(peak.y).toBeGreaterThan(40);
    x.dispose();

    // Left half: the middle of the cat photo (both eyes' inner halves and the nose); right half: the middle of
    // coffee.jpg (the espresso cup). The cat class must light up the left, espresso (967) the right.
    const coffee = loadForNetwork(join(CHECK, 'coffee.jpg'), 224);
    const left = strip(cat, 56);
    const right = strip(coffee, 56);
    const data = new Uint8Array(224 * 224 * 3);
    for (let y = 0; y < 224; y++) {
      data.set(left.subarray(y * 336, (y + 1) * 336), y * 672);
      data.set(right.subarray(y * 336, (y + 1) * 336), y * 672 + 336);
    }
    const both = asInput({ width: 224, height: 224, data });
    const asCat = await gradCam(cam, both, { classIndex: r.classIndex });
    const asEspresso = await gradCam(cam, both, { classIndex: 967 });
    const side = (h: typeof asCat) => (heatmapArgmax(upsampleHeatmap(h.heatmap, 224)).x < 112 ? 'left' : 'right');
    expect([side(asCat), side(asEspresso)]).toEqual(['left', 'right']);
    both.dispose();
    disposeNetwork(model);
  }, 180_000);
});

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('Grad-CAM above the native size, through a GeM head (real weights, wasm backend)', () => {
  it('gives an (input / 32)-sided map at 256 px (8x8), finite, scaled to a maximum of 1, freeing its tensors', async () => {
    await useWasmBackend();
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, { numClasses: 2, headOn: 'pool5', headPooling: 'gem', freezeUpTo: 'all', dropout: 0.4, seed: 4, featureScale: 0.1 });
    const rand = mulberry32(8);
    const x = tf.tensor4d(Float32Array.from({ length: 256 * 256 * 3 }, () => 200 * rand() - 100), [1, 256, 256, 3]);
    try {
      const cam = prepareGradCam(net);
      expect(cam.layerName).toBe('inception_5b_output');
      const before = tf.memory().numTensors;
      for (const classIndex of [0, 1]) {
        const r = await gradCam(cam, x, { classIndex });
        expect([r.heatmap.width, r.heatmap.height]).toEqual([8, 8]);
        expect(r.heatmap.values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
        expect(Math.max(...r.heatmap.values)).toBe(1); // the GeM gradient reaches the maps (a NaN or zero one would not)
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      x.dispose();
      disposeNetwork(net.model, base);
    }
  }, 120_000);
});
