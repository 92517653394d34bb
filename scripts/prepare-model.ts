/**
 * Set-up step (`npm run setup`, run by `npm start` and `npm test`):
 *  1. find the BVLC GoogLeNet Caffe files: ../shared/models/bvlc_googlenet, else download them from the public
 *     address below into .cache/ — either way every file is checked against its pinned SHA-256;
 *  2. build the network from deploy.prototxt, load the raw float32 weights, write a sharded tfjs layers model
 *     to public/models/googlenet/ (git-ignored), with the ImageNet class names and provenance;
 *  3. copy the fundus sample set (../shared/data/fundus-demo) into public/samples/ with a manifest.
 * Re-running is cheap: it does nothing when the outputs are already there and current.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { artifactsToFiles, modelArtifacts } from '../src/core/export/layers-files';
import { buildFromCaffe, setCaffeWeights } from '../src/core/model/googlenet';
import { caffeLayers, parsePrototxt } from '../src/core/model/prototxt';
import { GOOGLENET_SHA256 } from './googlenet-sha256';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(ROOT, '..', 'shared');
const SHARED_MODEL = join(SHARED, 'models', 'bvlc_googlenet');
const SHARED_SAMPLES = join(SHARED, 'data', 'fundus-demo');
const CACHE = join(ROOT, '.cache', 'bvlc_googlenet');
const OUT = join(ROOT, 'public', 'models', 'googlenet');
const SAMPLES_OUT = join(ROOT, 'public', 'samples', 'fundus-demo');
/** Bump when the converter's output changes, so that existing public/models are rebuilt. */
const CONVERTER_VERSION = 2;

export const PROVENANCE = {
  model: 'BVLC GoogLeNet (Inception v1), Szegedy et al. 2014, trained by BVLC on ILSVRC-2012',
  licence: 'BVLC model zoo: "This model is released for unrestricted use."',
  source: 'github.com/chaosmail/caffejs @ d161d610145d6ce1ee4b9e44b10de780e8ecec2d, models/bvlc_googlenet/',
  inputContract: 'BGR, 0..255 minus mean B=104 G=117 R=123, NHWC',
};
const PUBLIC_BASE = 'https://raw.githubusercontent.com/chaosmail/caffejs/d161d610145d6ce1ee4b9e44b10de780e8ecec2d';
/** Where each pinned file lives at the public address (PROVENANCE.md of the shared copy). */
function publicUrl(rel: string): string {
  if (rel === 'synset_words.txt') return `${PUBLIC_BASE}/data/ilsvrc12/synset_words.txt`;
  return `${PUBLIC_BASE}/models/bvlc_googlenet/${rel}`;
}

const sha256 = (buf: Uint8Array) => createHash('sha256').update(buf).digest('hex');

class ModelSourceError extends Error {
  override name = 'ModelSourceError';
}

function verify(rel: string, buf: Uint8Array, where: string): void {
  const expected = GOOGLENET_SHA256[rel];
  const got = sha256(buf);
  if (got !== expected) {
    throw new ModelSourceError(`${where}/${rel}: SHA-256 ${got} does not match the pinned ${expected}`);
  }
}

/** Returns a reader of verified source files (relative paths as in GOOGLENET_SHA256). */
async function modelSource(): Promise<{ read: (rel: string) => Uint8Array; where: string }> {
  const files = Object.keys(GOOGLENET_SHA256);
  if (existsSync(join(SHARED_MODEL, 'deploy.prototxt'))) {
    const read = (rel: string) => {
      const buf = readFileSync(join(SHARED_MODEL, rel));
      verify(rel, buf, SHARED_MODEL);
      return buf;
    };
    return { read, where: SHARED_MODEL };
  }
  const missing = files.filter((rel) => !existsSync(join(CACHE, rel)));
  if (missing.length > 0) {
    console.log(`../shared is absent: downloading ${missing.length} GoogLeNet files from ${PUBLIC_BASE}`);
    for (const rel of missing) {
      let buf: Uint8Array;
      try {
        const res = await fetch(publicUrl(rel));
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        buf = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        throw new ModelSourceError(
          `Cannot get the GoogLeNet weights: ../shared/models/bvlc_googlenet is absent and downloading ` +
            `${publicUrl(rel)} failed (${(e as Error).message}). Connect to the internet or place the ` +
            `files in ${SHARED_MODEL}, then run 'npm run setup' again.`,
        );
      }
      verify(rel, buf, 'download');
      mkdirSync(dirname(join(CACHE, rel)), { recursive: true });
      writeFileSync(join(CACHE, rel), buf);
    }
  }
  return {
    read: (rel) => {
      const buf = readFileSync(join(CACHE, rel));
      verify(rel, buf, CACHE);
      return buf;
    },
    where: CACHE,
  };
}

