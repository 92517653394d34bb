import { describe, expect, it } from 'vitest';
import type { BackendFacts, GpuAdapterFacts } from './choice';
import { decideBackend } from './choice';
import { isProbeRecord, PROBE_RECORD_MAX_AGE_DAYS, probeKey, type ProbeRecord, reusableProbes } from './probe-record';

const SILENT_ADAPTER: GpuAdapterFacts = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false };
const unclear: BackendFacts = { webgpu: SILENT_ADAPTER, webglRenderer: '' };
const env = { userAgent: 'Mozilla/5.0 Chrome/131.0.0.0', cores: 8 };
const key = probeKey(unclear, env);
const measuredAt = '2026-12-01T10:00:00.000Z';
const record: ProbeRecord = {
  key, measuredAt,
  probes: [{ backend: 'webgpu', imagesPerSecond: 3.5 }, { backend: 'webgl', imagesPerSecond: 1.2 }, { backend: 'wasm', imagesPerSecond: 30 }],
};
const day = 86_400_000;

describe('probe timings kept between visits', () => {
  it('are keyed by what could change the backends: adapter, renderer, browser, cores, threads asked for', () => {
    expect(probeKey(unclear, env)).toBe(key);
    expect(probeKey({ ...unclear, failed: { webgl: 'lost' } }, env)).toBe(key); // this session's failures are not the computer
    const changed = [
      probeKey({ ...unclear, webgpu: { ...SILENT_ADAPTER, description: 'Intel Arc' } }, env),
      probeKey({ ...unclear, webgpu: { ...SILENT_ADAPTER, isFallbackAdapter: true } }, env),
      probeKey({ ...unclear, webgpu: null }, env),
      probeKey({ ...unclear, webglRenderer: 'ANGLE (Intel)' }, env),
      probeKey(unclear, { ...env, userAgent: 'Mozilla/5.0 Chrome/132.0.0.0' }),
      probeKey(unclear, { ...env, cores: 4 }),
      probeKey(unclear, { ...env, wasmThreads: 1 }),
    ];
    expect(new Set([key, ...changed]).size).toBe(changed.length + 1);
  });

  it('stand for a new probe only for the same key, within 30 days, and when every candidate was measured', () => {
    const now = new Date(Date.parse(measuredAt) + 2 * day);
    expect(reusableProbes(record, key, ['webgpu', 'wasm'], now)).toEqual([record.probes[0], record.probes[2]]);
    expect(reusableProbes(record, 'another computer', ['webgpu', 'wasm'], now)).toBeNull();
    expect(reusableProbes(undefined, key, ['wasm'], now)).toBeNull();
    expect(reusableProbes(record, key, ['webgpu', 'wasm'], new Date(Date.parse(measuredAt) + (PROBE_RECORD_MAX_AGE_DAYS + 1) * day))).toBeNull();
    expect(reusableProbes(record, key, ['webgpu', 'wasm'], new Date(Date.parse(measuredAt) - day))).toBeNull(); // clock went back
    const failed: ProbeRecord = { ...record, probes: [{ backend: 'webgpu', imagesPerSecond: null, error: 'device lost' }, record.probes[2]] };
    expect(reusableProbes(failed, key, ['webgpu', 'wasm'], now)).toBeNull();
    expect(reusableProbes({ ...record, measuredAt: 'not a date' }, key, ['wasm'], now)).toBeNull();
  });

  it('decide as if just measured, and a forced probe (?probe=1) asks for every available backend', () => {
    const now = new Date(Date.parse(measuredAt) + day);
    const first = decideBackend({ facts: unclear });
    expect(first.kind).toBe('probe');
    const candidates = first.kind === 'probe' ? first.candidates : [];
    const decision = decideBackend({ facts: unclear, probes: reusableProbes(record, key, candidates, now)! });
    expect(decision).toMatchObject({ kind: 'use', backend: 'wasm' });
    const software: BackendFacts = { webgpu: { ...SILENT_ADAPTER, vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }, webglRenderer: null };
    expect(decideBackend({ facts: software })).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(decideBackend({ facts: software, probeAlways: true })).toMatchObject({ kind: 'probe', candidates: ['webgpu', 'wasm'] });
    expect(decideBackend({ facts: software, probeAlways: true, probes: [{ backend: 'webgpu', imagesPerSecond: 9 }, { backend: 'wasm', imagesPerSecond: 4 }] }))
      .toMatchObject({ kind: 'use', backend: 'webgpu' });
    expect(decideBackend({ facts: software, probeAlways: true, preference: 'wasm' })).toMatchObject({ kind: 'use', backend: 'wasm' });
  });

  it('read back from storage only when they have the record shape', () => {
    expect(isProbeRecord(JSON.parse(JSON.stringify(record)))).toBe(true);
    for (const bad of [null, 'x', {}, { ...record, probes: 'no' }, { ...record, probes: [{ backend: 'wasm', imagesPerSecond: '3' }] }, { ...record, key: 1 }]) {
      expect(isProbeRecord(bad)).toBe(false);
    }
  });
});
