/**
 * Which compute backend Fovea runs on, decided from evidence: what the browser says about its WebGPU adapter and
 * its WebGL renderer, optional probe timings (GoogLeNet images/s on each candidate), and the user's override.
 * A software GPU (SwiftShader, llvmpipe, WARP…) computes on the CPU, far more slowly than WebAssembly does, so it
 * is never chosen over WebAssembly unless a probe measured it faster or the user asked for it. Where the facts do
 * not say (an adapter without info, a masked renderer) the decision asks for a probe instead of guessing.
 * Pure: no DOM, no tfjs; the worker gathers the facts, runs the probes and starts what this decides.
 */

/** In the order a GPU is preferred: WebGPU, WebGL, WebAssembly on the CPU, tfjs's plain CPU backend. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What the user may ask for: 'auto' lets the evidence decide. */
export type BackendPreference = 'auto' | 'webgpu' | 'webgl' | 'wasm';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm'];

export function isBackendPreference(value: unknown): value is BackendPreference {
  return typeof value === 'string' && (BACKEND_PREFERENCES as readonly string[]).includes(value);
}

/** Where an override came from: the project's settings, or a `?backend=` URL parameter (this session only). */
export type PreferenceSource = 'settings' | 'url';

/** A WebGPU adapter's `info` (GPUAdapterInfo), and whether the browser calls it a fallback (software) adapter. */
export interface GpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BackendFacts {
  /** The WebGPU adapter; null when the browser has no WebGPU or gave no adapter (`webgpuMissing` says why). */
  webgpu: GpuAdapterFacts | null;
  webgpuMissing?: string;
  /**
   * WebGL's unmasked renderer (WEBGL_debug_renderer_info), '' when the browser hides it; null when no WebGL
   * context could be created (`webglMissing` says why).
   */
  webglRenderer: string | null;
  webglMissing?: string;
  /** Backends that already failed to start in this session, with why: never chosen again. */
  failed?: Partial<Record<BackendName, string>>;
}

/** One probe: GoogLeNet inference images/s on a backend (null with `error` when the probe failed). */
export interface ProbeTiming {
  backend: BackendName;
  imagesPerSecond: number | null;
  error?: string;
}

export interface BackendChoiceInput {
  facts: BackendFacts;
  /** Defaults to 'auto'. */
  preference?: BackendPreference;
  /** Where a preference other than 'auto' came from; defaults to 'settings'. */
  preferenceSource?: PreferenceSource;
  /** Timings of a probe run because an earlier decision asked for it. */
  probes?: readonly ProbeTiming[];
  /** Time every available candidate even where the facts settle it (`?probe=1`: support, tests). */
  probeAlways?: boolean;
}

export type BackendDecision =
  /** Start `backend`; `reason` says why in plain words (it starts with why a better-looking one was not used). */
  | { kind: 'use'; backend: BackendName; reason: string }
  /** The facts do not settle it: time a short probe on each of `candidates`, then decide again with the timings. */
  | { kind: 'probe'; candidates: BackendName[]; reason: string };

/** How a GPU computes: on real graphics hardware, in software on the CPU, or not said. */
export type GpuKind = 'hardware' | 'software' | 'unknown';

/** Renderers and adapters that compute on the CPU: SwiftShader, Mesa's llvmpipe/softpipe/lavapipe, Windows' WARP. */
const SOFTWARE_GPU = /swiftshader|llvmpipe|softpipe|lavapipe|microsoft basic render|\bwarp\b|software (?:renderer|rasterizer|adapter)/i;

/** What browsers answer for the renderer when they hide the real one: says nothing about the hardware. */
const MASKED_RENDERER = /^(?:webkit webgl|mozilla|generic renderer|)$/i;

export function gpuKindOfAdapter(adapter: GpuAdapterFacts): GpuKind {
  if (adapter.isFallbackAdapter) return 'software';
  const text = describeAdapter(adapter);
  if (SOFTWARE_GPU.test(text)) return 'software';
  return text === '' ? 'unknown' : 'hardware';
}

export function gpuKindOfRenderer(renderer: string): GpuKind {
  if (SOFTWARE_GPU.test(renderer)) return 'software';
  return MASKED_RENDERER.test(renderer.trim()) ? 'unknown' : 'hardware';
}

/** "google swiftshader", or '' when the adapter says nothing about itself. */
export function describeAdapter(adapter: GpuAdapterFacts): string {
  return [adapter.vendor, adapter.architecture, adapter.device, adapter.description].map((s) => s.trim()).filter(Boolean).join(' ');
}

