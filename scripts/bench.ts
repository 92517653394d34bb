/**
 * `npm run bench`: GoogLeNet training and inference speed with stock tfjs-webgpu kernels and Fovea's, side by
 * side in one run, plus the feature-cache, numerics and memory checks of issue 3. Prints one JSON object on
 * stdout, progress on stderr. Runs under Node on WebGPU through dawn.node (SwiftShader here, the GPU on a
 * GPU machine: see scripts/bench/README.md), or with --browser in Chromium. `--help` lists the flags.
 */
import { writeFileSync } from 'node:fs';
import { rerunWithVulkanLoader } from './lib/vulkan-loader';
import { BENCH_USAGE, BenchArgsError, parseBenchArgs, type BenchCli } from './bench/options';
import { type BenchReport, summaryLines } from './bench/report';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runInNode(cli: BenchCli): Promise<BenchReport> {
  const { benchDirs } = await import('./bench/node-demo');
  const { modelDir, dataDir } = benchDirs(cli.modelDir, cli.dataDir);
  const { installWebGPU, nodeBenchHost } = await import('./bench/node-host');
  const platform = await installWebGPU();
  const { runBench } = await import('./bench/measure');
  return runBench(await nodeBenchHost(platform, modelDir, dataDir, log), cli.config);
}

async function main(): Promise<number> {
  if (process.argv.includes('--cpu')) {
    const { mainCpu } = await import('./bench/cpu');
    return mainCpu(process.argv.slice(2), log);
  }
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
