/**
 * Where the page keeps the backend probe's timings between visits (core/backend/probe-record.ts says when they are
 * reused): one record in localStorage, per browser profile and origin, not per project (it describes the computer).
 * Storage that fails (private mode, quota, a value from another version) is treated as empty: the probe runs again.
 */
import { isProbeRecord, type ProbeRecord } from '../core/backend/probe-record';
import type { BackendInfo } from '../worker/protocol';

const KEY = 'fovea.backendProbe';

export function loadProbeRecord(): ProbeRecord | undefined {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const value: unknown = raw ? JSON.parse(raw) : undefined;
    return isProbeRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the probes a backend choice measured at this start (not ones it reused). */
export function rememberProbes(info: BackendInfo): void {
  const choice = info.choice;
  if (!choice?.probeRecord || choice.probesReused) return;
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(choice.probeRecord));
  } catch {
    // Not kept: the next visit probes again.
  }
}

export function forgetProbeRecord(): void {
  try {
    globalThis.localStorage?.removeItem(KEY);
  } catch {
    // Nothing kept that could be removed.
  }
}
