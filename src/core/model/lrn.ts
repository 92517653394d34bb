import * as tf from '@tensorflow/tfjs';

/**
 * Caffe's Local Response Normalization across channels (`norm_region: ACROSS_CHANNELS`):
 *   y = x / (k + alpha / size * sum_{c' in window(c)} x_{c'}^2) ^ beta
 * which is tfjs's `localResponseNormalization` with depthRadius = (size - 1) / 2 and alpha / size.
 * tfjs-layers has no LRN layer; anyone loading a Fovea model registers this one (see README).
 */
export interface LRNLayerArgs {
  /** Number of channels summed over, odd. Defaults to 5 (Caffe's default). */
  size?: number;
  /** Scaling parameter, as Caffe's `alpha` (divided by `size` inside). Defaults to 1e-4. */
  alpha?: number;
  /** Exponent. Defaults to 0.75. */
  beta?: number;
  /** Additive constant k. Defaults to 1. */
  k?: number;
  name?: string;
  trainable?: boolean;
}

export class LRN extends tf.layers.Layer {
  static className = 'LRN';
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(args: LRNLayerArgs = {}) {
    super(args);
    this.size = args.size ?? 5;
    this.alpha = args.alpha ?? 1e-4;
    this.beta = args.beta ?? 0.75;
    this.k = args.k ?? 1;
    if (!Number.isInteger(this.size) || this.size < 1 || this.size % 2 === 0) {
      throw new Error(`LRN size must be a positive odd integer, got ${this.size}`);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.localResponseNormalization(
      x as tf.Tensor4D,
      (this.size - 1) / 2,
      this.k,
      this.alpha / this.size,
      this.beta,
    );
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size, alpha: this.alpha, beta: this.beta, k: this.k };
  }
}
tf.serialization.registerClass(LRN);