function asFloat32(buf: Uint8Array): Float32Array {
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

async function convertModel(): Promise<void> {
  const stampPath = join(OUT, 'provenance.json');
  if (existsSync(stampPath) && existsSync(join(OUT, 'model.json'))) {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { converterVersion?: number };
    if (stamp.converterVersion === CONVERTER_VERSION) {
      console.log(`GoogLeNet already converted in ${OUT}`);
      return;
    }
  }
  const src = await modelSource();
  const prototxt = new TextDecoder().decode(src.read('deploy.prototxt'));
  const layers = caffeLayers(parsePrototxt(prototxt));
  await tf.setBackend('cpu');
  const model = buildFromCaffe(layers);
  setCaffeWeights(model, layers, (name) => ({
    filter: asFloat32(src.read(`weights/${name}_filter.bin`)),
    bias: asFloat32(src.read(`weights/${name}_bias.bin`)),
  }));

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const files = artifactsToFiles(
    await modelArtifacts(model),
    'Fovea scripts/prepare-model.ts from Caffe deploy.prototxt + raw float32 weights',
  );
  for (const [name, bytes] of files) writeFileSync(join(OUT, name), bytes);
  const classes = new TextDecoder()
    .decode(src.read('synset_words.txt'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.slice(l.indexOf(' ') + 1).trim());
  writeFileSync(join(OUT, 'imagenet-classes.json'), JSON.stringify(classes));
  writeFileSync(
    stampPath,
    JSON.stringify({ ...PROVENANCE, converterVersion: CONVERTER_VERSION, parameters: model.countParams() }, null, 2),
  );
  model.dispose();
  console.log(`GoogLeNet converted from ${src.where} to ${OUT} (${layers.length} Caffe layers)`);
}

/** Copies the demo fundus set (one folder per grade) and writes manifest.json for "Load sample data". */
function copySamples(): void {
  if (!existsSync(SHARED_SAMPLES)) {
    console.log('Sample data (../shared/data/fundus-demo) is absent: "Load sample data" will say so.');
    return;
  }
  if (existsSync(join(SAMPLES_OUT, 'manifest.json'))) return;
  const classes = readdirSync(SHARED_SAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const files: { path: string; label: string }[] = [];
  for (const label of classes) {
    mkdirSync(join(SAMPLES_OUT, label), { recursive: true });
    for (const f of readdirSync(join(SHARED_SAMPLES, label)).sort()) {
      copyFileSync(join(SHARED_SAMPLES, label, f), join(SAMPLES_OUT, label, f));
      files.push({ path: `${label}/${f}`, label });
    }
  }
  const attribution = readFileSync(join(SHARED_SAMPLES, 'ATTRIBUTION.md'), 'utf8');
  writeFileSync(join(SAMPLES_OUT, 'ATTRIBUTION.md'), attribution);
  writeFileSync(join(SAMPLES_OUT, 'manifest.json'), JSON.stringify({ classes, files, attribution }, null, 1));
  console.log(`Sample data: ${files.length} images in ${classes.length} classes copied to ${SAMPLES_OUT}`);
}

try {
  await convertModel();
  copySamples();
} catch (e) {
  console.error(`\nModel preparation failed: ${(e as Error).message}\n`);
  process.exit(1);
}
