import * as tf from '@tensorflow/tfjs';

/**
 * Global generalised-mean (GeM) pooling (Radenovic, Tolias & Chum 2018) of an NHWC map, per channel:
 *   y_c = (mean_{h,w} max(x_{h,w,c}, epsilon)^power)^(1 / power)
 * power 1 is the average, large powers approach the maximum; p = 3 keeps a small strong response (a
 * microaneurysm in a few cells of a 16x16 map) that an average dilutes, while still reading every cell.
 * The power is fixed (a parameter-free layer); the floor epsilon keeps the gradient of the 1/p root finite
 * where a channel is zero everywhere (Radenovic's `clamp(min=eps)`, which also does ReLU's job).
 * tfjs-layers has no GeM layer; anyone loading a model with one registers this class (see README).
 */
export interface GlobalGeMPooling2DLayerArgs {
  /** The exponent p, at least 1. Defaults to 3 (Radenovic et al.'s fixed choice). */
  power?: number;
  /** Floor applied before the power. Defaults to 1e-6 (as Radenovic et al.'s code). */
  epsilon?: number;
  name?: string;
  trainable?: boolean;
}

export class GlobalGeMPooling2D extends tf.layers.Layer {
  static className = 'GlobalGeMPooling2D';
  readonly power: number;
  readonly epsilon: number;

  constructor(args: GlobalGeMPooling2DLayerArgs = {}) {
    super(args);
    this.power = args.power ?? 3;
    this.epsilon = args.epsilon ?? 1e-6;
    if (!(Number.isFinite(this.power) && this.power >= 1)) throw new Error(`GeM power must be a number of at least 1, got ${this.power}`);
    if (!(this.epsilon > 0)) throw new Error(`GeM epsilon must be positive, got ${this.epsilon}`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.pow(tf.mean(tf.pow(tf.maximum(x, this.epsilon), this.power), [1, 2]), 1 / this.power));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[3]];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), power: this.power, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(GlobalGeMPooling2D);
