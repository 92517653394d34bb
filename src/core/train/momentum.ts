/**
 * SGD with momentum and per-variable L2 decay: tfjs's MomentumOptimizer (same slots, slot names, formulas and
 * float32 order, so saved optimizer state and `getClassName() === 'Momentum'` hold) with the decay handed to it,
 * so that where the backend has Fovea's fused kernel (wasm: {@link MOMENTUM_STEP}, SIMD) each variable's step is
 * one pass instead of six element-wise kernels. Elsewhere it runs tfjs's ops, as before.
 */
import * as tf from '@tensorflow/tfjs';
import { MOMENTUM_STEP } from '../kernels/wasm/momentum_step';

export interface DecayedGradient {
  variable: tf.Variable;
  gradient: tf.Tensor;
  /** L2 coefficient: the gradient gets value x decay added (0: none, as for biases). */
  decay: number;
}

/** tfjs's private slot, one per variable by position. */
type Slot = { originalName: string; variable: tf.Variable };

export class DecayedMomentumOptimizer extends tf.MomentumOptimizer {
  constructor(learningRate: number, private readonly momentumValue: number) {
    super(learningRate, momentumValue, false);
  }

  /**
   * One step: for each entry, in a fixed order (slots are matched by position, as tfjs's applyGradients does),
   * accumulation = momentum x accumulation + (gradient + value x decay); value += -learningRate x accumulation.
   */
  applyDecayedGradients(entries: readonly DecayedGradient[]): void {
    const slots = (this as unknown as { accumulations: Slot[] }).accumulations;
    const fused = tf.getKernel(MOMENTUM_STEP, tf.getBackend()) !== undefined;
    const { learningRate, momentumValue: momentum } = this;
    entries.forEach(({ variable, gradient, decay }, i) => {
      slots[i] ??= { originalName: `${variable.name}/momentum`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
      const accumulation = slots[i].variable;
      tf.tidy(() => {
        if (fused) {
          const [acc, value] = tf.engine().runKernel(MOMENTUM_STEP, { value: variable, accumulation, gradient },
            { learningRate, momentum, decay }) as tf.Tensor[];
          accumulation.assign(acc);
          variable.assign(value);
        } else {
          // tfjs's MomentumOptimizer.applyGradients (its scalars m and c = -learningRate), after the decayed gradient.
          const { m, c } = this as unknown as { m: tf.Scalar; c: tf.Scalar };
          const g = decay > 0 ? tf.add(gradient, tf.mul(variable, decay)) : gradient;
          const acc = tf.add(tf.mul(m, accumulation), g);
          accumulation.assign(acc);
          variable.assign(tf.add(tf.mul(c, acc), variable));
        }
      });
    });
    this.incrementIterations();
  }
}
