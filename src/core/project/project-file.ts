/**
 * A whole project as one file, `<name>.fovea-project.zip`, to carry it to another machine:
 *
 *   fovea-project.json   format 'fovea-project', version 1, name, exportedAt, dataset settings, every image's
 *                        metadata and file, every finished run (its JSON) and its model file
 *   images/<n>.jpg|png   the saved (downscaled) photographs, byte for byte
 *   runs/<n>.zip         each run's model package (model.json, shards, fovea.json, MODEL_CARD.md), byte for byte
 *
 * The file comes from outside, so reading trusts nothing: the zip's declared sizes are checked before anything
 * is inflated, the JSON refuses prototype-pollution keys and is validated field by field, every referenced
 * entry must be there, and every image must be a JPEG or PNG by its first bytes. Any problem is one
 * ProjectFileError whose message says it plainly. JSON has no NaN or Infinity, and runs hold both (a metric
 * with no data, a diverged loss), so non-finite numbers are written as {"$number": "NaN"} and read back.
 */
import { zipSync, strToU8, strFromU8, type Zippable } from 'fflate';
import { z } from 'zod';
import { listZipEntries, readZipEntries, ZipLimitError, type ZipProblem } from '../export/zip-entries';
import { UnsafeJsonError } from '../export/manifest-schema';
import { imageFormatOf } from '../data/image-header';
import type { LabelPresetId } from '../data/presets';

export const PROJECT_FILE_FORMAT = 'fovea-project';
export const PROJECT_FILE_VERSION = 1;
export const PROJECT_MANIFEST_NAME = 'fovea-project.json';
export const PROJECT_FILE_EXTENSION = '.fovea-project.zip';

/** The dataset settings a project keeps (as project-storage.ts saves them). */
export interface ProjectDatasetSettings {
  presetId: LabelPresetId;
  split: { seed: number; valFraction: number; testFraction: number };
  fieldOfViewCrop: boolean;
  /** Side in px of the stored squares of images added from now on. Absent (older projects): 512. */
  storedSide?: number;
  declaredLabels: string[];
  sampleAttribution: string | null;
}

/** How an image's stored copy was made from the original. */
export interface PreparedPixels {
  /** The square cut from the original: around the circular field of view, or the centre square. */
  crop: 'field-of-view' | 'centre-square';
  /** Side of the stored square in px. */
  side: number;
}

export type ProjectImageType = 'image/jpeg' | 'image/png';

export interface ProjectImage {
  id: string;
  name: string;
  relativePath: string;
  sourceLabel: string;
  patientId: string;
  fromSample: boolean;
  order: number;
  /**
   * How the bytes were prepared (the stored square); null or absent: a whole, uncropped photograph (projects saved
   * before images were stored cropped), cropped as the dataset's setting says when it is read.
   */
  prepared?: PreparedPixels | null;
  /** The saved image's bytes (a JPEG as the studio saves it, or a PNG). */
  bytes: Uint8Array;
}

/** A finished run: its JSON (a FinishedRun of the studio, checked for shape here) and its model package. */
export interface ProjectRun<Run = FinishedRunJson> {
  id: string;
  run: Run;
  modelZip: Uint8Array;
}

/** Everything the file carries. The run in progress's checkpoint is not part of it. */
export interface ProjectContents<Run = FinishedRunJson> {
  name: string;
  settings: ProjectDatasetSettings | null;
  images: ProjectImage[];
  runs: ProjectRun<Run>[];
}

export interface ProjectFileLimitsConfig {
  /** Most images a project file may hold. Defaults to 50,000. */
  maxImages?: number;
  /** Most runs. Defaults to 500. */
  maxRuns?: number;
  /** Largest image, in bytes. Defaults to 16 MiB. */
  maxImageBytes?: number;
  /** Largest model package, in bytes. Defaults to 512 MiB. */
  maxRunBytes?: number;
  /** Largest fovea-project.json, in bytes. Defaults to 256 MiB. */
  maxManifestBytes?: number;
  /** Largest declared size of all entries together, in bytes. Defaults to 2 GiB. */
  maxTotalBytes?: number;
}

