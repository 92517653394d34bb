import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropFilterInputs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { convGemmSupports, runConvGemm } from './conv_gemm';
import type { FoveaKernel } from './program_util';

/**
 * Filter gradient of an NHWC, dilation-1 convolution as one implicit matrix product over the N*OH*OW output
 * positions (`filterGrad` in conv_gemm.ts): dW[(kh, kw, ci), co] = sum_k patch(x)[k, (kh, kw, ci)] * dy[k, co].
 * K is huge (batch*56*56 at GoogLeNet's second stage) and dW small, so K is split across workgroups.
 */
type Args = { inputs: Conv2DBackpropFilterInputs; backend: WebGPUBackend; attrs: Conv2DBackpropFilterAttrs };

export function makeConv2DBackpropFilter(fallback: KernelFunc): KernelFunc {
  function conv2DBackpropFilter(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const convInfo = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false,
      backend_util.convertConv2DDataFormat(dataFormat));
    if (!convGemmSupports(convInfo, x, dy) || dy.shape[1] !== convInfo.outHeight || dy.shape[2] !== convInfo.outWidth) {
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    return runConvGemm(backend, 'filterGrad', convInfo, [x, dy], convInfo.filterShape);
  }
  return conv2DBackpropFilter as unknown as KernelFunc;
}

export const conv2DBackpropFilterKernel: FoveaKernel = {
  kernelName: Conv2DBackpropFilter,
  make: (stock: KernelFunc): KernelConfig =>
    ({ kernelName: Conv2DBackpropFilter, backendName: 'webgpu', kernelFunc: makeConv2DBackpropFilter(stock) }),
};
