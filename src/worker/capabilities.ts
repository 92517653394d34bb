/**
 * What each compute backend can train, as pure data shared by the worker (which refuses a run it cannot do)
 * and the UI (which disables it beforehand, with the same words). No tfjs here: ui/ imports this file.
 */
import type { FreezeUpTo } from '../core/train/config';
import type { BackendInfo, BackendName } from './protocol';

/**
 * Whether a backend can train convolution layers. WebAssembly can, with Fovea's Conv2DBackpropFilter
 * (core/kernels/wasm: tfjs-backend-wasm has none); tfjs's plain CPU backend is far too slow (about 35 s a
 * 64 px step of scenario 4), so there only a head on a frozen backbone trains.
 */
export function backendTrainsConvolutions(backend: BackendName): boolean {
  return backend !== 'cpu';
}

/** True when a run updates convolution weights: every freeze but 'all' leaves some of the backbone trainable. */
export function runTrainsConvolutions(freezeUpTo: FreezeUpTo): boolean {
  return freezeUpTo !== 'all';
}

/** The plain-words refusal for a run that trains convolutions on a backend that cannot. */
export const GPU_REQUIRED_MESSAGE =
  'This browser has no usable GPU (neither WebGPU nor WebGL) and WebAssembly did not start, so Fovea runs on ' +
  'tfjs’s plain CPU backend, which is too slow to train the backbone’s convolution layers. Choose scenario 1 or 3 ' +
  '(only the new classifier trains, on a frozen backbone), or use a browser with WebGPU (a recent Chrome or Edge ' +
  'with hardware acceleration on).';

/** Why this backend cannot do this run, in plain words; null when it can (or the backend is not known yet). */
export function backendRefusal(backend: Pick<BackendInfo, 'trainsConvolutions'> | null, freezeUpTo: FreezeUpTo): string | null {
  if (!backend || backend.trainsConvolutions || !runTrainsConvolutions(freezeUpTo)) return null;
  return GPU_REQUIRED_MESSAGE;
}
