/**
 * Choosing the tfjs backend in the worker: WebGPU, else WebGL, else WebAssembly on the CPU, else tfjs's plain
 * CPU backend. Each fallback says plainly why the better one was not used and what the chosen one can do.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFoveaKernels } from '../core/kernels';
import { backendTrainsConvolutions } from './capabilities';
import type { BackendInfo, BackendName } from './protocol';
// The WebAssembly binaries are bundled assets of the app's own origin (no CDN): the studio works offline.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** No backend at all could start; practically never, since the CPU backend always exists. */
export class NoBackendError extends Error {
  override name = 'NoBackendError';
}

const WASM_START_TIMEOUT_MS = 60_000;

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

const GPU_ADVICE = 'For full speed use a recent Chrome or Edge with hardware acceleration on.';

/** Picks and starts the best backend; `onDeviceLost` is told when a WebGPU device is lost later. */
export async function pickBackend(onDeviceLost: (message: string) => void): Promise<BackendInfo> {
  const webgpu = await tryWebGpu(onDeviceLost);
  if (webgpu.info) return webgpu.info;
  const noWebGpu = `WebGPU is not available: ${webgpu.reason}.`;

  const webgl = await tryBackend('webgl');
  if (webgl === null) {
    return {
      backend: 'webgl', trainsConvolutions: backendTrainsConvolutions('webgl'),
      notice: `${noWebGpu} Training runs on WebGL instead, which is slower. ${GPU_ADVICE}`,
    };
  }

  const wasm = await tryWasm();
  if ('info' in wasm) {
    return { ...wasm.info, notice: `${noWebGpu} WebGL is not available either (${webgl}). ${cpuMeaning(wasm.info)} ${GPU_ADVICE}` };
  }

  const cpu = await tryBackend('cpu');
  if (cpu === null) {
    return {
      backend: 'cpu', trainsConvolutions: backendTrainsConvolutions('cpu'),
      notice: `${noWebGpu} WebGL is not available either (${webgl}), and WebAssembly failed to start (${wasm.reason}). ` +
        'Fovea runs on tfjs’s plain CPU backend: very slow, usable for predictions and small head-only runs. ' + GPU_ADVICE,
    };
  }
  throw new NoBackendError(
    `No compute backend could start in this browser (${webgpu.reason}; WebGL: ${webgl}; WebAssembly: ${wasm.reason}; ` +
      `CPU: ${cpu}). Open Fovea in a recent Chrome, Edge or Safari.`,
  );
}

/** What running on the CPU means for the user, in plain words. */
function cpuMeaning(info: BackendInfo): string {
  return 'Fovea runs on the CPU with WebAssembly instead: slower, but fine for predictions and for scenarios 1 ' +
    'and 3, which train only the new classifier on a frozen backbone (its features are computed once and cached). ' +
    `Scenarios 2 and 4 train convolution layers and need a GPU.${info.wasm && info.wasm.threads <= 1 ? ' It runs on one thread here.' : ''}`;
}

async function tryWebGpu(onDeviceLost: (message: string) => void): Promise<{ info: BackendInfo } | { info?: undefined; reason: string }> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { reason: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter) {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (await tf.setBackend('webgpu')) {
        await tf.ready();
        registerFoveaKernels();
        watchDevice(onDeviceLost);
        return { info: { backend: 'webgpu', trainsConvolutions: backendTrainsConvolutions('webgpu') } };
      }
    }
    return { reason: 'no WebGPU adapter was found (GPU blocked or unsupported)' };
  } catch (e) {
    return { reason: `WebGPU failed to start (${(e as Error).message})` };
  }
}

