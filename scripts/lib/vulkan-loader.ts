/** Finding the Vulkan loader for dawn.node on a machine that has it only beside Chromium's SwiftShader ICD. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SYSTEM_VULKAN = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/lib/aarch64-linux-gnu'];

/**
 * dawn.node loads libvulkan.so.1 by name. Debian's chromium ships one beside its SwiftShader ICD, but not on
 * the library path: when VK_ICD_FILENAMES points there and the system has no loader, rerun this process
 * with that folder on LD_LIBRARY_PATH (which only takes effect at process start). Returns true if it did,
 * with process.exitCode set to the rerun's.
 */
export function rerunWithVulkanLoader(): boolean {
  const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (!icd || process.env.FOVEA_VULKAN_RERUN) return false;
  const dir = dirname(icd.split(':')[0]);
  const paths = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (!existsSync(join(dir, 'libvulkan.so.1')) || paths.includes(dir)) return false;
  if (SYSTEM_VULKAN.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return false;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LD_LIBRARY_PATH: [dir, ...paths].join(':'), FOVEA_VULKAN_RERUN: '1' },
  });
  process.exitCode = r.status ?? 1;
  return true;
}