export const DEFAULT_PROJECT_FILE_LIMITS: Required<ProjectFileLimitsConfig> = {
  maxImages: 50_000,
  maxRuns: 500,
  maxImageBytes: 16 * 1024 * 1024,
  maxRunBytes: 512 * 1024 * 1024,
  maxManifestBytes: 256 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
};

/** A project file that cannot be read; the message says why in plain words, the file changes nothing. */
export class ProjectFileError extends Error {
  override name = 'ProjectFileError';
  constructor(readonly reason: string) {
    super(`This project file cannot be imported: ${reason}.`);
  }
}

// --- JSON with non-finite numbers ---

const NON_FINITE_TAG = '$number';
const NON_FINITE = new Map<string, number>([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.stringify that keeps NaN and ±Infinity as {"$number": "NaN"} instead of turning them into null. */
export function stringifyProjectJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE_TAG]: String(v) } : v);
}

/** JSON.parse that refuses prototype-pollution keys anywhere and reads {"$number": "NaN"} back as NaN. */
export function parseProjectJson(text: string): unknown {
  return JSON.parse(text, (key, v: unknown) => {
    if (FORBIDDEN_KEYS.has(key)) throw new UnsafeJsonError(key);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const tag = (v as Record<string, unknown>)[NON_FINITE_TAG];
      if (keys.length === 1 && keys[0] === NON_FINITE_TAG && typeof tag === 'string' && NON_FINITE.has(tag)) {
        return NON_FINITE.get(tag);
      }
    }
    return v;
  });
}

// --- the manifest's shape ---

/** Any number, NaN and ±Infinity included (zod's number() refuses them). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const count = z.number().int().nonnegative();
const text = z.string().max(4096);

const presetId = z.enum(['as-is', 'dr-5-grades', 'referable-dr', 'any-dr']);

const datasetSettingsSchema = z.strictObject({
  presetId,
  split: z.strictObject({
    seed: z.number().int(),
    valFraction: z.number().min(0).max(1),
    testFraction: z.number().min(0).max(1),
  }),
  fieldOfViewCrop: z.boolean(),
  storedSide: z.number().int().min(64).max(4096).optional(),
  declaredLabels: z.array(text).max(1000),
  sampleAttribution: z.string().max(100_000).nullable(),
});

const imageFileName = /^images\/\d{1,6}\.(jpg|png)$/;
const runFileName = /^runs\/\d{1,6}\.zip$/;

const imageEntrySchema = z.strictObject({
  id: z.string().min(1).max(200),
  name: text,
  relativePath: text,
  sourceLabel: text,
  patientId: text,
  fromSample: z.boolean(),
  order: z.number().int(),
  prepared: z.strictObject({
    crop: z.enum(['field-of-view', 'centre-square']),
    side: z.number().int().min(1).max(4096),
  }).nullable().optional(),
  file: z.string().regex(imageFileName),
});

/**
 * A finished run as the studio stores it. The fields the screens read first are checked; the rest of the
 * result (reports, summary, model info) must be objects and is displayed as the studio wrote it.
 */
const finishedRunSchema = z.looseObject({
  id: z.string().max(200).optional(),
  info: z.looseObject({
    classNames: z.array(text).min(1).max(1000),
    ordinal: z.boolean(),
    trainCount: count,
    valCount: count,
    testCount: count,
    startedAt: z.number(),
  }),
  result: z.looseObject({
    config: z.record(z.string(), z.unknown()),
    epochs: z.array(z.record(z.string(), z.unknown())),
    report: z.looseObject({ classNames: z.array(text), predictions: z.array(z.unknown()) }),
    bestEpoch: z.number().int(),
    test: z.looseObject({ classNames: z.array(text), predictions: z.array(z.unknown()) }).optional(),
    summary: z.record(z.string(), z.unknown()),
    model: z.record(z.string(), z.unknown()),
    stoppedBecause: z.enum(['completed', 'early-stopping', 'cancelled']),
  }),
  batches: z.array(z.strictObject({ x: anyNumber, loss: anyNumber, accuracy: anyNumber })),
  finishedAt: z.number(),
});

/** What the studio reads of a run; the state layer treats a validated one as its FinishedRun. */
export type FinishedRunJson = z.infer<typeof finishedRunSchema>;

const runEntrySchema = z.strictObject({
  id: z.string().min(1).max(200),
  file: z.string().regex(runFileName),
  run: finishedRunSchema,
});

