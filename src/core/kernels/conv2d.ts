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
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { convGemmSupports, runConvGemm } from './conv_gemm';
import type { FoveaKernel } from './program_util';

/**
 * Forward convolution (NHWC, dilation 1) as one implicit matrix product (`forward` in conv_gemm.ts):
 * y[(n, oh, ow), co] = sum over (kh, kw, ci) of x patch * W. FusedConv2D (inference: Conv2D + bias + ReLU in
 * one pass) runs the same program with the bias and ReLU applied as each result is written; other
 * activations and PReLU go to the stock kernel.
 */
type ConvArgs = { inputs: Conv2DInputs; backend: WebGPUBackend; attrs: Conv2DAttrs };
type FusedArgs = { inputs: FusedConv2DInputs; backend: WebGPUBackend; attrs: FusedConv2DAttrs };

function convInfoOf(x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides,
    dilations, pad, dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
}

export function makeConv2D(fallback: KernelFunc): KernelFunc {
  function conv2D(args: ConvArgs): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const convInfo = convInfoOf(x, filter, attrs);
    if (!convGemmSupports(convInfo, x, filter)) return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    return runConvGemm(backend, 'forward', convInfo, [x, filter], convInfo.outShape);
  }
  return conv2D as unknown as KernelFunc;
}

export function makeFusedConv2D(fallback: KernelFunc): KernelFunc {
  function fusedConv2D(args: FusedArgs): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const bias = inputs.bias as TensorInfo | undefined;
    const activation = attrs.activation ?? 'linear';
    const convInfo = convInfoOf(x, filter, attrs);
    const biasOk = bias === undefined ||
      (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === convInfo.outChannels);
    if (!convGemmSupports(convInfo, x, filter) || !biasOk || inputs.preluActivationWeights !== undefined ||
      (activation !== 'linear' && activation !== 'relu')) {
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    return runConvGemm(backend, 'forward', convInfo, bias ? [x, filter, bias] : [x, filter], convInfo.outShape,
      { bias: bias !== undefined, activation });
  }
  return fusedConv2D as unknown as KernelFunc;
}

export const conv2DKernel: FoveaKernel = {
  kernelName: Conv2D,
  make: (stock: KernelFunc): KernelConfig => ({ kernelName: Conv2D, backendName: 'webgpu', kernelFunc: makeConv2D(stock) }),
};

export const fusedConv2DKernel: FoveaKernel = {
  kernelName: FusedConv2D,
  make: (stock: KernelFunc): KernelConfig =>
    ({ kernelName: FusedConv2D, backendName: 'webgpu', kernelFunc: makeFusedConv2D(stock) }),
};
