/**
 * Switching between stock tfjs-webgpu kernels and Fovea's (src/core/kernels) inside one run, so that both
 * are measured side by side on the same device, weights and inputs.
 */
import type { KernelSet } from './report';

/** What the bench needs of src/core/kernels/index.ts. */
export interface FoveaKernelModule {
  registerFoveaKernels(): void;
  unregisterFoveaKernels(): void;
}

/** The kernels Fovea replaces (for the report; the module itself decides). */
export const REPLACED_KERNELS = ['LRN', 'LRNGrad', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter'];

export class KernelSwitch {
  private current: KernelSet | null = null;

  /** `fovea` null: Fovea's kernels could not be loaded; "ours" is then the stock kernels (see `note`). */
  constructor(private readonly fovea: FoveaKernelModule | null, readonly note: string | null) {}

  get available(): boolean {
    return this.fovea !== null;
  }

  /** The sets to time: both, or only stock when ours are missing (the report copies stock into ours). */
  get sets(): KernelSet[] {
    return this.fovea ? ['stock', 'ours'] : ['stock'];
  }

  use(set: KernelSet): void {
    if (!this.fovea || set === this.current) return;
    if (set === 'ours') this.fovea.registerFoveaKernels();
    else this.fovea.unregisterFoveaKernels();
    this.current = set;
  }
}

/**
 * Loads src/core/kernels through `load` (a dynamic import, so a missing or broken module is reported
 * instead of stopping the bench).
 */
export async function loadKernelSwitch(load: () => Promise<unknown>): Promise<KernelSwitch> {
  try {
    const mod = (await load()) as Partial<FoveaKernelModule>;
    if (typeof mod.registerFoveaKernels !== 'function' || typeof mod.unregisterFoveaKernels !== 'function') {
      return new KernelSwitch(null, 'src/core/kernels/index.ts exports no registerFoveaKernels/unregisterFoveaKernels: "ours" is the stock kernels');
    }
    const fovea = mod as FoveaKernelModule;
    // Registering fails if the webgpu backend's stock kernels are missing: find out now, not mid-run.
    fovea.registerFoveaKernels();
    fovea.unregisterFoveaKernels();
    return new KernelSwitch(fovea, null);
  } catch (e) {
    return new KernelSwitch(null, `Fovea's kernels could not be loaded (${(e as Error).message}): "ours" is the stock kernels`);
  }
}
