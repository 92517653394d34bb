import type { KernelConfig, KernelFunc, LRNGradAttrs, LRNGradInputs, TensorInfo } from '@tensorflow/tfjs';
import { LRNGrad } from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { type FoveaKernel, LrnElementwiseProgram, mainHeader, negativePowerSnippet } from './program_util';

/**
 * Gradient of across-channel LRN, one invocation per element of dx:
 *   dx_c = dy_c * s_c^-beta - 2 * alpha * beta * x_c * sum_{d in window(c)} dy_d * y_d / s_d
 * with s_d = bias + alpha * sum_{k in window(d)} x_k^2 and y = LRN(x) (the same terms tfjs's CPU LRNGrad
 * accumulates). The windows are symmetric, so each invocation reads only 4r + 1 channels of x and 2r + 1 of
 * y and dy at its own pixel, where stock tfjs loops over every channel twice per channel (O(C^2)).
 */
export class LRNGradProgram extends LrnElementwiseProgram {
  constructor(xShape: number[], beta: number) {
    super(xShape, beta, 'foveaLrnGrad', ['x', 'y', 'dy']);
  }

  getUserCode(): string {
    return `
    ${mainHeader('index')} {
      if (index < uniforms.size) {
        let channels = uniforms.outShape[3];
        let c = index % channels;
        let pixel = index - c;
        let r = uniforms.radius;
        var windowSum = 0.0;
        var ownScale = 0.0;
        for (var d = max(0, c - r); d <= min(channels - 1, c + r); d++) {
          var sumSq = 0.0;
          for (var k = max(0, d - r); k <= min(channels - 1, d + r); k++) {
            let v = x[pixel + k];
            sumSq = sumSq + v * v;
          }
          let s = uniforms.bias + uniforms.alpha * sumSq;
          windowSum = windowSum + dy[pixel + d] * y[pixel + d] / s;
          if (d == c) {
            ownScale = ${negativePowerSnippet('s', this.beta)};
          }
        }
        setOutputAtIndex(index,
            dy[index] * ownScale - 2.0 * uniforms.alpha * uniforms.beta * x[index] * windowSum);
      }
    }
    `;
  }
}

type LRNGradArgs = { inputs: LRNGradInputs; backend: WebGPUBackend; attrs: LRNGradAttrs };

/** Builds the kernel function; `fallback` (stock tfjs) takes non-float32 inputs, which it converts. */
export function makeLrnGrad(fallback: KernelFunc): KernelFunc {
  function lrnGrad(args: LRNGradArgs): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const y = inputs.y as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    if ([x, y, dy].some((t) => t.dtype !== 'float32')) {
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const { depthRadius, bias, alpha, beta } = attrs;
    const program = new LRNGradProgram(x.shape, beta);
    const uniformData = [
      { type: 'int32', data: [depthRadius] },
      { type: 'float32', data: [bias] },
      { type: 'float32', data: [alpha] },
      { type: 'float32', data: [beta] },
    ];
    return backend.runWebGPUProgram(program, [x, y, dy], 'float32', uniformData);
  }
  return lrnGrad as unknown as KernelFunc;
}

export const lrnGradKernel: FoveaKernel = {
  kernelName: LRNGrad,
  make: (stock: KernelFunc): KernelConfig =>
    ({ kernelName: LRNGrad, backendName: 'webgpu', kernelFunc: makeLrnGrad(stock) }),
};