/** Starts a backend that tfjs already registered; null on success, else why it did not start. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (await tf.setBackend(name)) {
      await tf.ready();
      return null;
    }
    return 'disabled or unsupported';
  } catch (e) {
    return `failed to start: ${(e as Error).message}`;
  }
}

async function tryWasm(): Promise<{ info: BackendInfo } | { reason: string }> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    await keepThreadedFactorySource();
    const here = (url: string) => new URL(url, self.location.href).href;
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': here(wasmPlainUrl),
      'tfjs-backend-wasm-simd.wasm': here(wasmSimdUrl),
      'tfjs-backend-wasm-threaded-simd.wasm': here(wasmThreadedSimdUrl),
    });
    // A thread that cannot start leaves tfjs waiting for ever: give up after a while and fall back.
    const failed = await Promise.race([tryBackend('wasm'), delay(WASM_START_TIMEOUT_MS, 'did not start within a minute')]);
    if (failed !== null) return { reason: failed };
    // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP/COEP headers, see README); tfjs
    // then uses half the logical cores (hyper-threads), at most 8, and cannot be asked for more.
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = Math.max(1, wasm.getThreadsCount());
    return { info: { backend: 'wasm', trainsConvolutions: backendTrainsConvolutions('wasm'), wasm: { simd, threads } } };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/**
 * tfjs-backend-wasm starts its threads from `factory.toString()`, which in our minified bundle refers to a
 * variable of the enclosing module (the emscripten `_scriptDir`, renamed) that a thread's worker lacks
 * ("e is not defined", and the backend never starts). Give the factory its published, unminified source.
 */
async function keepThreadedFactorySource(): Promise<void> {
  try {
    const [mod, raw] = await Promise.all([
      import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
      import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw'),
    ]);
    const factory = ((mod as { default?: unknown }).default ?? mod) as () => unknown;
    const source: unknown = raw.default;
    const prefix = 'var WasmBackendModuleThreadedSimd = ';
    // tfjs prepends `prefix` itself; the rest of the file (the IIFE and its export lines) is valid script.
    if (typeof factory !== 'function' || typeof source !== 'string' || !source.includes(prefix)) return;
    factory.toString = () => source.slice(source.indexOf(prefix) + prefix.length);
  } catch {
    // The dev server serves the factory unminified: its own source then works as it is.
  }
}

interface WatchedDevice {
  lost: Promise<{ message: string; reason?: string }>;
}

/** Devices Fovea itself let go of when it restarted the backend: their loss is no news. */
const retiredDevices = new WeakSet<WatchedDevice>();

function watchDevice(onDeviceLost: (message: string) => void): void {
  const device = (tf.backend() as unknown as { device?: WatchedDevice }).device;
  device?.lost.then((info) => {
    if (retiredDevices.has(device)) return;
    onDeviceLost(info.message || (info.reason === 'destroyed' ? 'the GPU device was destroyed' : 'device lost'));
  });
}

/**
 * After a lost GPU device: drops the dead backend (its tensors are gone with the device) and picks a backend
 * again, so a new WebGPU device is requested (or the next best backend is used) without reloading the page.
 * The caller disposes its models first. Everything kept as plain arrays (the decoded images) is unaffected.
 */
export async function restartBackend(onDeviceLost: (message: string) => void): Promise<BackendInfo> {
  if (tf.getBackend() === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: WatchedDevice }).device;
    if (device) retiredDevices.add(device);
    try {
      tf.removeBackend('webgpu');
    } catch {
      // Releasing the buffers of a device that is already gone may fail; the backend is dropped regardless.
    }
    await registerWebGpuBackend();
  }
  return pickBackend(onDeviceLost);
}

/**
 * Registers the 'webgpu' backend factory again after tf.removeBackend: the same factory as
 * tfjs-backend-webgpu's base.ts (which registers it once, on import), so setBackend asks for a new device.
 */
async function registerWebGpuBackend(): Promise<void> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(options?: object): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return;
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  tf.registerBackend('webgpu', async () => {
    const adapter = await gpu.requestAdapter({
      powerPreference: tf.env().get('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance',
    });
    if (!adapter) throw new Error('no WebGPU adapter after the device was lost');
    const requiredFeatures = (['timestamp-query', 'bgra8unorm-storage'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
    const l = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    });
    return new WebGPUBackend(device as never, adapter.info as never);
  }, 3);
}

interface GpuAdapterLike {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  info?: unknown;
  requestDevice(descriptor: object): Promise<unknown>;
}
