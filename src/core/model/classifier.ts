/**
 * From the pretrained GoogLeNet to the network a run trains: the 1000-class classifier is replaced by a new
 * N-class head (global pool, dropout, dense, softmax) on pool5 or an earlier inception output,
 * layers up to `freezeUpTo` are frozen, and the network is cut in two at the end of the frozen part:
 * a frozen prefix (image -> features, run once per image and rotation by the feature cache) and a trainable
 * suffix (features -> logits). All models share the same layer objects, hence the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { modelFromCut } from './cut-model';
import { GlobalGeMPooling2D } from './pooling';
import { mulberry32, type Random } from '../data/random';
import { BLOCKS, type BlockName, type FreezeUpTo, type HeadFeatures, type HeadPooling, type HeadPosition } from '../train/config';

export interface ClassifierConfig {
  numClasses: number;
  headOn: HeadPosition;
  /** How the maps the head reads are pooled (see HeadPooling). Defaults to 'average'. */
  headPooling?: HeadPooling;
  /** What the head reads (see HeadFeatures). Defaults to 'last'. */
  headFeatures?: HeadFeatures;
  freezeUpTo: FreezeUpTo;
  /** Dropout before the new dense layer. */
  dropout: number;
  /** Seed of the new head's initial weights and of dropout's stream of masks. */
  seed: number;
  /**
   * Constant factor on the pooled features before the head (see measureFeatureScale). Defaults to 1.
   */
  featureScale?: number;
}

export interface FoveaNet {
  /** image (BGR, mean subtracted) -> class probabilities. What is exported. */
  model: tf.LayersModel;
  /** Frozen part: image -> features at the cut; null when nothing is frozen. */
  prefix: tf.LayersModel | null;
  /** Trainable part: features at the cut (or the image when prefix is null) -> logits. */
  suffix: tf.LayersModel;
  /** Variables of the new head, trained at the full learning rate. */
  headVariables: tf.LayerVariable[];
  /** Trainable pretrained variables, trained at learningRate x pretrainedLrMultiplier. */
  pretrainedVariables: tf.LayerVariable[];
}

export const HEAD_LAYER = 'fovea_classifier';

export interface SeededDropoutLayerArgs {
  /** Fraction of inputs zeroed in training, in [0, 1). */
  rate: number;
  /** Seed of the stream the masks' seeds are drawn from. Defaults to 0. */
  seed?: number;
  name?: string;
}

/**
 * Dropout whose mask changes at every training call yet repeats for a given seed. tfjs's Dropout layer
 * passes its fixed `seed` to every call, so it draws the same mask each step (not dropout at all); this
 * one draws each call's seed from a mulberry32 stream started at `seed`. Identity outside training.
 * It serialises as a stock, unseeded 'Dropout' (identical at inference), so an exported model loads in
 * any tfjs app without registering a class; it is deliberately not registered here, to leave tfjs's own
 * 'Dropout' in place for loading.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  readonly rate: number;
  private readonly seed: number;
  private masks: Random;
  private drawn = 0;

  constructor(args: SeededDropoutLayerArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed ?? 0;
    this.masks = mulberry32(this.seed);
    this.supportsMasking = true;
  }

  /** Masks drawn so far: the stream's position, which a training checkpoint saves. */
  get draws(): number {
    return this.drawn;
  }

  /** Puts the stream where it was after `draws` masks, so that a resumed run draws the masks it would have. */
  seekDraws(draws: number): void {
    if (!(Number.isInteger(draws) && draws >= 0)) throw new Error(`dropout draws must be a whole number of at least 0, got ${draws}`);
    this.masks = mulberry32(this.seed);
    for (let i = 0; i < draws; i++) this.masks();
    this.drawn = draws;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    const maskSeed = Math.floor(this.masks() * 2 ** 31);
    this.drawn++;
    return tf.dropout(x, this.rate, undefined, maskSeed);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, noiseShape: null, seed: null };
  }
}

/** The tfjs layer whose output is a block's output. */
export function blockOutputLayer(block: BlockName): string {
  if (block === 'conv1') return 'pool1_norm1';
  if (block === 'conv2') return 'pool2_3x3_s2';
  return `${block}_output`;
}

/** Which block a layer of the converted GoogLeNet belongs to (pool3/pool4 open the next stage). */
export function blockOfLayer(layerName: string): BlockName | 'top' | 'input' {
  if (layerName === 'image_bgr') return 'input';
  if (/^(conv1|pool1)_/.test(layerName)) return 'conv1';
  if (/^(conv2|pool2)_/.test(layerName)) return 'conv2';
  if (layerName.startsWith('pool3_')) return 'inception_4a';
  if (layerName.startsWith('pool4_')) return 'inception_5a';
  const m = /^(inception_\d[a-e])_/.exec(layerName);
  if (m && (BLOCKS as readonly string[]).includes(m[1])) return m[1] as BlockName;
  return 'top';
}

