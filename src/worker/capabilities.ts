/**
 * What each compute backend can train, as pure data shared by the worker (which refuses a run it cannot do)
 * and the UI (which disables it beforehand, with the same words). No tfjs here: ui/ imports this file.
 */
import type { FreezeUpTo } from '../core/train/config';
import type { BackendInfo, BackendName } from './protocol';

/**
 * Whether a backend can train convolution layers. tfjs-backend-wasm has no Conv2DBackpropFilter kernel,
 * and tfjs's plain CPU backend is about 30x slower still, so on both only a head on a frozen backbone trains.
 */
export function backendTrainsConvolutions(backend: BackendName): boolean {
  return backend === 'webgpu' || backend === 'webgl';
}

/** True when a run updates convolution weights: every freeze but 'all' leaves some of the backbone trainable. */
export function runTrainsConvolutions(freezeUpTo: FreezeUpTo): boolean {
  return freezeUpTo !== 'all';
}

/** The plain-words refusal for a run that trains convolutions on a backend that cannot. */
export const GPU_REQUIRED_MESSAGE =
  'This browser has no usable GPU (neither WebGPU nor WebGL), so Fovea runs on the CPU with WebAssembly, which ' +
  'cannot train the backbone’s convolution layers. Choose scenario 1 or 3 (only the new classifier trains, on a ' +
  'frozen backbone), or use a browser with WebGPU (a recent Chrome or Edge with hardware acceleration on).';

/** Why this backend cannot do this run, in plain words; null when it can (or the backend is not known yet). */
export function backendRefusal(backend: Pick<BackendInfo, 'trainsConvolutions'> | null, freezeUpTo: FreezeUpTo): string | null {
  if (!backend || backend.trainsConvolutions || !runTrainsConvolutions(freezeUpTo)) return null;
  return GPU_REQUIRED_MESSAGE;
}
