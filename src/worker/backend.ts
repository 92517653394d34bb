/**
 * Starting the tfjs backend in the worker: gathers the facts (the WebGPU adapter's info, WebGL's renderer), lets
 * core/backend/choice.ts decide, runs a short probe only when it asks for one (a hardware GPU starts at once), and
 * starts the chosen backend, falling back to the next choice when one fails to start. The notice says plainly why
 * the studio is not on a GPU and what the chosen backend can do.
 */
import * as tf from '@tensorflow/tfjs';
import { decideBackend, type BackendFacts, type GpuAdapterFacts, type ProbeTiming } from '../core/backend/choice';
import { registerFoveaKernels } from '../core/kernels';
import { registerFoveaWasmKernels } from '../core/kernels/wasm';
import { backendTrainsConvolutions } from './capabilities';
import { timeGoogLeNet } from './probe';
import type { BackendInfo, BackendName, BackendRequest } from './protocol';
import { probeKey, type ProbeRecord, reusableProbes } from '../core/backend/probe-record';
// The WebAssembly binaries are bundled assets of the app's own origin (no CDN): the studio works offline.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** No backend at all could start; practically never, since the CPU backend always exists. */
export class NoBackendError extends Error {
  override name = 'NoBackendError';
}

const WASM_START_TIMEOUT_MS = 60_000;
/** Decisions tried at most: each failed start removes one backend, and the probe runs once. */
const MAX_ATTEMPTS = 8;

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

const GPU_ADVICE = 'For full speed use a recent Chrome or Edge with hardware acceleration on.';

/** The request when the page says nothing: let the evidence decide. */
export const AUTO_BACKEND: BackendRequest = { preference: 'auto', source: 'settings' };

/**
 * Chooses and starts a backend for `request`; `modelUrl` is the pretrained GoogLeNet a probe times, and
 * `onDeviceLost` is told when a WebGPU device in use is lost later.
 */
export async function pickBackend(
  onDeviceLost: (message: string) => void, modelUrl: string, request: BackendRequest = AUTO_BACKEND,
): Promise<BackendInfo> {
  const facts = await gatherFacts();
  const key = probeKey(facts, { userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency || 1, wasmThreads: request.wasmThreads });
  let probes: ProbeTiming[] | undefined;
  let probeSeconds = 0;
  let probeRecord: ProbeRecord | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const decision = decideBackend({ facts, preference: request.preference, preferenceSource: request.source, probes, probeAlways: request.probeAlways });
    if (decision.kind === 'probe') {
      const known = reusableProbes(request.knownProbes, key, decision.candidates, new Date());
      if (known) {
        probes = known;
        probeRecord = request.knownProbes;
        continue;
      }
      const started = performance.now();
      probes = await runProbes(decision.candidates, facts, modelUrl, request);
      probeSeconds = (performance.now() - started) / 1000;
      probeRecord = { key, measuredAt: new Date().toISOString(), probes };
      continue;
    }
    const { backend } = decision;
    if (facts.failed?.[backend]) break;
    const started = await startBackend(backend, request, onDeviceLost);
    if ('failed' in started) {
      facts.failed = { ...facts.failed, [backend]: started.failed };
      continue;
    }
    const measured = probes?.find((p) => p.backend === backend)?.imagesPerSecond;
    const info: BackendInfo = {
      ...started.info,
      choice: {
        preference: request.preference, source: request.source, reason: decision.reason, facts, probeSeconds,
        ...(probes ? { probes } : {}),
        ...(probeRecord ? { probeRecord, probesReused: probeRecord === request.knownProbes } : {}),
      },
      ...(measured ? { imagesPerSecond: measured } : {}),
    };
    const notice = noticeFor(info, decision.reason, request);
    return notice ? { ...info, notice } : info;
  }
  const failures = Object.entries(facts.failed ?? {}).map(([name, why]) => `${name}: ${why}`).join('; ');
  throw new NoBackendError(
    `No compute backend could start in this browser (WebGPU: ${facts.webgpuMissing ?? 'adapter found'}; WebGL: ` +
      `${facts.webglMissing ?? 'context created'}; ${failures}). Open Fovea in a recent Chrome, Edge or Safari.`,
  );
}

