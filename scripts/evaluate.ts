/**
 * `npm run evaluate`: what a model trained by Fovea is worth, measured with one command. Trains with the
 * studio's own core under Node (wasm on any CPU, WebGPU through dawn.node, or tfjs's plain CPU backend),
 * scores held-out data and writes metrics.json, report.html, MODEL_CARD.md and the model package.
 * Usage: scripts/evaluate/options.ts (EVALUATE_USAGE) or `npm run evaluate -- --help`.
 */
import { installBackend } from './evaluate/backend';
import { InvalidEvaluateArgsError, parseEvaluateArgs } from './evaluate/options';
import { runEvaluation } from './evaluate/run';
import { rerunWithVulkanLoader } from './lib/vulkan-loader';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const config = parseEvaluateArgs(argv);
  if (config.backend === 'webgpu' && rerunWithVulkanLoader()) return;
  const backend = await installBackend(config.backend);
  log(`backend: ${backend}`);
  const { metricsPath } = await runEvaluation({
    config, backend: config.backend, log, command: `npm run evaluate -- ${argv.join(' ')}`,
  });
  process.stdout.write(`${metricsPath}\n`);
}

main().catch((e: unknown) => {
  if (e instanceof InvalidEvaluateArgsError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`evaluate failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