function isFrozen(layerName: string, freezeUpTo: FreezeUpTo): boolean {
  if (layerName.startsWith('fovea_')) return false;
  if (freezeUpTo === 'all') return true;
  if (freezeUpTo === 'none') return false;
  const block = blockOfLayer(layerName);
  if (block === 'input') return true;
  if (block === 'top') return false;
  return BLOCKS.indexOf(block) <= BLOCKS.indexOf(freezeUpTo);
}

const outputOf = (layer: tf.layers.Layer): tf.SymbolicTensor =>
  // A layer reused by several models has several nodes; node 0 is the pretrained graph's.
  (layer.inboundNodes[0].outputTensors[0]) as tf.SymbolicTensor;

/** The converted GoogLeNet's own pool5: a global average pool of inception_5b's output. */
export const STOCK_POOL5_LAYER = 'pool5_7x7_s1';

/** The layer buildClassifier adds to pool a block's maps for the head, by pooling. */
export const HEAD_POOL_LAYERS: Record<HeadPooling, string> = { average: 'fovea_gap', max: 'fovea_gmp', gem: 'fovea_gem' };

/** The block whose maps the head pools: inception_5b for pool5, else the head's own position. */
export const pooledBlock = (headOn: HeadPosition): BlockName => (headOn === 'pool5' ? 'inception_5b' : headOn);

/** The layer that concatenates the head's features when it reads more than one pooled vector. */
export const HEAD_FEATURES_LAYER = 'fovea_head_features';

/** The second block a 'multi-block' head pools: inception_5b under a head on an earlier block, else inception_4c. */
export const secondPooledBlock = (headOn: HeadPosition): BlockName => (pooledBlock(headOn) === 'inception_5b' ? 'inception_4c' : 'inception_5b');

/** One global pool of a block's maps (the stock pool5 for an average of inception_5b's), by a layer named `name`. */
function poolBlock(base: tf.LayersModel, block: BlockName, pooling: HeadPooling, name: string): tf.SymbolicTensor {
  if (block === 'inception_5b' && pooling === 'average') return outputOf(base.getLayer(STOCK_POOL5_LAYER));
  const maps = outputOf(base.getLayer(blockOutputLayer(block)));
  const pool = pooling === 'average' ? tf.layers.globalAveragePooling2d({ name })
    : pooling === 'max' ? tf.layers.globalMaxPooling2d({ name })
    : new GlobalGeMPooling2D({ power: 3, name });
  return pool.apply(maps) as tf.SymbolicTensor;
}

/**
 * The pooled features the head reads, on `base`'s graph: the stock pool5 for an average on pool5 (so that
 * such a network is unchanged), else a new global average, max or GeM (p = 3) pool of the block's output;
 * with headFeatures 'mean-max' or 'multi-block', two pooled vectors concatenated (HEAD_FEATURES_LAYER).
 */
export function pooledFeatures(
  base: tf.LayersModel, headOn: HeadPosition, pooling: HeadPooling, headFeatures: HeadFeatures = 'last',
): tf.SymbolicTensor {
  const block = pooledBlock(headOn);
  if (headFeatures === 'last') return poolBlock(base, block, pooling, HEAD_POOL_LAYERS[pooling]);
  const parts = headFeatures === 'mean-max'
    ? [poolBlock(base, block, 'average', HEAD_POOL_LAYERS.average), poolBlock(base, block, 'max', HEAD_POOL_LAYERS.max)]
    : [poolBlock(base, block, pooling, HEAD_POOL_LAYERS[pooling]),
      poolBlock(base, secondPooledBlock(headOn), pooling, `${HEAD_POOL_LAYERS[pooling]}_${secondPooledBlock(headOn)}`)];
  return tf.layers.concatenate({ axis: -1, name: HEAD_FEATURES_LAYER }).apply(parts) as tf.SymbolicTensor;
}

/**
 * Builds the run's network on top of `base` (a freshly loaded pretrained GoogLeNet: its layers are trained
 * in place, so load a new one for each run).
 */
