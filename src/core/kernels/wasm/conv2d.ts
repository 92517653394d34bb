import type {
  Conv2DAttrs,
  Conv2DInputs,
  FusedConv2DAttrs,
  FusedConv2DInputs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { backend_util, Conv2D, FusedConv2D, util } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { isWinogradShape, winogradConv3x3 } from './winograd';

/**
 * Conv2D and FusedConv2D on tfjs-backend-wasm: 3x3 stride-1 convolutions (conv2's and every inception module's
 * 3x3, forward in training and in inference) by Winograd F(2x2, 3x3) ({@link winogradConv3x3}); the rest (1x1,
 * 5x5, conv1's 7x7/2, NCHW, activations other than ReLU) to the stock XNNPACK kernel, and small ones too
 * ({@link useWinograd}).
 */
type Conv2DArgs = { inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs };
type FusedArgs = { inputs: FusedConv2DInputs; backend: BackendWasm; attrs: FusedConv2DAttrs };

/**
 * Output blocks (2x2) from which Winograd pays whatever the channels: its 16 products' fixed costs (the filter's
 * transform, each product packing its own) outweigh the saved multiplications below this for small convolutions.
 * Measured here, batch 8, 3x3 96 -> 128 at 12x12 px (288 blocks) 21% less time by Winograd, 96 -> 208 at 14x14 for
 * one image (49) 42% more.
 */
export const MIN_WINOGRAD_TILES = 256;

/**
 * Below {@link MIN_WINOGRAD_TILES}, Winograd still wins from 64 blocks when blocks x Cin x Cout reaches 2^21: the
 * stock kernel packs every new filter (every training step's; the gradients' stock paths pack a new operand every
 * call) at about 8 ns a weight here. Measured (new filters, batch 8, ms, stock / Winograd) 6x6 px 160 -> 320
 * 11.2 / 8.1 (filter gradient 8.4 / 6.7), 96 -> 208 4.3 / 5.4; 3x3 px 160 -> 320 5.0 / 5.4. A filter used again
 * (inference) finds the stock kernel's packed copy, which would move the break-even up, but the choice stays a
 * function of shapes alone: the same batch gives the same numbers whatever ran before (exact resume relies on it).
 */
export const MIN_FRESH_WINOGRAD_TILES = 64;
export const MIN_FRESH_WINOGRAD_WORK = 2 ** 21;

/** The explicit padding of a convolution Winograd should take, or null for the stock kernel. */
function winogradPadding(x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): backend_util.PadInfo | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  if (dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (!isWinogradShape(filter.shape, strides, dilations)) return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations,
    pad, dimRoundingMode, false, 'channelsLast');
  return useWinograd(info) ? info.padInfo : null;
}

/**
 * Whether a 3x3 stride-1 convolution is worth Winograd, from the size of what is computed: its output, or for its
 * input gradient (a 3x3 convolution of dy) its input.
 */
export function useWinograd(info: backend_util.Conv2DInfo, computed: 'output' | 'input' = 'output'): boolean {
  if (!isWinogradShape([info.filterHeight, info.filterWidth], [info.strideHeight, info.strideWidth],
    [info.dilationHeight, info.dilationWidth])) return false;
  const [h, w] = computed === 'output' ? [info.outHeight, info.outWidth] : [info.inHeight, info.inWidth];
  const tiles = info.batchSize * Math.ceil(h / 2) * Math.ceil(w / 2);
  if (tiles >= MIN_WINOGRAD_TILES) return true;
  return tiles >= MIN_FRESH_WINOGRAD_TILES && tiles * info.inChannels * info.outChannels >= MIN_FRESH_WINOGRAD_WORK;
}

export function makeConv2D(stock: KernelFunc): KernelFunc {
  function conv2D(args: Conv2DArgs): TensorInfo {
    const { inputs, backend, attrs } = args;
    const [x, filter] = [inputs.x as TensorInfo, inputs.filter as TensorInfo];
    const padding = winogradPadding(x, filter, attrs);
    if (padding === null) return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    return winogradConv3x3(backend, x, filter, padding);
  }
  return conv2D as unknown as KernelFunc;
}

export function makeFusedConv2D(stock: KernelFunc): KernelFunc {
  function fusedConv2D(args: FusedArgs): TensorInfo {
    const { inputs: { bias, preluActivationWeights }, backend, attrs } = args;
    const [x, filter] = [args.inputs.x as TensorInfo, args.inputs.filter as TensorInfo];
    const plain = (attrs.activation === 'linear' || attrs.activation === 'relu') && preluActivationWeights === undefined &&
      (bias === undefined || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === filter.shape[3]));
    const padding = plain ? winogradPadding(x, filter, attrs) : null;
    if (padding === null) return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    return winogradConv3x3(backend, x, filter, padding, { epilogue: { bias, relu: attrs.activation === 'relu' } });
  }
  return fusedConv2D as unknown as KernelFunc;
}

export const wasmConv2DKernel = {
  kernelName: Conv2D,
  make: (stock: KernelFunc): KernelConfig => ({ kernelName: Conv2D, backendName: 'wasm', kernelFunc: makeConv2D(stock) }),
};

export const wasmFusedConv2DKernel = {
  kernelName: FusedConv2D,
  make: (stock: KernelFunc): KernelConfig =>
    ({ kernelName: FusedConv2D, backendName: 'wasm', kernelFunc: makeFusedConv2D(stock) }),
};
