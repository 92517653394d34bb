/**
 * The bench under Node: WebGPU from dawn.node (the npm package `webgpu`, or the file named by DAWN_NODE on
 * a machine without node_modules), the model and demo images from disk, Fovea's kernels by dynamic import.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeImageFile } from '../lib/node-images';
import { readModelArtifacts } from '../lib/node-model';
import { loadKernelSwitch } from './kernel-switch';
import type { BenchHost } from './measure';
import { cachedImageLoader } from './demo-set';
import { listDemoImages } from './node-demo';

interface Dawn {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}

export class WebGPUUnavailableError extends Error {
  override name = 'WebGPUUnavailableError';
}

/**
 * Gives Node a navigator.gpu and activates tfjs's 'webgpu' backend. The backend registers itself only if
 * navigator.gpu exists when it is imported, hence the dynamic import after the globals are set.
 * 'allow_unsafe_apis' enables timestamp queries, so tf.profile reports per-kernel GPU times.
 */
export async function installWebGPU(): Promise<string> {
  const path = process.env.DAWN_NODE;
  const dawn: Dawn = path ? createRequire(import.meta.url)(path) : ((await import('webgpu')) as unknown as Dawn);
  Object.assign(globalThis, dawn.globals);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: dawn.create(['enable-dawn-features=allow_unsafe_apis']) }, configurable: true, writable: true,
  });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) {
    throw new WebGPUUnavailableError('dawn.node found no WebGPU adapter. Without a GPU, use SwiftShader: ' +
      'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (Debian chromium); on a GPU machine, source .device/gpu-env.sh');
  }
  return path ? `node ${process.version} (dawn.node from DAWN_NODE)` : `node ${process.version} (dawn.node, npm webgpu)`;
}

export async function nodeBenchHost(platform: string, modelDir: string, dataDir: string, log: (line: string) => void): Promise<BenchHost> {
  const artifacts = readModelArtifacts(modelDir);
  return {
    platform,
    loadGoogLeNet: () => tf.loadLayersModel(tf.io.fromMemory(artifacts)),
    demoImages: listDemoImages(dataDir),
    loadImages: cachedImageLoader((id) => decodeImageFile(join(dataDir, id))),
    kernels: await loadKernelSwitch(() => import('../../src/core/kernels/index')),
    log,
  };
}