/** The banner under the header when Fovea is not on WebGPU: why (the decision's reason) and what it means. */
function noticeFor(info: BackendInfo, reason: string, request: BackendRequest): string | undefined {
  // Advice to get a GPU only helps when the user did not choose the backend themselves.
  const advice = request.preference === 'auto' ? ` ${GPU_ADVICE}` : '';
  switch (info.backend) {
    case 'webgpu': return undefined;
    case 'webgl': return `${reason} Training runs on WebGL instead, which is slower than WebGPU on a GPU.${advice}`;
    case 'wasm': return `${reason} ${cpuMeaning(info)}${advice}`;
    case 'cpu': return `${reason} Fovea runs on tfjs’s plain CPU backend: very slow, usable for predictions and small head-only runs.${advice}`;
  }
}

/** What running on the CPU with WebAssembly means for the user, in plain words. */
function cpuMeaning(info: BackendInfo): string {
  const threads = info.wasm ? ` It runs on ${info.wasm.threads === 1 ? 'one thread' : `${info.wasm.threads} threads`} here.` : '';
  return 'Fovea runs on the CPU with WebAssembly: slower than a GPU, but every scenario trains. Scenarios 1 and 3 ' +
    '(a new classifier on a frozen backbone, its features computed once and cached) are quick; 2 and 4, which train ' +
    `convolution layers, take much longer (about 4 images a second at 224 px on one core, 7 on two).${threads}`;
}

type NavigatorWithGpu = Navigator & { gpu?: { requestAdapter(): Promise<AdapterWithInfo | null> } };

interface AdapterWithInfo {
  info?: Partial<GpuAdapterFacts>;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<Partial<GpuAdapterFacts>>;
}

/** What the browser says about its GPU APIs, without starting a tfjs backend. */
export async function gatherFacts(): Promise<BackendFacts> {
  return { ...(await webGpuFacts()), ...webGlFacts() };
}

async function webGpuFacts(): Promise<Pick<BackendFacts, 'webgpu' | 'webgpuMissing'>> {
  const gpu = (navigator as NavigatorWithGpu).gpu;
  if (!gpu) return { webgpu: null, webgpuMissing: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { webgpu: null, webgpuMissing: 'no WebGPU adapter was found (GPU blocked or unsupported)' };
    // adapter.info since Chrome 127; requestAdapterInfo() before it; isFallbackAdapter moved into info.
    const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    return {
      webgpu: {
        vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '',
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      },
    };
  } catch (e) {
    return { webgpu: null, webgpuMissing: `WebGPU failed to start (${(e as Error).message})` };
  }
}

function webGlFacts(): Pick<BackendFacts, 'webglRenderer' | 'webglMissing'> {
  if (typeof OffscreenCanvas === 'undefined') return { webglRenderer: null, webglMissing: 'this browser offers no OffscreenCanvas to workers' };
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return { webglRenderer: null, webglMissing: 'no WebGL context could be created' };
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = debug ? String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) ?? '') : '';
    // Give the context back at once: tfjs's WebGL backend makes its own if it is chosen.
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { webglRenderer: renderer };
  } catch (e) {
    return { webglRenderer: null, webglMissing: `WebGL failed (${(e as Error).message})` };
  }
}

/**
 * Times GoogLeNet on each candidate (worker/probe.ts). A candidate that does not start is recorded in
 * `facts.failed`, so the decision that follows does not pick it.
 */
async function runProbes(candidates: BackendName[], facts: BackendFacts, modelUrl: string, request: BackendRequest): Promise<ProbeTiming[]> {
  const timings: ProbeTiming[] = [];
  for (const backend of candidates) {
    const started = await startBackend(backend, request, null);
    if ('failed' in started) {
      facts.failed = { ...facts.failed, [backend]: started.failed };
      timings.push({ backend, imagesPerSecond: null, error: started.failed });
      continue;
    }
    try {
      timings.push({ backend, imagesPerSecond: await timeGoogLeNet(modelUrl) });
    } catch (e) {
      timings.push({ backend, imagesPerSecond: null, error: (e as Error).message });
    }
  }
  return timings;
}

export type Started = { info: BackendInfo } | { failed: string };

/** Starts one backend; `onDeviceLost` null for a probe (a device the studio does not keep using is not watched). */
async function startBackend(backend: BackendName, request: BackendRequest, onDeviceLost: ((message: string) => void) | null): Promise<Started> {
  if (backend === 'wasm') return startWasm(request.wasmThreads);
  if (backend === 'webgpu') return tryWebGpu(onDeviceLost);
  const failed = await tryBackend(backend);
  return failed === null ? { info: { backend, trainsConvolutions: backendTrainsConvolutions(backend) } } : { failed };
}

