/**
 * Cutting a layers model in two at a layer's output: image -> features at the cut, and features -> output,
 * sharing the original layers (hence weights). What saliency needs to take gradients with respect to an
 * inner block's feature maps; the same idea as classifier.ts's frozen prefix / trainable suffix.
 */
import * as tf from '@tensorflow/tfjs';

export interface SplitModel {
  /** image -> the cut layer's output. */
  toCut: tf.LayersModel;
  /** the cut layer's output -> `output` (by default the model's output). */
  fromCut: tf.LayersModel;
}

export class UnknownLayerError extends Error {
  override name = 'UnknownLayerError';
  constructor(readonly layerName: string, modelName: string) {
    super(`The model '${modelName}' has no layer named '${layerName}'.`);
  }
}

/** The output of a layer in the graph it was built in (a layer reused by several models has several nodes). */
export function layerOutput(model: tf.LayersModel, layerName: string): tf.SymbolicTensor {
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) throw new UnknownLayerError(layerName, model.name);
  return layer.inboundNodes[0].outputTensors[0] as tf.SymbolicTensor;
}

/**
 * The tensor a classifier's scores are read from: the input of a final softmax (the logits), or the output
 * itself when the model does not end in one. Grad-CAM differentiates the pre-softmax score.
 */
export function scoreTensor(model: tf.LayersModel): tf.SymbolicTensor {
  const out = model.outputs[0];
  const layer = out.sourceLayer as tf.layers.Layer;
  const config = layer.getConfig();
  const isSoftmax = layer.getClassName() === 'Softmax' || (layer.getClassName() === 'Activation' && config.activation === 'softmax');
  return isSoftmax ? (layer.inboundNodes[0].inputTensors[0] as tf.SymbolicTensor) : out;
}

/**
 * Re-applies the layers of `full` downstream of `cut` to a new input, giving a model from the cut's features to
 * `output`. model.layers is in topological order: every layer whose inputs all descend from the cut is re-applied.
 * Layers (hence weights) are shared with `full`.
 */
export function modelFromCut(
  full: tf.LayersModel, cut: tf.SymbolicTensor, output: tf.SymbolicTensor, names: { input: string; model: string },
): tf.LayersModel {
  const input = tf.input({ shape: cut.shape.slice(1), name: names.input });
  const mapped = new Map<number, tf.SymbolicTensor>([[cut.id, input]]);
  for (const layer of full.layers) {
    const node = layer.inboundNodes[0];
    const ins = node.inputTensors as tf.SymbolicTensor[];
    if (ins.length === 0 || !ins.every((t) => mapped.has(t.id))) continue;
    const args = ins.map((t) => mapped.get(t.id)!);
    const out = layer.apply(args.length === 1 ? args[0] : args) as tf.SymbolicTensor;
    mapped.set((node.outputTensors[0] as tf.SymbolicTensor).id, out);
  }
  const result = mapped.get(output.id);
  if (!result) throw new Error(`the output ${output.name} does not depend on the cut at ${cut.name} alone`);
  return tf.model({ inputs: input, outputs: result, name: names.model });
}

/** Splits `model` at the output of `cutLayer`; `output` defaults to the model's output. */
export function splitAtLayer(model: tf.LayersModel, cutLayer: string, output: tf.SymbolicTensor = model.outputs[0]): SplitModel {
  const cut = layerOutput(model, cutLayer);
  const toCut = tf.model({ inputs: model.inputs, outputs: cut, name: `${model.name}_to_${cutLayer}` });
  const fromCut = modelFromCut(model, cut, output, { input: `${cutLayer}_features`, model: `${model.name}_from_${cutLayer}` });
  return { toCut, fromCut };
}
