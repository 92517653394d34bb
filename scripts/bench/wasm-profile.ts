/**
 * `npx tsx scripts/bench/wasm-profile.ts [SIZE] [--scenario finetune-pretrained] [--batch 8] [--shapes KERNEL]`:
 * where a training step's time goes on tfjs-backend-wasm in Node. Two warm-up steps, then one step under
 * tf.profile; prints the step's wall time and, per kernel, its summed wall time (wasm kernels run synchronously,
 * so kernelTimeMs is wall time), calls and share, largest first. `--shapes KERNEL` adds that kernel's slowest calls
 * with their input and output shapes. Found the copying Identity, MaxPoolGrad's gather and the 1x1 filter
 * gradient's slow transpose (issue 15).
 */
import * as tf from '@tensorflow/tfjs';
import { imagesFrom } from '../../src/core/data/image-source';
import { registerFoveaWasmKernels } from '../../src/core/kernels/wasm';
import { buildClassifier, disposeNetwork, measureFeatureScale } from '../../src/core/model/classifier';
import { classifierConfigOf, resolveTrainConfig, type ScenarioId } from '../../src/core/train/config';
import { inputBatch, TrainStep } from '../../src/core/train/trainer';
import { demoImages, imageLookup } from '../lib/demo-data';
import { loadGoogLeNet } from '../lib/node-model';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const scenario = (flag('--scenario') ?? 'finetune-pretrained') as ScenarioId;
const batch = Number(flag('--batch') ?? 8);
const shapesOf = flag('--shapes');
const size = Number(args[0] ?? 224);

await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
registerFoveaWasmKernels();
const demo = demoImages().slice(0, batch);
const x = await inputBatch({ images: imagesFrom(imageLookup(demo, size)) }, demo.map((d) => ({ id: d.id, rotation: 0 })), size);
const labels = demo.map((d) => (d.grade === 0 ? 0 : 1));
const training = resolveTrainConfig({ scenario, inputSize: size, batchSize: batch });
const base = await loadGoogLeNet();
const scale = await measureFeatureScale(base, training.headOn, x, training.headPooling);
const net = buildClassifier(base, classifierConfigOf(training, 2, scale));
const step = new TrainStep(net, training, 2);
const once = async () => {
  const f = net.prefix ? (net.prefix.predict(x) as tf.Tensor) : x;
  await step.run(f, labels);
  if (f !== x) f.dispose();
};
await once();
await once();
const t0 = performance.now();
await once();
console.log(`${scenario}, ${size} px, batch ${batch}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}: step ${(performance.now() - t0).toFixed(0)} ms`);
const info = await tf.profile(once);
// Ops that wrap a kernel (fusedConv2d__op around FusedConv2D) are listed beside it: count kernels only.
const kernels = info.kernels.filter((k) => !k.name.endsWith('__op'));
const byName = new Map<string, { ms: number; calls: number }>();
for (const k of kernels) {
  const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += k.kernelTimeMs as number;
  e.calls++;
  byName.set(k.name, e);
}
const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
console.log(`kernels ${total.toFixed(0)} ms`);
for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(5)} calls ${(100 * e.ms / total).toFixed(1).padStart(5)}%`);
}
if (shapesOf) {
  const slowest = kernels.filter((k) => k.name === shapesOf).sort((a, b) => (b.kernelTimeMs as number) - (a.kernelTimeMs as number));
  for (const k of slowest.slice(0, 15)) console.log(`${(k.kernelTimeMs as number).toFixed(1)} ms in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`);
}
step.dispose();
x.dispose();
disposeNetwork(net.model, base);
