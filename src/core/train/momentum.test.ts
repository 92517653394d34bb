import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from '../kernels/wasm';
import { setSimdKernelsEnabled } from '../kernels/wasm/simd/simd';
import { DecayedMomentumOptimizer } from './momentum';

// Lengths with and without a tail after blocks of 4: a 2-class head's bias, a small kernel, a larger one.
const SHAPES = [[2], [3, 3, 5, 7], [1, 1, 64, 33]];
const DECAYS = [0, 2e-4, 0]; // kernels decay, biases do not
const STEPS = 3;

/** Three steps on `backend` from the same weights and gradients, by `step`; the weights and slots after. */
async function train(backend: string, step: (vars: tf.Variable[], grads: tf.Tensor[], k: number) => void) {
  await tf.setBackend(backend);
  const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 10 + i), true, `w${i}-${backend}-${Math.random()}`));
  for (let k = 0; k < STEPS; k++) {
    const grads = SHAPES.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 1000 + 100 * k + i)); // seed 0 would be random
    step(vars, grads, k);
    tf.dispose(grads);
  }
  const values = vars.map((v) => Array.from(v.dataSync()));
  tf.dispose(vars);
  return values;
}

/** tfjs's own MomentumOptimizer on decayed gradients: what Fovea's TrainStep did before the fused step. */
function stock(lr: number, momentum: number) {
  const opt = tf.train.momentum(lr, momentum);
  return {
    opt,
    step: (vars: tf.Variable[], grads: tf.Tensor[]) => tf.tidy(() => (opt as tf.Optimizer).applyGradients(Object.fromEntries(vars.map((v, i) =>
      [v.name, DECAYS[i] > 0 ? grads[i].add(v.mul(DECAYS[i])) : grads[i]])))),
  };
}

function decayed(lr: number, momentum: number) {
  const opt = new DecayedMomentumOptimizer(lr, momentum);
  return { opt, step: (vars: tf.Variable[], grads: tf.Tensor[]) => opt.applyDecayedGradients(vars.map((variable, i) => ({ variable, gradient: grads[i], decay: DECAYS[i] }))) };
}

describe('DecayedMomentumOptimizer (the fused momentum step)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });
  afterEach(() => setSimdKernelsEnabled(true));

  it("gives tfjs's MomentumOptimizer's numbers exactly: fused on wasm (SIMD and its JavaScript reference), tfjs's ops on cpu", async () => {
    for (const backend of ['wasm', 'cpu']) {
      const reference = stock(0.01, 0.9);
      const expected = await train(backend, reference.step);
      reference.opt.dispose();
      for (const simd of backend === 'wasm' ? [true, false] : [true]) {
        setSimdKernelsEnabled(simd);
        const ours = decayed(0.01, 0.9);
        const got = await train(backend, ours.step);
        expect(got, `${backend}${simd ? '' : ', no SIMD'}`).toEqual(expected);
        ours.opt.dispose();
      }
      // The weights moved, and decay mattered (a step without it ends elsewhere).
      expect(expected[1]).not.toEqual(await train(backend, () => undefined));
    }
  });

  it("keeps tfjs's slots: names, order and iterations, restorable into either optimizer", async () => {
    await tf.setBackend('wasm');
    const ours = decayed(0.01, 0.9);
    const reference = stock(0.01, 0.9);
    const make = (who: string) => SHAPES.map((s, i) => tf.variable(tf.ones(s), true, `slot${i}-${who}`));
    const [mine, theirs] = [make('ours'), make('tfjs')];
    const grads = SHAPES.map((s) => tf.ones(s));
    ours.step(mine, grads);
    reference.step(theirs, grads);
    const [a, b] = [await ours.opt.getWeights(), await reference.opt.getWeights()];
    expect(ours.opt.getClassName()).toBe('Momentum');
    expect(a.map((w) => w.name)).toEqual(b.map((w) => w.name.replace('-tfjs', '-ours')));
    expect(a.map((w) => Array.from(w.tensor.dataSync()))).toEqual(b.map((w) => Array.from(w.tensor.dataSync())));
    const restored = new DecayedMomentumOptimizer(0.01, 0.9);
    await restored.setWeights(a);
    expect((await restored.getWeights()).map((w) => w.name)).toEqual(a.map((w) => w.name));
    tf.dispose([...mine, ...theirs, ...grads]);
    [ours.opt, reference.opt, restored].forEach((o) => o.dispose());
  });
});
