import type {
  Conv2DBackpropInputAttrs,
  Conv2DBackpropInputInputs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { useWinograd } from './conv2d';
import { WasmOps } from './ops';
import { winogradConv3x3 } from './winograd';

/**
 * Input gradient of a stride-1 NHWC convolution as a forward convolution (XNNPACK or Winograd): dx is dy correlated
 * with the filter turned half a turn and its channels swapped (W'[i, j, co, ci] = W[kh-1-i, kw-1-j, ci, co]),
 * dy padded by kh-1-top above, kh-1-bottom below (likewise across). tfjs-backend-wasm's own kernel is a plain
 * loop: 1.3 s of a 2.2 s scenario-4 step at 96 px, batch 8, here. Other strides (conv1's 7x7/2, whose input
 * is the image and needs no gradient in training) and NCHW are left to the stock kernel. A 3x3 one is a 3x3
 * forward convolution, by Winograd ({@link winogradConv3x3} reads the filter turned: no turned copy).
 */
type Args = { inputs: Conv2DBackpropInputInputs; backend: BackendWasm; attrs: Conv2DBackpropInputAttrs };

export function makeConv2DBackpropInput(stock: KernelFunc): KernelFunc {
  function conv2DBackpropInput(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false,
      backend_util.convertConv2DDataFormat(dataFormat));
    if (dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1) {
      return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const { filterHeight: kh, filterWidth: kw, padInfo } = info;
    const turnedPadding = {
      top: kh - 1 - padInfo.top, bottom: kh - 1 - padInfo.bottom, left: kw - 1 - padInfo.left, right: kw - 1 - padInfo.right,
    };
    if (useWinograd(info, 'input')) return winogradConv3x3(backend, dy, filter, turnedPadding, { reading: 'turned' });
    const ops = new WasmOps(backend);
    try {
      // [kh, kw, Cin, Cout] -> [kh*kw, Cout, Cin], its kh*kw spatial blocks in reverse order (the half turn): block
      // copies, which measured faster than the wasm Reverse kernel (0.2 s a scenario-4 step at 96 px).
      const [cin, cout] = [filter.shape[2], filter.shape[3]];
      const swapped = ops.transpose(ops.reshape(filter, [kh * kw, cin, cout]), [0, 2, 1]);
      const reversed = kh * kw === 1 ? swapped : ops.stackBlocks(ops.reshape(swapped, [kh * kw * cout, cin]),
        Array.from({ length: kh * kw }, (_, k) => ({ row: (kh * kw - 1 - k) * cout, rows: cout, col: 0 })), cin);
      const turned = ops.reshape(reversed, [kh, kw, cout, cin]);
      const dx = ops.conv2d(dy, turned, turnedPadding);
      return ops.output(dx, info.inShape);
    } finally {
      ops.disposeIntermediates();
    }
  }
  return conv2DBackpropInput as unknown as KernelFunc;
}

export const wasmConv2DBackpropInputKernel = {
  kernelName: Conv2DBackpropInput,
  make: (stock: KernelFunc): KernelConfig =>
    ({ kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc: makeConv2DBackpropInput(stock) }),
};
