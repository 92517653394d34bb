// Launches Debian's Chromium (apt-get install chromium) through playwright-core, with WebGPU on the CPU
// through SwiftShader. Set FOVEA_CHROMIUM to use another binary. launchBrowser({ webgpu: false }) launches one
// without WebGPU, and with { webgl: false } too, one without any GPU API (the studio then runs on WebAssembly).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.FOVEA_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

const BASE_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
// SwiftShader runs a GoogLeNet batch for many seconds: without --disable-gpu-watchdog Chromium kills the GPU
// process mid-run ("A valid external Instance reference no longer exists").
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--disable-gpu-watchdog'];

// Without a GPU process (--disable-gpu) Chromium still offers WebGL on SwiftShader when asked to.
const NO_WEBGPU_ARGS = ['--disable-gpu', '--disable-features=WebGPU,Vulkan'];
const WEBGL_ON_CPU_ARGS = ['--enable-unsafe-swiftshader', '--use-angle=swiftshader'];
// --disable-webgl alone leaves WebGL on OffscreenCanvas in workers (where tfjs runs) on SwiftShader; without a
// software rasterizer there is no GL at all, as on a machine with no usable GPU.
const NO_WEBGL_ARGS = ['--disable-webgl', '--disable-webgl2', '--disable-3d-apis', '--disable-software-rasterizer'];

/**
 * @param {{ webgpu?: boolean, webgl?: boolean }} [opts] webgpu: false launches a browser without WebGPU and without
 *   GPU process; webgl (only with webgpu: false) then says whether WebGL is offered, on SwiftShader. Defaults: true.
 */
export async function launchBrowser(opts = {}) {
  return chromium.launch(launchOptions(opts));
}

/** What launchBrowser passes to Playwright (also for a persistent profile: chromium.launchPersistentContext). */
export function launchOptions(opts = {}) {
  if (!CHROMIUM) throw new Error('Chromium not found: run `apt-get install -y chromium` (or set FOVEA_CHROMIUM).');
  const webgpu = opts.webgpu ?? true;
  const webgl = opts.webgl ?? true;
  const args = webgpu ? [...BASE_ARGS, ...WEBGPU_ARGS]
    : [...BASE_ARGS, ...NO_WEBGPU_ARGS, ...(webgl ? WEBGL_ON_CPU_ARGS : NO_WEBGL_ARGS)];
  return { executablePath: CHROMIUM, headless: true, args, ignoreDefaultArgs: ['--headless'] };
}

export { chromium };
