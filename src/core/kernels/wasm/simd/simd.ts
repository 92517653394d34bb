import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PLAIN_MEMORY_KERNELS, SHARED_MEMORY_KERNELS } from './kernels-wasm';

/**
 * Fovea's WebAssembly SIMD kernels (kernels.wat), instantiated on tfjs-backend-wasm's own memory so that they read
 * and write tensors where they lie. Arguments: byte offsets of tensors in that memory, sizes in elements; channel
 * counts must be multiples of 4. Each mirrors a JavaScript loop beside its caller, which runs instead where this
 * is null (no SIMD, no reachable memory, a synchronous compile refused) or for other channel counts.
 */
export interface SimdKernels {
  max_pool_grad(x: number, y: number, g: number, dx: number, n: number, h: number, w: number, c: number,
    oh: number, ow: number, sh: number, sw: number, fh: number, fw: number, top: number, left: number): void;
  winograd_input(x: number, hp: number, wp: number, cin: number, first: number, images: number, th: number, tw: number,
    ...v: number[]): void;
  winograd_output(...args: number[]): void;
  winograd_gradient(g: number, oh: number, ow: number, cout: number, first: number, images: number, th: number, tw: number,
    ...e: number[]): void;
  /** Any length (a scalar tail after the blocks of 4). */
  momentum_step(v: number, a: number, g: number, a2: number, v2: number, n: number, negLr: number, momentum: number, decay: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();
let enabled = true;

/** Turns the SIMD kernels off (true: back on), so tests can run the JavaScript versions of the same kernels. */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** The backend's WebAssembly memory: exported by the single-threaded build, created and imported by the threaded one. */
function memoryOf(backend: BackendWasm): WebAssembly.Memory | null {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** The SIMD kernels on this backend's memory, or null where they cannot run (see {@link SimdKernels}). */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  if (!enabled) return null;
  const memory = memoryOf(backend);
  if (memory === null) return null;
  if (!instances.has(memory)) instances.set(memory, instantiate(memory));
  return instances.get(memory) ?? null;
}

function instantiate(memory: WebAssembly.Memory): SimdKernels | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Uint8Array.from(atob(shared ? SHARED_MEMORY_KERNELS : PLAIN_MEMORY_KERNELS), (ch) => ch.charCodeAt(0));
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as SimdKernels;
  } catch {
    return null; // no WebAssembly SIMD here (tfjs-backend-wasm then runs its non-SIMD build too)
  }
}

