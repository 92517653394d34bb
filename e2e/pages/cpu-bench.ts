// Harness for the Chromium column of `npm run bench -- --cpu` (scripts/bench/cpu.ts): the measurement runs in a
// dedicated worker, started on WebAssembly exactly as the studio's worker starts it (threads on every logical
// core of this cross-origin isolated page), so the figures are what the studio gets on this computer.
import type { CpuBenchRequest, CpuBenchResult } from './cpu-bench-worker';

export interface FoveaCpuBenchPage {
  run(request: CpuBenchRequest): Promise<CpuBenchResult>;
}

declare global {
  interface Window {
    foveaCpuBench?: FoveaCpuBenchPage;
  }
}

const status = document.getElementById('status')!;

window.foveaCpuBench = {
  run(request) {
    const worker = new Worker(new URL('./cpu-bench-worker.ts', import.meta.url), { type: 'module' });
    return new Promise<CpuBenchResult>((resolve, reject) => {
      worker.onmessage = ({ data }: MessageEvent<{ log?: string; result?: CpuBenchResult; error?: string }>) => {
        if (data.log !== undefined) {
          status.textContent = data.log;
          console.log(data.log);
          return;
        }
        worker.terminate();
        if (data.error !== undefined) reject(new Error(data.error));
        else resolve(data.result!);
      };
      worker.onerror = (e) => {
        worker.terminate();
        reject(new Error(`cpu bench worker: ${e.message}`));
      };
      worker.postMessage(request);
    });
  },
};
status.textContent = 'ready';