export const BACKEND_TITLES: Record<BackendName, string> = {
  webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'the plain CPU backend',
};

/** Images/s for people: 2 significant digits below 10, whole numbers above. */
export function formatImagesPerSecond(value: number): string {
  if (value >= 10) return value.toFixed(0);
  return value >= 0.1 ? value.toFixed(1) : value.toPrecision(1);
}

interface GpuOption {
  backend: 'webgpu' | 'webgl';
  kind: GpuKind;
}

/** The GPU backends this browser offers and that have not failed, in order of preference, with their kind. */
function gpuOptions(facts: BackendFacts): GpuOption[] {
  const options: GpuOption[] = [];
  if (facts.webgpu && !facts.failed?.webgpu) options.push({ backend: 'webgpu', kind: gpuKindOfAdapter(facts.webgpu) });
  if (facts.webglRenderer !== null && !facts.failed?.webgl) options.push({ backend: 'webgl', kind: gpuKindOfRenderer(facts.webglRenderer) });
  return options;
}

function isAvailable(facts: BackendFacts, backend: BackendName): boolean {
  if (facts.failed?.[backend]) return false;
  if (backend === 'webgpu') return facts.webgpu !== null;
  if (backend === 'webgl') return facts.webglRenderer !== null;
  return true;
}

/** Why a backend cannot be used, in plain words. */
function unavailableBecause(facts: BackendFacts, backend: BackendName): string {
  const failed = facts.failed?.[backend];
  if (failed) return `it failed to start (${failed})`;
  if (backend === 'webgpu') return facts.webgpuMissing ?? 'no WebGPU adapter was found';
  if (backend === 'webgl') return facts.webglMissing ?? 'no WebGL context could be created';
  return 'it is not available';
}

/** One sentence on why WebGPU is not the one used (empty when it is). */
function whyNotWebGpu(facts: BackendFacts, chosen: BackendName): string {
  if (chosen === 'webgpu') return '';
  if (!isAvailable(facts, 'webgpu')) return `WebGPU is not available: ${unavailableBecause(facts, 'webgpu')}.`;
  const adapter = facts.webgpu!;
  const kind = gpuKindOfAdapter(adapter);
  if (kind === 'software') {
    const what = describeAdapter(adapter) || 'no name';
    return `WebGPU here is a software adapter (${what}${adapter.isFallbackAdapter ? ', a fallback adapter' : ''}) that computes on the CPU, far more slowly than WebAssembly.`;
  }
  return '';
}

/** One sentence on why WebGL is not the one used, when a CPU backend is (empty otherwise). */
function whyNotWebGl(facts: BackendFacts, chosen: BackendName): string {
  if (chosen !== 'wasm' && chosen !== 'cpu') return '';
  if (!isAvailable(facts, 'webgl')) return `WebGL is not available either (${unavailableBecause(facts, 'webgl')}).`;
  if (gpuKindOfRenderer(facts.webglRenderer!) === 'software') {
    return `WebGL runs on a software renderer too (${facts.webglRenderer}).`;
  }
  return '';
}

function describeGpu(facts: BackendFacts, backend: 'webgpu' | 'webgl'): string {
  return backend === 'webgpu' ? describeAdapter(facts.webgpu!) : facts.webglRenderer!;
}

function sentences(...parts: string[]): string {
  return parts.filter(Boolean).join(' ');
}

function measuredSentence(probes: readonly ProbeTiming[], chosen: BackendName): string {
  const timings = probes.map((p) => p.imagesPerSecond === null
    ? `${BACKEND_TITLES[p.backend]} failed (${p.error ?? 'no timing'})`
    : `${BACKEND_TITLES[p.backend]} ${formatImagesPerSecond(p.imagesPerSecond)} images/s`);
  return `A short GoogLeNet probe measured ${timings.join(', ')}: ${BACKEND_TITLES[chosen]} is the fastest here.`;
}

