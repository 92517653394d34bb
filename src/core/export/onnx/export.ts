/**
 * The fine-tuned network as an ONNX model (opset 13), for ONNX Runtime (web, Node, Python, C++...) and any
 * other ONNX consumer. Built layer by layer from the tfjs graph, in NCHW after one Transpose of the NHWC
 * input, so that every op is a stock ONNX op:
 *  - Caffe's LRN is ONNX's LRN with the same alpha: both divide alpha by size (tfjs's op is the odd one out);
 *  - Caffe's ceil-mode max pools get explicit pads, computed from the fixed input size (the input side is a
 *    multiple of 32, so every pooled map is even and the pad is 0 before, 1 after, ignored by MaxPool);
 *  - conv1's 3-pixel zero padding is a Pad, 'same' convolutions carry symmetric pads;
 *  - dropout is dropped (identity at inference); pool5 is a GlobalAveragePool, a max-pooled head a GlobalMaxPool
 *    and a GeM head Max(x, epsilon) -> Pow(p) -> GlobalAveragePool -> Pow(1/p) (pooling.ts, stock ops only).
 * Inputs and outputs: `image_bgr` [batch, size, size, 3] (NHWC, BGR, mean subtracted, as the TF.js model);
 * outputs `logits` and `probs` [batch, classes]. The preprocessing and labels travel in metadata_props.
 */
import * as tf from '@tensorflow/tfjs';
import protobuf from 'protobufjs/light.js';
import { describePreprocessing, type FoveaManifest } from '../package';
import { HEAD_LAYER } from '../../model/classifier';
import { refuseConcatenatedHead } from '../head-features';
import { ONNX_SCHEMA } from './schema';

export const ONNX_OPSET = 13;
/** IR version 8 (2021): read by every ONNX Runtime since 1.10. */
const IR_VERSION = 8;
const FLOAT = 1;
const INT64 = 7;

export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}

export interface OnnxExportConfig {
  /** Square input side in px the graph is fixed to (pool pads depend on it). */
  inputSize: number;
  /** Class names, in output order; stored in the metadata. Defaults to none. */
  classNames?: string[];
  /** How to prepare an image. Defaults to describePreprocessing('centre'). */
  preprocessing?: FoveaManifest['preprocessing'];
  /** Test-time rotations the reported figures used. Defaults to none. */
  testTimeRotations?: number[];
  /** More metadata_props. */
  metadata?: Record<string, string>;
}

let root: protobuf.Root | null = null;
const onnxType = (name: string) => (root ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace)).lookupType(`onnx.${name}`);

interface Node {
  op_type: string;
  input: string[];
  output: string[];
  name: string;
  attribute?: object[];
}

const ints = (name: string, values: number[]) => ({ name, type: 7, ints: values });
const int = (name: string, value: number) => ({ name, type: 2, i: value });
const float = (name: string, value: number) => ({ name, type: 1, f: value });

function floatTensor(name: string, dims: number[], data: Float32Array) {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, data_type: FLOAT, raw_data: bytes };
}