const projectManifestSchema = z.strictObject({
  format: z.literal(PROJECT_FILE_FORMAT),
  version: z.literal(PROJECT_FILE_VERSION),
  name: z.string().min(1).max(200),
  exportedAt: z.string().max(100),
  dataset: datasetSettingsSchema.nullable(),
  images: z.array(imageEntrySchema),
  runs: z.array(runEntrySchema),
});

export type ProjectManifest = z.infer<typeof projectManifestSchema>;

// --- writing ---

/** `My project` → `My project.fovea-project.zip`, without characters file systems refuse. */
export function projectFileName(name: string): string {
  const safe = name.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '-').replace(/^[\s.]+|[\s.]+$/g, '').slice(0, 100);
  return `${safe || 'project'}${PROJECT_FILE_EXTENSION}`;
}

export function imageTypeOf(bytes: Uint8Array): ProjectImageType | null {
  const format = imageFormatOf(bytes);
  return format === 'jpeg' ? 'image/jpeg' : format === 'png' ? 'image/png' : null;
}

const isZip = (bytes: Uint8Array) => bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** The project as one zip. Images and model packages are stored as they are (both are compressed already). */
export function writeProjectFile(project: ProjectContents<unknown>, exportedAt = new Date()): Uint8Array {
  const number = (i: number) => String(i + 1).padStart(6, '0');
  const files: Zippable = {};
  const images = project.images.map((image, i) => {
    const type = imageTypeOf(image.bytes);
    if (!type) throw new ProjectFileError(`the saved image ${image.name} is neither a JPEG nor a PNG`);
    const file = `images/${number(i)}.${type === 'image/png' ? 'png' : 'jpg'}`;
    files[file] = [image.bytes, { level: 0 }];
    const { bytes: _bytes, ...meta } = image;
    void _bytes;
    return { ...meta, file };
  });
  const runs = project.runs.map((run, i) => {
    const file = `runs/${number(i)}.zip`;
    files[file] = [run.modelZip, { level: 0 }];
    return { id: run.id, file, run: run.run };
  });
  const manifest = {
    format: PROJECT_FILE_FORMAT, version: PROJECT_FILE_VERSION, name: project.name,
    exportedAt: exportedAt.toISOString(), dataset: project.settings, images, runs,
  };
  files[PROJECT_MANIFEST_NAME] = [strToU8(stringifyProjectJson(manifest)), { level: 6 }];
  return zipSync(files);
}

// --- reading ---