export function buildClassifier(base: tf.LayersModel, config: ClassifierConfig): FoveaNet {
  if (!Number.isInteger(config.numClasses) || config.numClasses < 2) {
    throw new Error(`a classifier needs at least 2 classes, got ${config.numClasses}`);
  }
  const features = pooledFeatures(base, config.headOn, config.headPooling ?? 'average', config.headFeatures ?? 'last');
  const scaled = tf.layers
    .rescaling({ scale: config.featureScale ?? 1, offset: 0, name: 'fovea_feature_scale' })
    .apply(features) as tf.SymbolicTensor;
  const dropped = new SeededDropout({ rate: config.dropout, seed: config.seed, name: 'fovea_dropout' })
    .apply(scaled) as tf.SymbolicTensor;
  const head = tf.layers.dense({
    units: config.numClasses,
    kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed }),
    name: HEAD_LAYER,
  });
  const logits = head.apply(dropped) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax', name: 'fovea_prob' }).apply(logits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: base.inputs, outputs: probs, name: 'fovea_googlenet' });
  const logitsModel = tf.model({ inputs: base.inputs, outputs: logits, name: 'fovea_logits' });

  for (const layer of model.layers) layer.trainable = !isFrozen(layer.name, config.freezeUpTo);

  let cut: tf.SymbolicTensor | null = null;
  if (config.freezeUpTo === 'all') cut = features; // the head's input, pooling included: the cache holds pooled features
  else if (config.freezeUpTo !== 'none') cut = outputOf(base.getLayer(blockOutputLayer(config.freezeUpTo)));
  const prefix = cut ? tf.model({ inputs: base.inputs, outputs: cut, name: 'fovea_prefix' }) : null;
  const suffix = cut ? modelFromCut(logitsModel, cut, logits, { input: 'features', model: 'fovea_suffix' }) : logitsModel;

  const headVariables = head.trainableWeights;
  const pretrainedVariables = model.layers
    .filter((l) => l.name !== HEAD_LAYER)
    .flatMap((l) => l.trainableWeights);
  return { model, prefix, suffix, headVariables, pretrainedVariables };
}

/**
 * Scale that brings the pooled features the head reads (at `headOn`, pooled by `pooling`, as buildClassifier
 * pools them) to a mean squared norm of FEATURE_SQUARED_NORM on `x` (a batch of network inputs).
 * GoogLeNet's pooled features are large and vary by cut, pooling and input size
 * (mean squared norm ~2e3 for pool5 at 224 px, ~3e5 for inception_4c at 64 px). SGD on a softmax head is
 * stable below lr ~ 4(1+momentum)/||f||^2, so raw features made the default rate diverge; scaled, the
 * head's learning rate means the same at every cut (lr 0.01 with momentum 0.9: ~10x inside the limit).
 */
export const FEATURE_SQUARED_NORM = 100;

export async function measureFeatureScale(
  base: tf.LayersModel, headOn: HeadPosition, x: tf.Tensor4D, pooling: HeadPooling = 'average', headFeatures: HeadFeatures = 'last',
): Promise<number> {
  // The probe ends in its own pooling layer (if any), on `base`'s graph; it holds no weights of its own.
  const probe = tf.model({ inputs: base.inputs, outputs: pooledFeatures(base, headOn, pooling, headFeatures) });
  const measured = tf.tidy(() => {
    const f = probe.predict(x) as tf.Tensor;
    return tf.mean(tf.sum(tf.square(f), 1));
  });
  // Never read synchronously: on WebGPU in a worker that stalls (and on SwiftShader can lose) the device.
  const meanSquaredNorm = (await measured.data())[0];
  measured.dispose();
  return meanSquaredNorm > 0 ? Math.sqrt(FEATURE_SQUARED_NORM / meanSquaredNorm) : 1;
}

/** Whether a variable is a kernel (weight decay applies) rather than a bias (Caffe: decay_mult 0). */
export function isKernel(v: tf.LayerVariable): boolean {
  return /kernel/.test(v.name);
}

/**
 * Frees the weights of the layers buildClassifier added (the new head's kernel and bias), leaving the
 * pretrained layers' weights to whoever owns `base`: what a run that fails before returning its net frees.
 */
export function disposeNewLayers(net: FoveaNet): void {
  const added = net.model.layers.filter((l) => l.name.startsWith('fovea_'));
  tf.dispose(added.flatMap((l) => l.weights).flatMap((w) => {
    try {
      return [w.read()];
    } catch {
      return []; // already disposed
    }
  }));
}

/** Frees every weight of a run's network and of the pretrained model it was built on. */
export function disposeNetwork(...models: (tf.LayersModel | null | undefined)[]): void {
  const vars = new Map<number, tf.Tensor>();
  for (const m of models) {
    for (const layer of m?.layers ?? []) {
      for (const w of layer.weights) {
        try {
          const v = w.read();
          vars.set(v.id, v);
        } catch {
          // already disposed
        }
      }
    }
  }
  tf.dispose([...vars.values()]);
}
