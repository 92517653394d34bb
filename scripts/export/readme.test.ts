/** Runs the README's "Using an exported model" snippets on an exported network: each must print the same probabilities. */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClassifier, disposeNetwork } from '../../src/core/model/classifier';
import { artifactsToFiles, modelArtifacts } from '../../src/core/export/layers-files';
import { exportOnnx } from '../../src/core/export/onnx/export';
import { describePreprocessing } from '../../src/core/export/package';
import { exportSafetensors } from '../../src/core/export/weights-file';
import { loadGoogLeNet, MODEL_DIR, PROJECT_ROOT } from '../lib/node-model';
import { findTorchPython } from '../lib/python-torch';

const SIZE = 64;
const GEM_SIZE = 96;
/** Inside the project so that the TS snippets resolve '@tensorflow/tfjs' and 'onnxruntime-node' from its node_modules. */
const DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'fovea-readme-snippets');

function snippets(): Map<string, string> {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const found = new Map<string, string>();
  for (const m of readme.matchAll(/```(?:ts|python)\n(?:\/\/|#) readme-snippet: ([\w-]+)\n([\s\S]*?)```/g)) found.set(m[1], m[2]);
  return found;
}

/** Asynchronous: the TS snippets fetch from a server in this process, which a blocking spawnSync would starve. */
function run(cmd: string, args: string[]): Promise<{ out: string; err: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: DIR, timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (status) => resolve({ out, err, status }));
  });
}

const lastJsonLine = (out: string) => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('[')).pop()!) as number[][];

describe.skipIf(!existsSync(MODEL_DIR))("README's snippets for using an exported model", () => {
  let expected: number[][];
  let expectedGem: number[][];
  let server: Server;
  let origin: string;
  const code = snippets();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const base = await loadGoogLeNet();
    const net = buildClassifier(base, { numClasses: 3, headOn: 'pool5', freezeUpTo: 'all', dropout: 0.4, seed: 9, featureScale: 0.3 });
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(join(DIR, 'fovea'), { recursive: true });
    for (const [name, bytes] of artifactsToFiles(await modelArtifacts(net.model), 'test')) writeFileSync(join(DIR, 'fovea', name), bytes);
    writeFileSync(join(DIR, 'fovea', 'fovea.json'), JSON.stringify({ inputSize: SIZE, classNames: ['a', 'b', 'c'], preprocessing: describePreprocessing() }));
    writeFileSync(join(DIR, 'fovea', 'fovea.onnx'), await exportOnnx(net.model, { inputSize: SIZE }));
    writeFileSync(join(DIR, 'fovea', 'fovea.safetensors'), await exportSafetensors(net.model));
    // The snippets are ES modules with top-level await: this folder (under node_modules) needs its own package scope.
    writeFileSync(join(DIR, 'package.json'), JSON.stringify({ type: 'module' }));
    copyFileSync(join(PROJECT_ROOT, 'src/core/model/lrn.ts'), join(DIR, 'lrn.ts'));
    copyFileSync(join(PROJECT_ROOT, 'src/core/model/pooling.ts'), join(DIR, 'pooling.ts'));
    // A GeM-headed network at 96 px beside it, for the TF.js snippet's custom-layer import.
    const gemBase = await loadGoogLeNet();
    const gem = buildClassifier(gemBase, { numClasses: 2, headOn: 'pool5', headPooling: 'gem', freezeUpTo: 'all', dropout: 0.4, seed: 9, featureScale: 0.1 });
    mkdirSync(join(DIR, 'fovea-gem'), { recursive: true });
    for (const [name, bytes] of artifactsToFiles(await modelArtifacts(gem.model), 'test')) writeFileSync(join(DIR, 'fovea-gem', name), bytes);
    writeFileSync(join(DIR, 'fovea-gem', 'fovea.json'), JSON.stringify({ inputSize: GEM_SIZE, classNames: ['a', 'b'], preprocessing: describePreprocessing() }));
    expectedGem = (gem.model.predict(tf.zeros([1, GEM_SIZE, GEM_SIZE, 3])) as tf.Tensor).arraySync() as number[][];
    disposeNetwork(gem.model, gemBase);
    copyFileSync(join(PROJECT_ROOT, 'src/core/export/torch/model.py'), join(DIR, 'model.py'));
    const probs = net.model.predict(tf.zeros([1, SIZE, SIZE, 3])) as tf.Tensor;
    expected = probs.arraySync() as number[][];
    disposeNetwork(net.model, base);
    // fetch('fovea/...') in a page is relative to the page: here, to a local server of DIR.
    server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(DIR, decodeURIComponent(req.url!.slice(1)))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => {
    server?.close();
    rmSync(DIR, { recursive: true, force: true });
  });

  const close = (got: number[][]) => {
    expect(got).toHaveLength(1);
    expect(Math.max(...got[0].map((p, j) => Math.abs(p - expected[0][j])))).toBeLessThan(1e-4);
  };
  const runTs = async (name: string, source: string) => {
    writeFileSync(join(DIR, `${name}.ts`), source.replace(/'fovea\//g, `'${origin}fovea/`));
    const r = await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [`${name}.ts`]);
    if (r.status !== 0) throw new Error(`${name} snippet failed:\n${r.err}`);
    return lastJsonLine(r.out);
  };
  const runPy = async (name: string, python: string) => {
    writeFileSync(join(DIR, `${name}.py`), code.get(name)!);
    const r = await run(python, [`${name}.py`]);
    if (r.status !== 0) throw new Error(`${name} snippet failed:\n${r.err}`);
    return lastJsonLine(r.out);
  };

  it('has the four snippets', () => {
    expect([...code.keys()]).toEqual(['tfjs', 'onnxruntime-web', 'onnxruntime-python', 'pytorch']);
  });

  it('TF.js: loads model.json with the LRN layer registered and predicts', async () => {
    close(await runTs('tfjs', code.get('tfjs')!));
  });

  it('TF.js: the same snippet loads a GeM-headed model (pooling.ts imported) and predicts', async () => {
    const got = await runTs('tfjs-gem', code.get('tfjs')!.replace(/'fovea\//g, `'${origin}fovea-gem/`));
    expect(got).toHaveLength(1);
    expect(Math.max(...got[0].map((p, j) => Math.abs(p - expectedGem[0][j])))).toBeLessThan(1e-4);
  });

  it('ONNX Runtime Web: runs fovea.onnx (through onnxruntime-node, the same API)', async () => {
    close(await runTs('ort-web', code.get('onnxruntime-web')!.replace("from 'onnxruntime-web'", "from 'onnxruntime-node'")));
  });

  const python = findTorchPython();
  const hasOrtPython = !!python && spawnSync(python, ['-c', 'import onnxruntime'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasOrtPython)('ONNX Runtime for Python: runs fovea.onnx (needs python3 with onnxruntime, else skipped: pip install onnxruntime)', async () => {
    close(await runPy('onnxruntime-python', python!));
  });

  it.skipIf(!python)('PyTorch: model.py loads fovea.safetensors and predicts (needs python3 with torch, else skipped: apt-get install python3-torch)', async () => {
    close(await runPy('pytorch', python!));
  });
});
