import { describe, expect, it } from 'vitest';
import {
  decideBackend, formatImagesPerSecond, gpuKindOfAdapter, gpuKindOfRenderer, isBackendPreference,
  type BackendFacts, type GpuAdapterFacts,
} from './choice';

// What Debian's Chromium 156 answers on this (GPU-less) machine with --use-webgpu-adapter=swiftshader: adapter.info
// and WEBGL_debug_renderer_info's UNMASKED_RENDERER_WEBGL, read in the page by a playwright-core script.
const SWIFTSHADER_ADAPTER: GpuAdapterFacts = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };
const SWIFTSHADER_GL = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
// Typical answers of real GPUs (Chrome on Windows and Linux desktops).
const NVIDIA_ADAPTER: GpuAdapterFacts = { vendor: 'nvidia', architecture: 'ampere', device: '', description: '', isFallbackAdapter: false };
const INTEL_GL = 'ANGLE (Intel, Intel(R) UHD Graphics 630 (0x00003E92) Direct3D11 vs_5_0 ps_5_0, D3D11)';
const SILENT_ADAPTER: GpuAdapterFacts = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false };

const softwareOnly: BackendFacts = { webgpu: SWIFTSHADER_ADAPTER, webglRenderer: SWIFTSHADER_GL };
const noGpu: BackendFacts = {
  webgpu: null, webgpuMissing: 'this browser has no WebGPU', webglRenderer: null, webglMissing: 'no WebGL context could be created',
};

