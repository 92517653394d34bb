/** Finding a Python that has PyTorch (Debian's python3-torch), for the tests that check parity with PyTorch. */
import { spawnSync } from 'node:child_process';

/**
 * The first of $FOVEA_PYTHON, python3, /usr/bin/python3 that imports torch, or null. /usr/bin/python3 is
 * tried explicitly because a pyenv shim may shadow Debian's Python, where python3-torch is installed.
 */
export function findTorchPython(): string | null {
  const candidates = [process.env.FOVEA_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  return null;
}

/** Runs `python args...` in `cwd`, throwing with its stderr when it fails. */
export function runPython(python: string, args: string[], cwd: string, timeoutMs = 120_000): string {
  const r = spawnSync(python, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`${python} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