async function tryWebGpu(onDeviceLost: ((message: string) => void) | null): Promise<Started> {
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    const failed = await tryBackend('webgpu');
    if (failed !== null) return { failed };
    registerFoveaKernels();
    if (onDeviceLost) watchDevice(onDeviceLost);
    return { info: { backend: 'webgpu', trainsConvolutions: backendTrainsConvolutions('webgpu') } };
  } catch (e) {
    return { failed: (e as Error).message };
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

/**
 * Starts the WebAssembly backend on `threads` threads (default: every logical core when the page is cross-origin
 * isolated, which threads need for SharedArrayBuffer; else one). tfjs's own default is half the cores, at most 8.
 * Exported for the CPU bench's Chromium worker (e2e/pages/cpu-bench-worker.ts), which must start it as the studio does.
 */
export async function startWasm(threadsWanted?: number): Promise<Started> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    await keepThreadedFactorySource();
    // Read by tfjs only when the backend first starts; a later call (a restart) changes nothing.
    const threads = threadsWanted ?? (self.crossOriginIsolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
    wasm.setThreadsCount(threads);
    const here = (url: string) => new URL(url, self.location.href).href;
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': here(wasmPlainUrl),
      'tfjs-backend-wasm-simd.wasm': here(wasmSimdUrl),
      'tfjs-backend-wasm-threaded-simd.wasm': here(wasmThreadedSimdUrl),
    });
    // A thread that cannot start leaves tfjs waiting for ever: give up after a while and fall back.
    const failed = await withThreadCap(threads, () => Promise.race([tryBackend('wasm'), delay(WASM_START_TIMEOUT_MS, 'did not start within a minute')]));
    if (failed !== null) return { failed };
    registerFoveaWasmKernels(); // tfjs-backend-wasm has no Conv2DBackpropFilter: without it no convolution trains
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return { info: { backend: 'wasm', trainsConvolutions: backendTrainsConvolutions('wasm'), wasm: { simd, threads: Math.max(1, wasm.getThreadsCount()) } } };
  } catch (e) {
    return { failed: (e as Error).message };
  }
}

/**
 * tfjs-backend-wasm caps its thread pool at half of navigator.hardwareConcurrency (backend.cc: `num_cores =
 * emscripten_num_logical_cores() / 2`, read once when the module starts), assuming two hyper-threads a core; on a
 * machine whose logical cores are real cores (most virtual desktops, this 2-core machine) that leaves half of them
 * idle and, on two, allows one thread whatever setThreadsCount asked. While the module starts, the worker's
 * navigator reports twice the threads wanted, so the cap is what the caller asked for.
 */
async function withThreadCap<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const nav = self.navigator;
  const shadowed = Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency');
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: threads * 2, configurable: true });
  } catch {
    return start(); // a browser that refuses: tfjs's own cap applies
  }
  try {
    return await start();
  } finally {
    if (shadowed) Object.defineProperty(nav, 'hardwareConcurrency', shadowed);
    else delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
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

/** Devices already watched: a switch back to WebGPU starts the same backend again. */
const watchedDevices = new WeakSet<WatchedDevice>();

function watchDevice(onDeviceLost: (message: string) => void): void {
  const device = (tf.backend() as unknown as { device?: WatchedDevice }).device;
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  device.lost.then((info) => {
    // A device the studio switched away from (the user chose another backend) is no longer in use.
    if (retiredDevices.has(device) || tf.getBackend() !== 'webgpu') return;
    onDeviceLost(info.message || (info.reason === 'destroyed' ? 'the GPU device was destroyed' : 'device lost'));
  });
}

/**
 * After a lost GPU device: drops the dead backend (its tensors are gone with the device) and picks a backend
 * again, so a new WebGPU device is requested (or the next best backend is used) without reloading the page.
 * The caller disposes its models first. Everything kept as plain arrays (the decoded images) is unaffected.
 */
export async function restartBackend(
  onDeviceLost: (message: string) => void, modelUrl: string, request: BackendRequest = AUTO_BACKEND,
): Promise<BackendInfo> {
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
  return pickBackend(onDeviceLost, modelUrl, request);
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
