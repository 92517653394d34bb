/**
 * From scratch: every weight of a pretrained network drawn anew, for the baseline run that shows what the
 * ImageNet weights are worth. Kernels get He-normal values (He et al. 2015, the usual start for ReLU
 * networks: variance 2 / fan-in), biases zeros; each layer's draw is seeded from `seed` and its position.
 */
import * as tf from '@tensorflow/tfjs';

/** Replaces, in place, every weight of `model` with a fresh random start (see above). Returns how many weights were drawn. */
export function reinitialiseWeights(model: tf.LayersModel, seed: number): number {
  let drawn = 0;
  model.layers.forEach((layer, layerIndex) => {
    const weights = layer.getWeights();
    if (weights.length === 0) return;
    const fresh = tf.tidy(() => weights.map((w, i) => {
      if (w.rank < 2) return tf.zerosLike(w);
      const init = tf.initializers.heNormal({ seed: seed * 1009 + layerIndex * 31 + i });
      return init.apply(w.shape, 'float32');
    }));
    layer.setWeights(fresh);
    tf.dispose(fresh);
    drawn += weights.length;
  });
  return drawn;
}
