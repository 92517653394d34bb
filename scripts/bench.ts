/**
 * `npm run bench`: GoogLeNet training and inference speed with stock tfjs-webgpu kernels and Fovea's, side by
 * side in one run, plus the feature-cache, numerics and memory checks of issue 3. Prints one JSON object on
 * stdout, progress on stderr. Runs under Node on WebGPU through dawn.node (SwiftShader here, the GPU on a
 * GPU machine: see scripts/bench/README.md), or with --browser in Chromium. `--help` lists the flags.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { BENCH_USAGE, BenchArgsError, parseBenchArgs, type BenchCli } from './bench/options';
import { type BenchReport, summaryLines } from './bench/report';

const log = (line: string) => process.stderr.write(`${line}\n`);

const SYSTEM_VULKAN = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/lib/aarch64-linux-gnu'];

/**
 * dawn.node loads libvulkan.so.1 by name. Debian's chromium ships one beside its SwiftShader ICD, but not on
 * the library path: when VK_ICD_FILENAMES points there and the system has no loader, rerun this process
 * with that folder on LD_LIBRARY_PATH (which only takes effect at process start). Returns true if it did.
 */
function rerunWithVulkanLoader(): boolean {
  const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (!icd || process.env.FOVEA_BENCH_RERUN) return false;
  const dir = dirname(icd.split(':')[0]);
  const paths = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (!existsSync(join(dir, 'libvulkan.so.1')) || paths.includes(dir)) return false;
  if (SYSTEM_VULKAN.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return false;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LD_LIBRARY_PATH: [dir, ...paths].join(':'), FOVEA_BENCH_RERUN: '1' },
  });
  process.exitCode = r.status ?? 1;
  return true;
}

async function runInNode(cli: BenchCli): Promise<BenchReport> {
  const { benchDirs } = await import('./bench/node-demo');
  const { modelDir, dataDir } = benchDirs(cli.modelDir, cli.dataDir);
  const { installWebGPU, nodeBenchHost } = await import('./bench/node-host');
  const platform = await installWebGPU();
  const { runBench } = await import('./bench/measure');
  return runBench(await nodeBenchHost(platform, modelDir, dataDir, log), cli.config);
}

async function main(): Promise<number> {
  let cli: BenchCli;
  try {
    cli = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof BenchArgsError || (e as Error).name === 'InvalidBenchConfigError')) throw e;
    log(`${(e as Error).message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (cli.help) {
    log(BENCH_USAGE);
    return 0;
  }
  let report: BenchReport;
  if (cli.browser) {
    const { runInBrowser } = await import('./bench/browser-driver');
    report = await runInBrowser(cli, log);
  } else {
    if (rerunWithVulkanLoader()) return process.exitCode as number;
    report = await runInNode(cli);
  }
  const json = JSON.stringify(report, null, 2);
  if (cli.out) writeFileSync(cli.out, `${json}\n`);
  if (!cli.jsonOnly) summaryLines(report).forEach((l) => log(l));
  // dawn.node keeps the event loop alive: exit explicitly, once stdout has drained.
  await new Promise<void>((resolve) => process.stdout.write(`${json}\n`, () => resolve()));
  return report.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
