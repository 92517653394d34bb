/**
 * Probe timings kept between visits. A probe (GoogLeNet on each candidate backend, worker/probe.ts) runs only where
 * the browser's facts do not settle the choice, and costs seconds at every start; its result holds as long as the
 * computer's backends are the same. The record is keyed by what could change them: the WebGPU adapter and WebGL
 * renderer as described, the browser (user agent), the logical cores and the wasm threads asked for. A record
 * whose key differs, that is older than {@link PROBE_RECORD_MAX_AGE_DAYS}, or that lacks a successful timing for
 * any candidate is not used, and the probe runs again. Pure: the page stores the record (state/probe-store.ts).
 */
import type { BackendFacts, BackendName, ProbeTiming } from './choice';

export interface ProbeRecord {
  key: string;
  /** ISO date-time the probes ran. */
  measuredAt: string;
  probes: ProbeTiming[];
}

export const PROBE_RECORD_MAX_AGE_DAYS = 30;

export interface ProbeEnvironment {
  userAgent: string;
  cores: number;
  /** The wasm thread count asked for (`?threads=`), if any. */
  wasmThreads?: number;
}

/** What identifies this computer's backends for a probe. */
export function probeKey(facts: BackendFacts, env: ProbeEnvironment): string {
  const gpu = facts.webgpu;
  return JSON.stringify({
    webgpu: gpu ? [gpu.vendor, gpu.architecture, gpu.device, gpu.description, Boolean(gpu.isFallbackAdapter)] : null,
    webgl: facts.webglRenderer,
    userAgent: env.userAgent,
    cores: env.cores,
    wasmThreads: env.wasmThreads ?? null,
  });
}

/** The record's timings when they may stand for a new probe of `candidates` on the computer `key` describes. */
export function reusableProbes(record: ProbeRecord | null | undefined, key: string, candidates: readonly BackendName[], now: Date): ProbeTiming[] | null {
  if (!record || record.key !== key) return null;
  const age = now.getTime() - Date.parse(record.measuredAt);
  if (!(age >= 0 && age <= PROBE_RECORD_MAX_AGE_DAYS * 86_400_000)) return null;
  const measured = (backend: BackendName) => record.probes.some((p) => p.backend === backend && p.imagesPerSecond !== null && p.imagesPerSecond > 0);
  return candidates.every(measured) ? record.probes.filter((p) => candidates.includes(p.backend)) : null;
}

/** Whether an unknown value read back from storage is a ProbeRecord (storage may hold anything). */
export function isProbeRecord(value: unknown): value is ProbeRecord {
  const r = value as ProbeRecord;
  return typeof r === 'object' && r !== null && typeof r.key === 'string' && typeof r.measuredAt === 'string' &&
    Array.isArray(r.probes) && r.probes.every((p) => typeof p === 'object' && p !== null && typeof p.backend === 'string' &&
      (p.imagesPerSecond === null || typeof p.imagesPerSecond === 'number'));
}
