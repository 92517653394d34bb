/**
 * The tfjs layers-model file format, both ways: model artifacts <-> `model.json` + weight shards.
 * Used by the set-up converter (public/models), the export package, and loading a package or a folder.
 */
import * as tf from '@tensorflow/tfjs';

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export class ModelFilesError extends Error {
  override name = 'ModelFilesError';
}

/** File name -> bytes: `model.json` and `group1-shardNofM.bin`. */
export type ModelFiles = Map<string, Uint8Array>;

export function artifactsToFiles(
  artifacts: tf.io.ModelArtifacts,
  convertedBy: string,
  shardBytes = DEFAULT_SHARD_BYTES,
): ModelFiles {
  if (!artifacts.weightData || !artifacts.weightSpecs) throw new ModelFilesError('the model has no weights to save');
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const count = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  const files: ModelFiles = new Map();
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = `group1-shard${i + 1}of${count}.bin`;
    files.set(path, data.slice(i * shardBytes, (i + 1) * shardBytes));
    paths.push(path);
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
  };
  files.set('model.json', new TextEncoder().encode(JSON.stringify(modelJson)));
  return files;
}

export function filesToArtifacts(files: ModelFiles): tf.io.ModelArtifacts {
  const jsonBytes = files.get('model.json');
  if (!jsonBytes) throw new ModelFilesError('model.json is missing');
  let json: { modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format?: string };
  try {
    json = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (e) {
    throw new ModelFilesError(`model.json is not valid JSON (${(e as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelFilesError('model.json is not a TensorFlow.js layers model (no modelTopology or weightsManifest)');
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const part = files.get(p);
      if (!part) throw new ModelFilesError(`weight file ${p} named in model.json is missing`);
      parts.push(part);
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    weightData.set(p, offset);
    offset += p.byteLength;
  }
  return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer, format: json.format };
}

/** Saves a model's topology and weights through tfjs (no I/O). */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return captured!;
}
