/**
 * What Fovea's kernels share, and the few pieces of tfjs-backend-webgpu's program plumbing they need,
 * restated here because the package only exports them from internal modules, and importing the package at
 * load time would register the backend before `navigator.gpu` exists in Node (dawn.node) and so lose it.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** One of Fovea's replacements: builds its config from the stock kernel, which it calls for inputs it
 * does not handle. */
export interface FoveaKernel {
  kernelName: string;
  make: (stock: KernelFunc) => KernelConfig;
}

/** Same as tfjs-backend-webgpu's `getMainHeaderString`: the wrapper's `_start` calls `main(index)` for
 * programs whose dispatch layout is flat, and `main()` otherwise. */
export function mainHeader(index?: string): string {
  return index === undefined ? 'fn main()' : `fn main(${index} : i32)`;
}

/** Workgroups needed to cover `size` invocations in x, for a flat layout (same as tfjs's computeDispatch). */
export function flatDispatch(size: number, workgroupSize: [number, number, number]): [number, number, number] {
  return [Math.ceil(size / workgroupSize[0]), 1, 1];
}

/** `base ^ -beta` in WGSL for a positive `base`: (inverse) square roots rather than pow for the usual betas. */
export function negativePowerSnippet(base: string, beta: number): string {
  if (beta === 0.75) return `(inverseSqrt(${base}) * inverseSqrt(sqrt(${base})))`;
  if (beta === 0.5) return `inverseSqrt(${base})`;
  if (beta === 1) return `(1.0 / ${base})`;
  return `pow(${base}, -uniforms.beta)`;
}

/** Shader-key tag for the power variant chosen by {@link negativePowerSnippet}. */
export function negativePowerKey(beta: number): string {
  return beta === 0.75 || beta === 0.5 || beta === 1 ? `b${beta}` : 'bpow';
}

/**
 * What LRN and LRNGrad's programs share: one invocation per element of the NHWC output (shaped like x),
 * the LRN parameters as uniforms, and a shader key by power variant ({@link negativePowerKey}).
 */
export abstract class LrnElementwiseProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  uniforms = 'radius : i32, bias : f32, alpha : f32, beta : f32,';
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  protected constructor(xShape: number[], protected readonly beta: number, keyPrefix: string,
    public variableNames: string[]) {
    this.outputShape = xShape;
    this.dispatchLayout = { x: xShape.map((_, i) => i) };
    this.dispatch = flatDispatch(xShape.reduce((a, b) => a * b, 1), this.workgroupSize);
    this.shaderKey = `${keyPrefix}_${negativePowerKey(beta)}`;
  }

  abstract getUserCode(): string;
}
