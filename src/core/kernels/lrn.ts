import type { KernelConfig, KernelFunc, LRNAttrs, LRNInputs, TensorInfo } from '@tensorflow/tfjs';
import { LRN } from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { type FoveaKernel, LrnElementwiseProgram, mainHeader, negativePowerSnippet } from './program_util';

/**
 * Local response normalisation across channels of an NHWC tensor, one invocation per output element:
 *   y_c = x_c * (bias + alpha * sum_{c' in [c - r, c + r]} x_{c'}^2) ^ -beta
 * The window is a few contiguous floats, so neighbouring invocations share cache lines and no workgroup
 * memory is needed (GoogLeNet: r = 2, channels 64 and 192).
 */
export class LRNProgram extends LrnElementwiseProgram {
  constructor(xShape: number[], beta: number) {
    super(xShape, beta, 'foveaLrn', ['x']);
  }

  getUserCode(): string {
    return `
    ${mainHeader('index')} {
      if (index < uniforms.size) {
        let channels = uniforms.outShape[3];
        let c = index % channels;
        let pixel = index - c;
        let first = pixel + max(0, c - uniforms.radius);
        let last = pixel + min(channels - 1, c + uniforms.radius);
        var sum = 0.0;
        for (var k = first; k <= last; k++) {
          let v = x[k];
          sum = sum + v * v;
        }
        let s = uniforms.bias + uniforms.alpha * sum;
        setOutputAtIndex(index, x[index] * ${negativePowerSnippet('s', this.beta)});
      }
    }
    `;
  }
}

type LRNArgs = { inputs: LRNInputs; backend: WebGPUBackend; attrs: LRNAttrs };

/** Builds the kernel function; `fallback` (stock tfjs) takes non-float32 inputs, which it converts. */
export function makeLrn(fallback: KernelFunc): KernelFunc {
  function lrn(args: LRNArgs): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    if (x.dtype !== 'float32') return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const { depthRadius, bias, alpha, beta } = attrs;
    const program = new LRNProgram(x.shape, beta);
    const uniformData = [
      { type: 'int32', data: [depthRadius] },
      { type: 'float32', data: [bias] },
      { type: 'float32', data: [alpha] },
      { type: 'float32', data: [beta] },
    ];
    return backend.runWebGPUProgram(program, [x], 'float32', uniformData);
  }
  return lrn as unknown as KernelFunc;
}

export const lrnKernel: FoveaKernel = {
  kernelName: LRN,
  make: (stock: KernelFunc): KernelConfig => ({ kernelName: LRN, backendName: 'webgpu', kernelFunc: makeLrn(stock) }),
};
