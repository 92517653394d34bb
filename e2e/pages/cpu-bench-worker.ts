// The worker of e2e/pages/cpu-bench.html: starts tfjs-backend-wasm with the studio's own startWasm (thread count,
// thread cap, Fovea's wasm kernels), decodes the demo photographs the driver serves, and measures with the
// same code as the Node column (scripts/bench/cpu-rates.ts).
import * as tf from '@tensorflow/tfjs';
import '../../src/core/model/lrn';
import { centreCropResize, rgbaToRgb, type RgbImage } from '../../src/core/data/preprocess';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../../src/core/kernels/wasm/simd/simd';
import { startWasm } from '../../src/worker/backend';
import { foveaCpuRates, type Rate, type RateConfig } from '../../scripts/bench/cpu-rates';

/** Where the driver serves the demo set: `${DEMO_URL}<grade folder>/<file>` (as for e2e/pages/bench.ts). */
const DEMO_URL = '/__fovea-bench-demo/';
const MODEL_URL = `${import.meta.env.BASE_URL}models/googlenet/model.json`;

export interface CpuBenchRequest extends RateConfig {
  sizes: number[];
  /** The batch's photographs, `<grade folder>/<file>`, with their class (0 or 1). */
  photos: { id: string; label: number }[];
}

export interface CpuBenchResult {
  threads: number;
  simd: boolean;
  /** Whether Fovea's SIMD kernels run on this backend (src/core/kernels/wasm/simd). */
  foveaSimdKernels: boolean;
  userAgent: string;
  sizes: { size: number; inference: Rate; train: Rate }[];
}

const log = (line: string) => self.postMessage({ log: line });

async function decode(id: string): Promise<RgbImage> {
  const response = await fetch(`${DEMO_URL}${id.split('/').map(encodeURIComponent).join('/')}`);
  if (!response.ok) throw new Error(`demo image ${id}: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob());
  try {
    const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(bitmap, 0, 0);
    return rgbaToRgb(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

async function run(request: CpuBenchRequest): Promise<CpuBenchResult> {
  const started = await startWasm();
  if ('failed' in started) throw new Error(`WebAssembly did not start: ${started.failed}`);
  const { wasm } = started.info;
  const foveaSimdKernels = simdKernels(tf.backend() as unknown as BackendWasm) !== null;
  log(`wasm: ${wasm?.threads} threads, SIMD ${wasm?.simd}, Fovea's SIMD kernels ${foveaSimdKernels}`);
  const decoded = await Promise.all(request.photos.map((p) => decode(p.id)));
  const sizes: CpuBenchResult['sizes'] = [];
  for (const size of request.sizes) {
    const photos = decoded.map((image, i) => ({ image: centreCropResize(image, size), label: request.photos[i].label }));
    const base = await tf.loadLayersModel(MODEL_URL);
    sizes.push({ size, ...(await foveaCpuRates(base, photos, size, request, log)) });
  }
  return { threads: wasm?.threads ?? 1, simd: wasm?.simd ?? false, foveaSimdKernels, userAgent: navigator.userAgent, sizes };
}

self.onmessage = ({ data }: MessageEvent<CpuBenchRequest>) => {
  run(data).then(
    (result) => self.postMessage({ result }),
    (e: Error) => self.postMessage({ error: e.message }),
  );
};
