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
 * 5x5, conv1's 7x7/2, NCHW, activations other than ReLU) to the stock XNNPACK kernel. Below
 * {@link MIN_WINOGRAD_TILES} output blocks the stock kernel is left the work too: there the 16 products'
 * fixed costs (the filter's transform, and each product packs its own) outweigh the saved multiplications:
 * measured here, batch 8, 3x3 192 -> 384 at 7x7 px (128 blocks) took as long either way, 96 -> 128 at 12x12 (288)
 * 21% less by Winograd, 96 -> 208 at 14x14 for one image (49) 42% more.
 */
export const MIN_WINOGRAD_TILES = 256;

type Conv2DArgs = { inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs };
type FusedArgs = { inputs: FusedConv2DInputs; backend: BackendWasm; attrs: FusedConv2DAttrs };

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
 * Whether a 3x3 stride-1 convolution is worth Winograd, given the size of what is computed: its output, or for its
 * input gradient (a 3x3 convolution of dy) its input.
 */
export function useWinograd(info: backend_util.Conv2DInfo, computed: 'output' | 'input' = 'output'): boolean {
  if (!isWinogradShape([info.filterHeight, info.filterWidth], [info.strideHeight, info.strideWidth],
    [info.dilationHeight, info.dilationWidth])) return false;
  const [h, w] = computed === 'output' ? [info.outHeight, info.outWidth] : [info.inHeight, info.inWidth];
  return info.batchSize * Math.ceil(h / 2) * Math.ceil(w / 2) >= MIN_WINOGRAD_TILES;
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