function describeZipProblem(p: ZipProblem): string {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  switch (p.kind) {
    case 'not-a-zip': return 'it is not a zip archive (a project file ends in .fovea-project.zip)';
    case 'too-many-entries': return `it holds ${p.count.toLocaleString()} files, more than the ${p.limit.toLocaleString()} a project file may hold`;
    case 'entry-too-large': return `${p.name} declares ${mb(p.declaredBytes)}, more than the ${mb(p.limit)} allowed for it`;
    case 'total-too-large': return `its files declare ${mb(p.declaredBytes)} in all, more than the ${mb(p.limit)} allowed`;
    case 'duplicate-name': return `it holds two files named ${p.name}`;
    case 'size-mismatch': return `${p.name} declares ${p.declaredBytes} bytes but holds ${p.actualBytes} (the file is damaged)`;
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'its description is not valid';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the top level';
  return `its description is not valid at ${where} (${issue.message})`;
}

function parseManifest(bytes: Uint8Array): ProjectManifest {
  let json: unknown;
  try {
    json = parseProjectJson(strFromU8(bytes));
  } catch (e) {
    if (e instanceof UnsafeJsonError) throw new ProjectFileError(`its description uses the key "${e.key}", which is not allowed`);
    throw new ProjectFileError(`${PROJECT_MANIFEST_NAME} is not valid JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProjectFileError(`${PROJECT_MANIFEST_NAME} is not a project description`);
  }
  const { format, version } = json as { format?: unknown; version?: unknown };
  if (format !== PROJECT_FILE_FORMAT) throw new ProjectFileError(`it is not a Fovea project (format ${JSON.stringify(format) ?? 'missing'})`);
  if (version !== PROJECT_FILE_VERSION) {
    throw new ProjectFileError(`it is version ${JSON.stringify(version) ?? 'missing'} of the project format; this studio reads version ${PROJECT_FILE_VERSION} (a newer Fovea may have written it)`);
  }
  const parsed = projectManifestSchema.safeParse(json);
  if (!parsed.success) throw new ProjectFileError(firstIssue(parsed.error));
  return parsed.data;
}

function checkUnique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new ProjectFileError(`${what} ${v} appears twice`);
    seen.add(v);
  }
}

/** Reads and checks a project file; throws ProjectFileError, never anything else, when it cannot be trusted. */
export function readProjectFile(zip: Uint8Array, config: ProjectFileLimitsConfig = {}): ProjectContents {
  const limits = { ...DEFAULT_PROJECT_FILE_LIMITS, ...config };
  try {
    return readChecked(zip, limits);
  } catch (e) {
    if (e instanceof ProjectFileError) throw e;
    if (e instanceof ZipLimitError) throw new ProjectFileError(describeZipProblem(e.problem));
    throw new ProjectFileError(`it could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

function readChecked(zip: Uint8Array, limits: Required<ProjectFileLimitsConfig>): ProjectContents {
  // Declared sizes first, from the central directory: nothing is inflated before they are within limits.
  const listed = listZipEntries(zip, {
    maxEntries: 1 + limits.maxImages + limits.maxRuns,
    maxEntryBytes: Math.max(limits.maxImageBytes, limits.maxRunBytes, limits.maxManifestBytes),
    maxTotalBytes: limits.maxTotalBytes,
    maxBytesByName: { [PROJECT_MANIFEST_NAME]: limits.maxManifestBytes },
  });
  const byPath = new Map([...listed.values()].map((e) => [e.path, e] as const));
  const manifestEntry = byPath.get(PROJECT_MANIFEST_NAME);
  if (!manifestEntry) {
    if (listed.has('fovea.json')) throw new ProjectFileError('it is a model package, not a project (import it on the Export tab)');
    throw new ProjectFileError(`it has no ${PROJECT_MANIFEST_NAME}, so it is not a Fovea project file`);
  }
  const manifest = parseManifest(readZipEntries(zip, [manifestEntry]).get(manifestEntry.name)!);
  if (manifest.images.length > limits.maxImages) throw new ProjectFileError(`it lists ${manifest.images.length} images, more than ${limits.maxImages}`);
  if (manifest.runs.length > limits.maxRuns) throw new ProjectFileError(`it lists ${manifest.runs.length} runs, more than ${limits.maxRuns}`);
  checkUnique(manifest.images.map((i) => i.id), 'the image id');
  checkUnique(manifest.runs.map((r) => r.id), 'the run id');
  checkUnique([...manifest.images.map((i) => i.file), ...manifest.runs.map((r) => r.file)], 'the file');

  const entryFor = (file: string, limit: number, what: string) => {
    const entry = byPath.get(file);
    if (!entry) throw new ProjectFileError(`${what} ${file} is listed but missing from the file`);
    if (entry.declaredBytes > limit) throw new ProjectFileError(`${file} declares ${entry.declaredBytes} bytes, more than the ${limit} allowed`);
    return entry;
  };
  const imageEntries = manifest.images.map((i) => entryFor(i.file, limits.maxImageBytes, 'the image'));
  const runEntries = manifest.runs.map((r) => entryFor(r.file, limits.maxRunBytes, 'the model of a run,'));
  const data = readZipEntries(zip, [...imageEntries, ...runEntries]);

  const images = manifest.images.map(({ file, ...meta }, i): ProjectImage => {
    const bytes = data.get(imageEntries[i].name)!;
    const type = imageTypeOf(bytes);
    if (!type) throw new ProjectFileError(`${file} (${meta.name}) is not a JPEG or PNG image`);
    return { ...meta, bytes };
  });
  const runs = manifest.runs.map(({ file, id, run }, i): ProjectRun => {
    const modelZip = data.get(runEntries[i].name)!;
    if (!isZip(modelZip)) throw new ProjectFileError(`${file}, the model of a run, is not a zip package`);
    return { id, run, modelZip };
  });
  return { name: manifest.name, settings: manifest.dataset, images, runs };
}
