// Launches Debian's Chromium (apt-get install chromium) through playwright-core, with WebGPU on the CPU
// through SwiftShader. Set FOVEA_CHROMIUM to use another binary, FOVEA_NO_WEBGPU=1 to launch without WebGPU.
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

/** @param {{ webgpu?: boolean }} [opts] webgpu: false launches a browser without WebGPU (and without GPU). */
export async function launchBrowser(opts = {}) {
  if (!CHROMIUM) throw new Error('Chromium not found: run `apt-get install -y chromium` (or set FOVEA_CHROMIUM).');
  const webgpu = opts.webgpu ?? true;
  const args = webgpu ? [...BASE_ARGS, ...WEBGPU_ARGS] : [...BASE_ARGS, '--disable-gpu', '--disable-webgl', '--disable-features=WebGPU,Vulkan'];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args, ignoreDefaultArgs: ['--headless'] });
}