/** The automatic choice: hardware GPU, else a probe where the facts are unclear, else WebAssembly. */
function decideAutomatically(facts: BackendFacts, probes: readonly ProbeTiming[] | undefined, probeAlways = false): BackendDecision {
  if (probeAlways && !probes) {
    const candidates = [...gpuOptions(facts).map((g) => g.backend), ...(isAvailable(facts, 'wasm') ? ['wasm' as const] : [])];
    if (candidates.length > 1) {
      return { kind: 'probe', candidates, reason: `A probe was asked for (?probe=1): it times ${candidates.map((c) => BACKEND_TITLES[c]).join(' and ')}.` };
    }
  }
  const measured = (probes ?? []).filter((p) => p.imagesPerSecond !== null && isAvailable(facts, p.backend));
  if (measured.length > 0) {
    const fastest = measured.reduce((a, b) => (b.imagesPerSecond! > a.imagesPerSecond! ? b : a));
    return { kind: 'use', backend: fastest.backend, reason: sentences(measuredSentence(probes!, fastest.backend)) };
  }
  const wasmOk = isAvailable(facts, 'wasm');
  const gpus = gpuOptions(facts);
  const first = gpus.find((g) => g.kind !== 'software');
  if (first?.kind === 'hardware') {
    const reason = sentences(whyNotWebGpu(facts, first.backend), `${BACKEND_TITLES[first.backend]} runs on a hardware GPU (${describeGpu(facts, first.backend)}).`);
    return { kind: 'use', backend: first.backend, reason };
  }
  if (first?.kind === 'unknown') {
    const unclear = gpus.filter((g) => g.kind !== 'software').map((g) => g.backend);
    const candidates: BackendName[] = [...unclear, ...(wasmOk ? ['wasm' as const] : [])];
    const why = first.backend === 'webgpu'
      ? 'The WebGPU adapter does not say what it runs on (no vendor, architecture or description)'
      : 'The browser hides which renderer WebGL runs on';
    if (candidates.length > 1 && !probes) {
      return { kind: 'probe', candidates, reason: `${why}: a short probe times ${candidates.map((c) => BACKEND_TITLES[c]).join(' and ')}.` };
    }
    if (!wasmOk || candidates.length === 1) {
      return { kind: 'use', backend: first.backend, reason: `${why}, and WebAssembly is not available (${unavailableBecause(facts, 'wasm')}): ${BACKEND_TITLES[first.backend]} is used.` };
    }
    // Probed, and every probe failed: nothing measured, so the backend that always computes on the CPU wins.
    return { kind: 'use', backend: 'wasm', reason: `${why}, and no probe finished: WebAssembly is used.` };
  }
  if (wasmOk) return { kind: 'use', backend: 'wasm', reason: sentences(whyNotWebGpu(facts, 'wasm'), whyNotWebGl(facts, 'wasm')) };
  // WebAssembly failed: a software GPU is still far faster than tfjs's plain CPU backend.
  const software = gpus[0];
  if (software) {
    return {
      kind: 'use', backend: software.backend,
      reason: `WebAssembly is not available (${unavailableBecause(facts, 'wasm')}), so Fovea uses ${BACKEND_TITLES[software.backend]} on a software GPU (${describeGpu(facts, software.backend)}), slowly.`,
    };
  }
  return {
    kind: 'use', backend: 'cpu',
    reason: sentences(whyNotWebGpu(facts, 'cpu'), whyNotWebGl(facts, 'cpu'), `WebAssembly is not available (${unavailableBecause(facts, 'wasm')}).`),
  };
}

/**
 * Decides which backend to start. An override is followed when that backend is available; otherwise (and for
 * 'auto') the evidence decides: a hardware GPU is used at once (no probe, no start-up cost), a software one never
 * beats WebAssembly unless a probe measured it faster, and unclear facts ask for a probe.
 */
export function decideBackend(input: BackendChoiceInput): BackendDecision {
  const { facts, probes } = input;
  const preference = input.preference ?? 'auto';
  if (preference === 'auto') return decideAutomatically(facts, probes, input.probeAlways);
  const where = (input.preferenceSource ?? 'settings') === 'url' ? 'by the page address (?backend=)' : 'in the settings';
  const asked = BACKEND_TITLES[preference];
  if (isAvailable(facts, preference)) {
    const caveat = preference !== 'wasm' && gpuOptions(facts).find((g) => g.backend === preference)?.kind === 'software'
      ? ` It runs on a software GPU (${describeGpu(facts, preference)}) here, which is slow.` : '';
    return {
      kind: 'use', backend: preference,
      reason: sentences(whyNotWebGpu(facts, preference), whyNotWebGl(facts, preference), `${asked} was chosen ${where}.${caveat}`),
    };
  }
  const fallback = decideAutomatically(facts, probes);
  const prefix = `${asked} was chosen ${where}, but it is not available (${unavailableBecause(facts, preference)}).`;
  return { ...fallback, reason: sentences(prefix, fallback.reason) };
}
