import * as tf from '@tensorflow/tfjs';
import { LRN } from './lrn';
import { type CaffeLayer, num, str } from './prototxt';

/**
 * GoogLeNet (BVLC Inception v1) built as a tfjs layers model from its Caffe definition.
 *
 * Input: [batch, height, width, 3] in BGR order with the ImageNet mean subtracted (see core/data/preprocess).
 * Height and width are free: the network is convolutional up to its global pool, so any multiple of 32
 * from 64 up works. Two Caffe details are kept exactly:
 *  - conv1 pads 3 on every side (`ZeroPadding2D` + valid conv; TF's 'same' would pad 2 before and 3 after);
 *  - pooling rounds up (ceil mode). For 3x3/2 pools on even sizes that is TF's 'same' padding, which is why
 *    input sizes must be multiples of 32 (every pooled map is then even).
 * `pool5` (7x7 average at 224 px) becomes a global average pool, identical at 224 px and size-free.
 */

/** Layer names in tfjs cannot hold '/', Caffe's separator. */
export function tfName(caffeName: string): string {
  return caffeName.replace(/\//g, '_');
}

export class UnsupportedCaffeLayerError extends Error {
  override name = 'UnsupportedCaffeLayerError';
}

export { assertValidInputSize, GOOGLENET_MIN_INPUT, GOOGLENET_SIZE_STEP, InvalidInputSizeError } from './input-size';

/** Build the network's topology (random weights) from the layers of `deploy.prototxt`. */
export function buildFromCaffe(layers: CaffeLayer[]): tf.LayersModel {
  const blobs = new Map<string, tf.SymbolicTensor>();
  // Every Convolution/InnerProduct in GoogLeNet is followed by an in-place ReLU: fuse it as the activation.
  const reluInPlace = new Set(
    layers.filter((l) => l.type === 'ReLU' && l.top[0] === l.bottom[0]).map((l) => l.top[0]),
  );
  let input: tf.SymbolicTensor | undefined;
  let output: tf.SymbolicTensor | undefined;

  const bottom = (l: CaffeLayer, i = 0): tf.SymbolicTensor => {
    const t = blobs.get(l.bottom[i]);
    if (!t) throw new UnsupportedCaffeLayerError(`layer ${l.name}: unknown input blob '${l.bottom[i]}'`);
    return t;
  };
  const set = (l: CaffeLayer, t: tf.SymbolicTensor) => {
    blobs.set(l.top[0], t);
    output = t;
  };

  for (const l of layers) {
    const name = tfName(l.name);
    const p = l.param;
    switch (l.type) {
      case 'Input':
        input = tf.input({ shape: [null, null, 3], name: 'image_bgr' });
        set(l, input);
        break;
      case 'Convolution': {
        const k = num(p, 'kernel_size', 1);
        const stride = num(p, 'stride', 1);
        const pad = num(p, 'pad', 0);
        let x = bottom(l);
        const same = stride === 1 && pad * 2 === k - 1;
        if (!same && pad > 0) {
          x = tf.layers.zeroPadding2d({ padding: pad, name: `${name}_pad` }).apply(x) as tf.SymbolicTensor;
        }
        const conv = tf.layers.conv2d({
          filters: num(p, 'num_output', 0),
          kernelSize: k,
          strides: stride,
          padding: same ? 'same' : 'valid',
          activation: reluInPlace.has(l.top[0]) ? 'relu' : 'linear',
          name,
        });
        set(l, conv.apply(x) as tf.SymbolicTensor);
        break;
      }
      case 'ReLU':
        if (!reluInPlace.has(l.top[0])) {
          set(l, tf.layers.reLU({ name }).apply(bottom(l)) as tf.SymbolicTensor);
        }
        break;
      case 'Pooling': {
        const k = num(p, 'kernel_size', 1);
        const stride = num(p, 'stride', 1);
        const pool = str(p, 'pool', 'MAX');
        if (pool === 'AVE' && stride === 1) {
          set(l, tf.layers.globalAveragePooling2d({ name }).apply(bottom(l)) as tf.SymbolicTensor);
        } else if (pool === 'MAX') {
          const layer = tf.layers.maxPooling2d({ poolSize: k, strides: stride, padding: 'same', name });
          set(l, layer.apply(bottom(l)) as tf.SymbolicTensor);
        } else {
          throw new UnsupportedCaffeLayerError(`layer ${l.name}: ${pool} pooling with stride ${stride}`);
        }
        break;
      }
      case 'LRN':
        set(
          l,
          new LRN({
            size: num(p, 'local_size', 5),
            alpha: num(p, 'alpha', 1e-4),
            beta: num(p, 'beta', 0.75),
            k: num(p, 'k', 1),
            name,
          }).apply(bottom(l)) as tf.SymbolicTensor,
        );
        break;
      case 'Concat':
        set(
          l,
          tf.layers
            .concatenate({ axis: -1, name })
            .apply(l.bottom.map((_, i) => bottom(l, i))) as tf.SymbolicTensor,
        );
        break;
      case 'Dropout':
        set(l, tf.layers.dropout({ rate: num(p, 'dropout_ratio', 0.5), name }).apply(bottom(l)) as tf.SymbolicTensor);
        break;
      case 'InnerProduct':
        set(
          l,
          tf.layers
            .dense({
              units: num(p, 'num_output', 0),
              activation: reluInPlace.has(l.top[0]) ? 'relu' : 'linear',
              name,
            })
            .apply(bottom(l)) as tf.SymbolicTensor,
        );
        break;
      case 'Softmax':
        set(l, tf.layers.activation({ activation: 'softmax', name }).apply(bottom(l)) as tf.SymbolicTensor);
        break;
      default:
        throw new UnsupportedCaffeLayerError(`layer ${l.name}: Caffe type '${l.type}' is not supported`);
    }
  }
  if (!input || !output) throw new UnsupportedCaffeLayerError('the definition has no Input layer or no layers');
  return tf.model({ inputs: input, outputs: output, name: 'googlenet' });
}

/** Raw Caffe weights of one layer, as stored in `weights/<layer>_{filter,bias}.bin`. */
export interface CaffeLayerWeights {
  filter: Float32Array;
  bias: Float32Array;
}

/**
 * Copy Caffe weights into the model. Caffe's filters here are (out, kh, kw, in) for convolutions and
 * (out, in) for inner products; tfjs wants (kh, kw, in, out) and (in, out).
 */
export function setCaffeWeights(
  model: tf.LayersModel,
  layers: CaffeLayer[],
  read: (caffeName: string) => CaffeLayerWeights,
): void {
  for (const l of layers) {
    if (l.type !== 'Convolution' && l.type !== 'InnerProduct') continue;
    const layer = model.getLayer(tfName(l.name));
    const [kernelVar, biasVar] = layer.getWeights();
    const { filter, bias } = read(l.name);
    const kshape = kernelVar.shape as number[];
    const expected = kshape.reduce((a, b) => a * b, 1);
    if (filter.length !== expected || bias.length !== biasVar.size) {
      throw new Error(
        `weights of ${l.name}: got ${filter.length} filter / ${bias.length} bias values, ` +
          `expected ${expected} / ${biasVar.size} for kernel shape [${kshape.join(',')}]`,
      );
    }
    const kernel = tf.tidy(() =>
      l.type === 'Convolution'
        ? tf.tensor4d(filter, [kshape[3], kshape[0], kshape[1], kshape[2]]).transpose([1, 2, 3, 0])
        : tf.tensor2d(filter, [kshape[1], kshape[0]]).transpose(),
    );
    const b = tf.tensor1d(bias);
    layer.setWeights([kernel, b]);
    kernel.dispose();
    b.dispose();
  }
}
