/**
 * The Fovea side of `npm run bench -- --cpu`, wherever it runs (Node, or Chromium's worker for the threaded
 * figures): images/s of GoogLeNet inference (whole network) and of a scenario-4 training step (conv1 and conv2
 * frozen, their forward run every step as PyTorch's train.py does; the trainer's own TrainStep) on real photographs
 * already at the input size. Needs a started tfjs backend with Fovea's wasm kernels; browser- and Node-free.
 */
import * as tf from '@tensorflow/tfjs';
import { imagesFrom } from '../../src/core/data/image-source';
import type { RgbImage } from '../../src/core/data/preprocess';
import { buildClassifier, disposeNetwork, measureFeatureScale } from '../../src/core/model/classifier';
import { classifierConfigOf, resolveTrainConfig } from '../../src/core/train/config';
import { inputBatch, type TrainerHooks, TrainStep } from '../../src/core/train/trainer';

export interface Rate {
  stepMs: number;
  imgPerSec: number;
}

export interface RateConfig {
  batch: number;
  warmup: number;
  steps: number;
}

/** `warmup` untimed runs, then the median of `steps` timed ones. */
export async function medianRate(run: () => Promise<void>, images: number, warmup: number, steps: number): Promise<Rate> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const stepMs = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { stepMs, imgPerSec: (images * 1000) / stepMs };
}

/** One batch at `size` and a scenario-4 network with its TrainStep, built as the trainer builds them. */
async function scenario4(base: tf.LayersModel, photos: { image: RgbImage; label: number }[], size: number, config: RateConfig) {
  const lookup = new Map(photos.map((p, i) => [String(i), p.image]));
  const x = await inputBatch({ images: imagesFrom((id) => lookup.get(id)!) }, photos.map((_, i) => ({ id: String(i), rotation: 0 })), size);
  const training = resolveTrainConfig({ scenario: 'finetune-pretrained', inputSize: size, batchSize: config.batch });
  const featureScale = await measureFeatureScale(base, training.headOn, x, training.headPooling);
  const net = buildClassifier(base, classifierConfigOf(training, 2, featureScale));
  const step = new TrainStep(net, training, 2);
  return {
    x, net, step, training, featureScale, labels: photos.map((p) => p.label),
    dispose: () => {
      step.dispose();
      x.dispose();
      disposeNetwork(net.model, base);
    },
  };
}

/**
 * Inference and scenario-4 step rates at `size` on one batch of `photos` (config.batch of them, each with its
 * class, 0 or 1). `base` is the pretrained GoogLeNet; it is disposed with the classifier built on it.
 */
export async function foveaCpuRates(
  base: tf.LayersModel, photos: { image: RgbImage; label: number }[], size: number, config: RateConfig, log: (l: string) => void,
): Promise<{ inference: Rate; train: Rate }> {
  const { x, net, step, labels, dispose } = await scenario4(base, photos, size, config);
  try {
    const inference = await medianRate(async () => {
      const p = net.model.predict(x) as tf.Tensor;
      await p.data();
      p.dispose();
    }, photos.length, config.warmup, config.steps);
    log(`${size} px inference ${inference.imgPerSec.toFixed(2)} img/s`);
    const prefix = net.prefix;
    const train = await medianRate(async () => {
      const f = prefix ? (prefix.predict(x) as tf.Tensor) : x;
      try {
        await step.run(f, labels);
      } finally {
        if (f !== x) f.dispose();
      }
    }, photos.length, config.warmup, config.steps);
    log(`${size} px scenario-4 step ${train.imgPerSec.toFixed(2)} img/s`);
    return { inference, train };
  } finally {
    dispose();
  }
}

/**
 * The scenario-4 step rate when each step is shared (TrainerHooks.shareStep: the evaluate command's data-parallel
 * worker threads); the frozen prefix runs here, as in the trainer.
 */
export async function foveaSharedStepRate(
  base: tf.LayersModel, photos: { image: RgbImage; label: number }[], size: number, config: RateConfig,
  shareStep: NonNullable<TrainerHooks['shareStep']>, log: (l: string) => void,
): Promise<Rate> {
  const { x, net, step, training, featureScale, labels, dispose } = await scenario4(base, photos, size, config);
  try {
    const prefix = net.prefix;
    const train = await medianRate(async () => {
      const f = prefix ? (prefix.predict(x) as tf.Tensor) : x;
      try {
        await shareStep({ step, x: f, labels, config: training, classCount: 2, featureScale });
      } finally {
        if (f !== x) f.dispose();
      }
    }, photos.length, config.warmup, config.steps);
    log(`${size} px scenario-4 step, shared ${train.imgPerSec.toFixed(2)} img/s`);
    return train;
  } finally {
    dispose();
  }
}

/** The bench's batch: half no DR (grade 0), half grade 2 or worse, in the demo set's order. */
export function cpuBenchBatch<T extends { grade: number }>(demo: T[], batch: number): T[] {
  return [...demo.filter((d) => d.grade === 0).slice(0, batch >> 1), ...demo.filter((d) => d.grade >= 2).slice(0, batch - (batch >> 1))];
}
