// Harness for `npm run bench -- --browser` (scripts/bench/browser-driver.ts): the bench's measurement
// (scripts/bench/measure.ts) in Chromium's WebGPU, with the model from the dev server's public/ and the demo
// images from URLs the driver serves (decoded here by the browser, then centre-cropped like in Node).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '../../src/core/model/lrn';
import { rgbaToRgb, type RgbImage } from '../../src/core/data/preprocess';
import { cachedImageLoader, type DemoImageRef } from '../../scripts/bench/demo-set';
import { loadKernelSwitch } from '../../scripts/bench/kernel-switch';
import { runBench } from '../../scripts/bench/measure';
import type { BenchConfig } from '../../scripts/bench/options';
import type { BenchReport } from '../../scripts/bench/report';

/** Where the driver serves the demo set: `${DEMO_URL}<grade folder>/<file>`. */
export const DEMO_URL = '/__fovea-bench-demo/';
const MODEL_URL = `${import.meta.env.BASE_URL}models/googlenet/model.json`;

export interface FoveaBenchPage {
  ready: Promise<{ backend: string }>;
  run(config: Partial<BenchConfig>, images: DemoImageRef[]): Promise<BenchReport>;
}

declare global {
  interface Window {
    foveaBench?: FoveaBenchPage;
  }
}

const status = document.getElementById('status')!;

async function decode(id: string): Promise<RgbImage> {
  const response = await fetch(`${DEMO_URL}${id.split('/').map(encodeURIComponent).join('/')}`);
  if (!response.ok) throw new Error(`demo image ${id}: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob());
  try {
    const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.drawImage(bitmap, 0, 0);
    return rgbaToRgb(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

const ready = (async () => {
  if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU is not available in this browser');
  status.textContent = 'ready';
  return { backend: tf.getBackend() };
})();

window.foveaBench = {
  ready,
  async run(config, images) {
    await ready;
    const report = await runBench({
      platform: `chromium (${navigator.userAgent.match(/Chrom(e|ium)\/[\d.]+/)?.[0] ?? navigator.userAgent})`,
      loadGoogLeNet: () => tf.loadLayersModel(MODEL_URL),
      demoImages: images,
      loadImages: cachedImageLoader(decode),
      kernels: await loadKernelSwitch(() => import('../../src/core/kernels/index')),
      log: (line) => {
        status.textContent = line;
        console.log(line);
      },
    }, config);
    document.getElementById('report')!.textContent = JSON.stringify(report, null, 2);
    return report;
  },
};
