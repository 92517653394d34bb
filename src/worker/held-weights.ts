/**
 * Moving loaded models to another tfjs backend when the user switches: every weight is read off the old backend
 * (as plain arrays) before the switch and written back on the new one after it, in place, so the models, and
 * everything that shares their layers (a Grad-CAM model), keep working without being loaded again.
 */
import * as tf from '@tensorflow/tfjs';

export interface HeldWeights {
  variables: tf.LayerVariable[];
  values: tf.TypedArray[];
}

/** Each distinct weight of `models` (pretrained layers are shared by a run's network and its base) and its values. */
export async function holdWeights(...models: (tf.LayersModel | null | undefined)[]): Promise<HeldWeights> {
  const variables = [...new Set(models.flatMap((m) => m?.layers.flatMap((l) => l.weights) ?? []))];
  const values = await Promise.all(variables.map((v) => v.read().data()));
  return { variables, values };
}

/** Writes the held values back, now on the backend tfjs runs (the old data is released from the old one). */
export function restoreWeights(held: HeldWeights): void {
  held.variables.forEach((v, i) => {
    const value = tf.tensor(held.values[i], v.read().shape, v.dtype);
    v.write(value);
    value.dispose();
  });
}
