/**
 * `npm run evaluate`: what a model trained by Fovea is worth, measured with one command. Trains with the
 * studio's own core under Node (wasm on any CPU, WebGPU through dawn.node, or tfjs's plain CPU backend),
 * scores held-out data and writes metrics.json, report.html, MODEL_CARD.md and the model package.
 * Usage: scripts/evaluate/options.ts (EVALUATE_USAGE) or `npm run evaluate -- --help`.
 */
import { installBackend } from './evaluate/backend';
import { describeFailure } from './evaluate/failure';
import { parseEvaluateArgs } from './evaluate/options';
import { takeParallelArgs } from './evaluate/parallel-options';
import { runEvaluation } from './evaluate/run';
import { rerunWithVulkanLoader } from './lib/vulkan-loader';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function main(): Promise<void> {
  const typed = process.argv.slice(2);
  const { parallel, rest } = takeParallelArgs(typed);
  const config = parseEvaluateArgs(rest);
  if (config.backend === 'webgpu' && rerunWithVulkanLoader()) return;
  const backend = await installBackend(config.backend);
  log(`backend: ${backend}`);
  const { metricsPath } = await runEvaluation({
    config, backend: config.backend, log, command: `npm run evaluate -- ${typed.join(' ')}`, parallel,
  });
  process.stdout.write(`${metricsPath}\n`);
}

main().catch((e: unknown) => {
  const { message, exitCode } = describeFailure(e);
  process.stderr.write(`${message}\n`);
  process.exit(exitCode);
});