describe('telling a software GPU from a hardware one', () => {
  it.each([
    ['SwiftShader (fallback adapter)', SWIFTSHADER_ADAPTER, 'software'],
    ['SwiftShader not flagged as fallback', { ...SWIFTSHADER_ADAPTER, isFallbackAdapter: false }, 'software'],
    ['any adapter flagged as fallback', { ...NVIDIA_ADAPTER, isFallbackAdapter: true }, 'software'],
    ['llvmpipe in the description', { ...SILENT_ADAPTER, vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, 'software'],
    ['Microsoft Basic Render Driver', { ...SILENT_ADAPTER, description: 'Microsoft Basic Render Driver' }, 'software'],
    ['an NVIDIA GPU', NVIDIA_ADAPTER, 'hardware'],
    ['an adapter that says nothing', SILENT_ADAPTER, 'unknown'],
  ] as const)('adapter: %s', (_, adapter, kind) => {
    expect(gpuKindOfAdapter(adapter)).toBe(kind);
  });

  it.each([
    [SWIFTSHADER_GL, 'software'],
    ['llvmpipe (LLVM 15.0.6, 256 bits)', 'software'],
    ['Mesa softpipe', 'software'],
    ['ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)', 'software'],
    ['ANGLE (Microsoft, WARP, D3D11)', 'software'],
    [INTEL_GL, 'hardware'],
    ['Apple M1', 'hardware'],
    ['WebKit WebGL', 'unknown'],
    ['', 'unknown'],
  ] as const)('renderer %j is %s', (renderer, kind) => {
    expect(gpuKindOfRenderer(renderer)).toBe(kind);
  });
});

describe('choosing automatically', () => {
  it('takes a hardware WebGPU adapter at once, without a probe', () => {
    const d = decideBackend({ facts: { webgpu: NVIDIA_ADAPTER, webglRenderer: INTEL_GL } });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgpu' });
    expect(d.reason).toMatch(/hardware GPU \(nvidia ampere\)/);
  });

  it('recognises SwiftShader WebGPU and WebGL as software and chooses WebAssembly (this machine)', () => {
    const d = decideBackend({ facts: softwareOnly });
    expect(d).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(d.reason).toMatch(/WebGPU here is a software adapter \(google swiftshader, a fallback adapter\)/);
    expect(d.reason).toMatch(/WebGL runs on a software renderer too/);
  });

  it('takes hardware WebGL when WebGPU is software, and says why WebGPU was passed over', () => {
    const d = decideBackend({ facts: { webgpu: SWIFTSHADER_ADAPTER, webglRenderer: INTEL_GL } });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgl' });
    expect(d.reason).toMatch(/WebGPU here is a software adapter/);
    expect(d.reason).toMatch(/WebGL runs on a hardware GPU \(ANGLE \(Intel/);
  });

  it('takes hardware WebGL when there is no WebGPU, saying so', () => {
    const d = decideBackend({ facts: { webgpu: null, webgpuMissing: 'this browser has no WebGPU', webglRenderer: INTEL_GL } });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgl' });
    expect(d.reason).toMatch(/^WebGPU is not available: this browser has no WebGPU\./);
  });

  it('without any GPU API chooses WebAssembly and says neither is available', () => {
    const d = decideBackend({ facts: noGpu });
    expect(d).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(d.reason).toBe('WebGPU is not available: this browser has no WebGPU. WebGL is not available either (no WebGL context could be created).');
  });

  it('asks for a probe of WebGPU against WebAssembly when the adapter says nothing about itself', () => {
    const d = decideBackend({ facts: { webgpu: SILENT_ADAPTER, webglRenderer: SWIFTSHADER_GL } });
    expect(d).toMatchObject({ kind: 'probe', candidates: ['webgpu', 'wasm'] });
    expect(d.reason).toMatch(/does not say what it runs on/);
  });

  it('asks for a probe of both GPUs when neither says what it is, but never of a software one', () => {
    expect(decideBackend({ facts: { webgpu: SILENT_ADAPTER, webglRenderer: 'WebKit WebGL' } }))
      .toMatchObject({ kind: 'probe', candidates: ['webgpu', 'webgl', 'wasm'] });
    expect(decideBackend({ facts: { webgpu: SWIFTSHADER_ADAPTER, webglRenderer: 'WebKit WebGL' } }))
      .toMatchObject({ kind: 'probe', candidates: ['webgl', 'wasm'] });
  });

  it('after a probe, takes the fastest and quotes every timing', () => {
    const facts = { webgpu: SILENT_ADAPTER, webglRenderer: SWIFTSHADER_GL };
    const slowGpu = decideBackend({ facts, probes: [{ backend: 'webgpu', imagesPerSecond: 0.84 }, { backend: 'wasm', imagesPerSecond: 31.6 }] });
    expect(slowGpu).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(slowGpu.reason).toBe('A short GoogLeNet probe measured WebGPU 0.8 images/s, WebAssembly 32 images/s: WebAssembly is the fastest here.');
    const fastGpu = decideBackend({ facts, probes: [{ backend: 'webgpu', imagesPerSecond: 250 }, { backend: 'wasm', imagesPerSecond: 31.6 }] });
    expect(fastGpu).toMatchObject({ kind: 'use', backend: 'webgpu' });
  });

  it('a probe that measured a software GPU faster than WebAssembly wins over the classification', () => {
    const d = decideBackend({ facts: softwareOnly, probes: [{ backend: 'webgpu', imagesPerSecond: 50 }, { backend: 'wasm', imagesPerSecond: 20 }] });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgpu' });
  });

  it('ignores failed probes, and a probe of a backend that has since failed to start', () => {
    const facts: BackendFacts = { webgpu: SILENT_ADAPTER, webglRenderer: null, failed: { webgpu: 'device request refused' } };
    const d = decideBackend({ facts, probes: [{ backend: 'webgpu', imagesPerSecond: 90 }, { backend: 'wasm', imagesPerSecond: 20 }] });
    expect(d).toMatchObject({ kind: 'use', backend: 'wasm' });
    const failedProbe = decideBackend({
      facts: { webgpu: SILENT_ADAPTER, webglRenderer: null },
      probes: [{ backend: 'webgpu', imagesPerSecond: null, error: 'out of memory' }, { backend: 'wasm', imagesPerSecond: 20 }],
    });
    expect(failedProbe).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(failedProbe.reason).toMatch(/WebGPU failed \(out of memory\), WebAssembly 20 images\/s/);
  });

  it('falls back to WebAssembly when every probe failed', () => {
    const d = decideBackend({
      facts: { webgpu: SILENT_ADAPTER, webglRenderer: null },
      probes: [{ backend: 'webgpu', imagesPerSecond: null, error: 'x' }, { backend: 'wasm', imagesPerSecond: null, error: 'y' }],
    });
    expect(d).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(d.reason).toMatch(/no probe finished/);
  });

  it('uses an unclear GPU without probing when WebAssembly failed to start', () => {
    const d = decideBackend({ facts: { webgpu: SILENT_ADAPTER, webglRenderer: null, failed: { wasm: 'no SharedArrayBuffer' } } });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgpu' });
    expect(d.reason).toMatch(/WebAssembly is not available \(it failed to start \(no SharedArrayBuffer\)\)/);
  });

  it('prefers a software GPU to the plain CPU backend when WebAssembly failed', () => {
    const d = decideBackend({ facts: { ...softwareOnly, failed: { wasm: 'did not start within a minute' } } });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgpu' });
    expect(d.reason).toMatch(/on a software GPU \(google swiftshader\), slowly/);
  });

  it('ends on the plain CPU backend when nothing else can start', () => {
    const d = decideBackend({ facts: { ...noGpu, failed: { wasm: 'blocked' } } });
    expect(d).toMatchObject({ kind: 'use', backend: 'cpu' });
    expect(d.reason).toMatch(/WebGL is not available either .* WebAssembly is not available \(it failed to start \(blocked\)\)\.$/);
  });

  it('does not choose a hardware GPU again after it failed to start', () => {
    const d = decideBackend({ facts: { webgpu: NVIDIA_ADAPTER, webglRenderer: INTEL_GL, failed: { webgpu: 'device lost' } } });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgl' });
    expect(d.reason).toMatch(/^WebGPU is not available: it failed to start \(device lost\)\./);
  });
});

describe('following the user override', () => {
  it('uses a software WebGPU when asked in the settings, and says it is slow', () => {
    const d = decideBackend({ facts: softwareOnly, preference: 'webgpu' });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgpu' });
    expect(d.reason).toBe('WebGPU was chosen in the settings. It runs on a software GPU (google swiftshader) here, which is slow.');
  });

  it('uses WebAssembly when asked by the address even with a hardware GPU, and never probes', () => {
    const d = decideBackend({ facts: { webgpu: SILENT_ADAPTER, webglRenderer: INTEL_GL }, preference: 'wasm', preferenceSource: 'url' });
    expect(d).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(d.reason).toBe('WebAssembly was chosen by the page address (?backend=).');
  });

  it('a forced WebGL still says why WebGPU is not there, and not that WebGL is missing', () => {
    const d = decideBackend({ facts: { ...noGpu, webglRenderer: SWIFTSHADER_GL }, preference: 'webgl', preferenceSource: 'url' });
    expect(d).toMatchObject({ kind: 'use', backend: 'webgl' });
    expect(d.reason).toMatch(/^WebGPU is not available: this browser has no WebGPU\. WebGL was chosen/);
    expect(d.reason).not.toMatch(/WebGL is not available/);
  });

  it('a forced WebAssembly without any GPU keeps both sentences of what is missing', () => {
    const d = decideBackend({ facts: noGpu, preference: 'wasm', preferenceSource: 'url' });
    expect(d.reason).toMatch(/WebGPU is not available.*WebGL is not available either.*WebAssembly was chosen/);
  });

  it('falls back to the automatic choice when the chosen backend is not there, and says so first', () => {
    const d = decideBackend({ facts: noGpu, preference: 'webgpu' });
    expect(d).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(d.reason).toMatch(/^WebGPU was chosen in the settings, but it is not available \(this browser has no WebGPU\)\. WebGPU is not available/);
    const failed = decideBackend({ facts: { ...softwareOnly, failed: { webgl: 'context lost' } }, preference: 'webgl' });
    expect(failed).toMatchObject({ kind: 'use', backend: 'wasm' });
    expect(failed.reason).toMatch(/^WebGL was chosen in the settings, but it is not available \(it failed to start \(context lost\)\)/);
  });

  it('an unavailable override still asks for a probe where the facts are unclear', () => {
    expect(decideBackend({ facts: { webgpu: SILENT_ADAPTER, webglRenderer: null }, preference: 'webgl' }))
      .toMatchObject({ kind: 'probe', candidates: ['webgpu', 'wasm'] });
  });
});

describe('helpers', () => {
  it('knows the four preferences and nothing else', () => {
    expect(['auto', 'webgpu', 'webgl', 'wasm'].every(isBackendPreference)).toBe(true);
    expect(isBackendPreference('cpu')).toBe(false);
    expect(isBackendPreference(undefined)).toBe(false);
  });

  it('formats images/s for people', () => {
    expect(formatImagesPerSecond(123.4)).toBe('123');
    expect(formatImagesPerSecond(4.56)).toBe('4.6');
    expect(formatImagesPerSecond(0.084)).toBe('0.08');
  });
});