function valueInfo(name: string, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** HWIO -> OIHW, as a Float32Array. */
function convWeight(kernel: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const dst = new Float32Array(kernel.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < i; c++) {
    const s = ((y * w + x) * i + c) * o;
    for (let f = 0; f < o; f++) dst[((f * i + c) * h + y) * w + x] = kernel[s + f];
  }
  return dst;
}

/** Pads [before, after] of TF 'same' padding along one axis of `size` (what Caffe's ceil mode gives on even sizes). */
function samePads(size: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Converts the model (image -> probabilities, as built by buildClassifier) to ONNX bytes. */
export async function exportOnnx(model: tf.LayersModel, config: OnnxExportConfig): Promise<Uint8Array> {
  refuseConcatenatedHead(model, 'ONNX export');
  const size = config.inputSize;
  const nodes: Node[] = [];
  const initializers: object[] = [];
  /** tfjs layer name -> ONNX tensor name of its output, and that output's NHWC shape. */
  const tensorOf = new Map<string, string>();
  const shapeOf = new Map<string, number[]>();
  /** The graph's input keeps the studio's name whatever tfjs numbered it (a second loaded model's is 'image_bgr_1'). */
  const inputName = 'image_bgr';

  for (const layer of model.layers) {
    const node = layer.inboundNodes[0]; // node 0: the layer in this model's graph (later nodes: cut sub-models)
    const inputs = node.inboundLayers.map((l) => l.name);
    const x = inputs.map((n) => {
      const t = tensorOf.get(n);
      if (!t) throw new OnnxExportError(`layer ${layer.name} reads ${n}, which was not converted before it`);
      return t;
    });
    const inShapes = inputs.map((n) => shapeOf.get(n)!);
    const name = layer.name;
    const cls = layer.getClassName();
    const add = (op_type: string, input: string[], output: string, attribute?: object[]) => {
      // Node names stay unique when a layer uses an op twice (GeM's two Pows): the second is named by its output.
      const used = nodes.some((n) => n.name === `${name}/${op_type}`);
      nodes.push({ op_type, input, output: [output], name: used ? `${output}/${op_type}` : `${name}/${op_type}`, ...(attribute ? { attribute } : {}) });
      return output;
    };
    let out: string;
    let shape: number[];
    switch (cls) {
      case 'InputLayer':
        out = add('Transpose', [inputName], `${name}_nchw`, [ints('perm', [0, 3, 1, 2])]);
        shape = [1, size, size, 3];
        break;
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = (layer as unknown as { padding: [[number, number], [number, number]] }).padding;
        initializers.push({ name: `${name}_pads`, dims: [8], data_type: INT64, int64_data: [0, 0, top, left, 0, 0, bottom, right] });
        out = add('Pad', [x[0], `${name}_pads`], name, [{ name: 'mode', type: 3, s: new TextEncoder().encode('constant') }]);
        shape = layer.computeOutputShape(inShapes[0]) as number[];
        break;
      }
      case 'Conv2D': {
        const conv = layer as unknown as { kernelSize: number[]; strides: number[]; padding: string; activation: { getClassName(): string } };
        const [kernel, bias] = layer.getWeights();
        const ks = kernel.shape as number[];
        initializers.push(floatTensor(`${name}.weight`, [ks[3], ks[2], ks[0], ks[1]], convWeight((await kernel.data()) as Float32Array, ks)));
        initializers.push(floatTensor(`${name}.bias`, [ks[3]], (await bias.data()) as Float32Array));
        const [h, w] = inShapes[0].slice(1, 3);
        const [ph, pw] = conv.padding === 'same'
          ? [samePads(h, conv.kernelSize[0], conv.strides[0]), samePads(w, conv.kernelSize[1], conv.strides[1])]
          : [[0, 0], [0, 0]];
        const act = conv.activation.getClassName();
        const convOut = add('Conv', [x[0], `${name}.weight`, `${name}.bias`], act === 'relu' ? `${name}_linear` : name, [
          ints('kernel_shape', conv.kernelSize), ints('strides', conv.strides), ints('pads', [ph[0], pw[0], ph[1], pw[1]]),
        ]);
        if (act === 'relu') out = add('Relu', [convOut], name);
        else if (act === 'linear') out = convOut;
        else throw new OnnxExportError(`layer ${name}: activation ${act} is not supported`);
        shape = layer.computeOutputShape(inShapes[0]) as number[];
        break;
      }
      case 'MaxPooling2D': {
        const pool = layer as unknown as { poolSize: number[]; strides: number[]; padding: string };
        const [h, w] = inShapes[0].slice(1, 3);
        const [ph, pw] = pool.padding === 'same'
          ? [samePads(h, pool.poolSize[0], pool.strides[0]), samePads(w, pool.poolSize[1], pool.strides[1])]
          : [[0, 0], [0, 0]];
        out = add('MaxPool', [x[0]], name, [
          ints('kernel_shape', pool.poolSize), ints('strides', pool.strides), ints('pads', [ph[0], pw[0], ph[1], pw[1]]),
        ]);
        shape = layer.computeOutputShape(inShapes[0]) as number[];
        break;
      }
      case 'LRN': {
        const lrn = layer as unknown as { size: number; alpha: number; beta: number; k: number };
        // ONNX: y = x / (bias + alpha / size * sum x^2)^beta, alpha divided by size as in Caffe.
        out = add('LRN', [x[0]], name, [int('size', lrn.size), float('alpha', lrn.alpha), float('beta', lrn.beta), float('bias', lrn.k)]);
        shape = inShapes[0];
        break;
      }
      case 'Concatenate':
        out = add('Concat', x, name, [int('axis', 1)]);
        shape = layer.computeOutputShape(inShapes) as number[];
        break;
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        const pooled = add(cls === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x[0]], `${name}_4d`);
        out = add('Flatten', [pooled], name, [int('axis', 1)]);
        shape = [1, inShapes[0][3]];
        break;
      }
      case 'GlobalGeMPooling2D': {
        const { power, epsilon } = layer as unknown as { power: number; epsilon: number };
        initializers.push(floatTensor(`${name}.epsilon`, [1], new Float32Array([epsilon])));
        initializers.push(floatTensor(`${name}.power`, [1], new Float32Array([power])));
        initializers.push(floatTensor(`${name}.root`, [1], new Float32Array([1 / power])));
        const floored = add('Max', [x[0], `${name}.epsilon`], `${name}_floored`);
        const powered = add('Pow', [floored, `${name}.power`], `${name}_powered`);
        const mean = add('GlobalAveragePool', [powered], `${name}_mean`);
        const rooted = add('Pow', [mean, `${name}.root`], `${name}_4d`);
        out = add('Flatten', [rooted], name, [int('axis', 1)]);
        shape = [1, inShapes[0][3]];
        break;
      }
      case 'Rescaling': {
        const { scale, offset } = layer as unknown as { scale: number; offset: number };
        initializers.push(floatTensor(`${name}.scale`, [1], new Float32Array([scale])));
        out = add('Mul', [x[0], `${name}.scale`], offset === 0 ? name : `${name}_scaled`);
        if (offset !== 0) {
          initializers.push(floatTensor(`${name}.offset`, [1], new Float32Array([offset])));
          out = add('Add', [out, `${name}.offset`], name);
        }
        shape = inShapes[0];
        break;
      }
      case 'Dropout':
        out = x[0];
        shape = inShapes[0];
        break;
      case 'Dense': {
        const dense = layer as unknown as { activation: { getClassName(): string } };
        if (dense.activation.getClassName() !== 'linear') throw new OnnxExportError(`layer ${name}: only linear dense layers are supported`);
        const [kernel, bias] = layer.getWeights();
        initializers.push(floatTensor(`${name}.kernel`, kernel.shape as number[], (await kernel.data()) as Float32Array));
        initializers.push(floatTensor(`${name}.bias`, [bias.size], (await bias.data()) as Float32Array));
        out = add('Gemm', [x[0], `${name}.kernel`, `${name}.bias`], name);
        shape = [1, (kernel.shape as number[])[1]];
        break;
      }
      case 'Activation': {
        const act = (layer as unknown as { activation: { getClassName(): string } }).activation.getClassName();
        if (act !== 'softmax') throw new OnnxExportError(`layer ${name}: activation ${act} is not supported`);
        out = add('Softmax', [x[0]], name, [int('axis', -1)]);
        shape = inShapes[0];
        break;
      }
      case 'ReLU':
        out = add('Relu', [x[0]], name);
        shape = inShapes[0];
        break;
      default:
        throw new OnnxExportError(`layer ${name}: tfjs layer class ${cls} has no ONNX conversion here`);
    }
    tensorOf.set(name, out);
    shapeOf.set(name, shape);
  }

  const probs = tensorOf.get(model.outputs[0].sourceLayer.name)!;
  const logits = tensorOf.get(HEAD_LAYER);
  if (!logits) throw new OnnxExportError(`the model has no '${HEAD_LAYER}' layer: export a network built by buildClassifier`);
  nodes.push({ op_type: 'Identity', input: [logits], output: ['logits'], name: 'logits' });
  nodes.push({ op_type: 'Identity', input: [probs], output: ['probs'], name: 'probs' });
  const classes = shapeOf.get(HEAD_LAYER)![1];

  const metadata: Record<string, string> = {
    ...config.metadata,
    'fovea.input_size': String(size),
    'fovea.preprocessing': JSON.stringify(config.preprocessing ?? describePreprocessing('centre')),
    ...(config.classNames ? { 'fovea.class_names': JSON.stringify(config.classNames) } : {}),
    ...(config.testTimeRotations ? { 'fovea.test_time_rotations': JSON.stringify(config.testTimeRotations) } : {}),
  };
  const message = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'Fovea',
    producer_version: '1',
    doc_string: 'Fine-tuned BVLC GoogLeNet (Caffe semantics). Input: NHWC, BGR, ImageNet mean subtracted (see metadata).',
    graph: {
      name: model.name,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, ['batch', size, size, 3])],
      output: [valueInfo('logits', ['batch', classes]), valueInfo('probs', ['batch', classes])],
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const type = onnxType('ModelProto');
  return type.encode(type.fromObject(message)).finish();
}

/** The metadata_props of ONNX bytes (e.g. to check an export, or read the preprocessing back). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const decoded = onnxType('ModelProto').toObject(onnxType('ModelProto').decode(bytes)) as { metadata_props?: { key: string; value: string }[] };
  return Object.fromEntries((decoded.metadata_props ?? []).map((p) => [p.key, p.value]));
}
