// Harness for e2e/imagenet.spec.mjs: the converted GoogLeNet on WebGPU in the page, on real photos.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { centreCropBox, rgbaToRgb, writeCaffeInput } from '../../src/core/data/preprocess';
import { registerFoveaKernels, unregisterFoveaKernels } from '../../src/core/kernels';
import '../../src/core/model/lrn';

async function imageInput(url: string, size: number, target: Float32Array, index: number) {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob());
  const box = centreCropBox(bitmap.width, bitmap.height);
  const ctx = new OffscreenCanvas(size, size).getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, box.x, box.y, box.size, box.size, 0, 0, size, size);
  writeCaffeInput(rgbaToRgb(ctx.getImageData(0, 0, size, size).data, size, size), target, index);
}

/** Top-5 classes with probabilities for each image URL, and the backend used, with tfjs's own WebGPU kernels
 * or with Fovea's (src/core/kernels, as the studio's worker runs them). */
(window as unknown as { classify: unknown }).classify = async (urls: string[], kernels: 'stock' | 'fovea') => {
  if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU backend did not start');
  if (kernels === 'fovea') registerFoveaKernels();
  else unregisterFoveaKernels();
  const model = await tf.loadLayersModel('/models/googlenet/model.json');
  const buf = new Float32Array(urls.length * 224 * 224 * 3);
  await Promise.all(urls.map((u, i) => imageInput(u, 224, buf, i)));
  const probs = tf.tidy(() => model.predict(tf.tensor4d(buf, [urls.length, 224, 224, 3])) as tf.Tensor2D);
  const rows = (await probs.array()) as number[][];
  probs.dispose();
  model.dispose();
  return {
    backend: tf.getBackend(),
    top5: rows.map((r) => Array.from(r.keys()).sort((a, b) => r[b] - r[a]).slice(0, 5).map((c) => ({ c, p: r[c] }))),
  };
};
document.getElementById('log')!.textContent = 'ready';
