import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  parseProjectJson, projectFileName, ProjectFileError, readProjectFile, stringifyProjectJson, writeProjectFile,
  PROJECT_MANIFEST_NAME, type ProjectContents,
} from './project-file';

const DEMO = join(__dirname, '..', '..', '..', '..', 'shared', 'data', 'fundus-demo');
const jpeg = (label: string, name: string) => new Uint8Array(readFileSync(join(DEMO, label, `${name}.jpg`)));
/** The 8-byte PNG signature and an IHDR start: enough for the magic-bytes check. */
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const modelZip = () => zipSync({ 'fovea.json': strToU8('{"format":"fovea-model"}'), 'model.json': strToU8('{}') });

/** A finished run as the studio stores it, with the values JSON cannot hold: NaN metrics, an infinite loss. */
function finishedRun() {
  return {
    id: 'run-1700000000000',
    info: { classNames: ['0_No_DR', '2_Moderate'], ordinal: false, trainCount: 8, valCount: 2, testCount: 2, startedAt: 1_700_000_000_000 },
    result: {
      config: { scenario: 'linear-top', epochs: 1, learningRate: 0.01 },
      epochs: [{ epoch: 0, trainLoss: Infinity, trainAccuracy: 0.5, valLoss: NaN, valAccuracy: 0.5, learningRate: 0.01, seconds: 3 }],
      report: {
        classNames: ['0_No_DR', '2_Moderate'], count: 2, accuracy: 0.5, loss: 0.69, confusion: [[1, 0], [1, 0]],
        perClass: [{ name: '0_No_DR', support: 1, sensitivity: 1, specificity: 0 }, { name: '2_Moderate', support: 1, sensitivity: 0, specificity: 1 }],
        macroAuc: NaN, predictions: [{ id: 'img-1', trueClass: 0, predictedClass: 0, probs: [0.6, 0.4] }],
      },
      bestEpoch: 0,
      summary: { validation: { accuracy: { estimate: 0.5, low: NaN, high: NaN }, calibration: { binsBefore: [{ confidence: NaN, accuracy: NaN, count: 0 }] } } },
      model: { classNames: ['0_No_DR', '2_Moderate'], inputSize: 64, origin: 'trained', manifest: {}, modelCard: null },
      stoppedBecause: 'completed',
    },
    batches: [{ x: 0.5, loss: -Infinity, accuracy: 0.5 }, { x: 1, loss: 0.7, accuracy: 0.5 }],
    finishedAt: 1_700_000_060_000,
  };
}

function project(): ProjectContents<unknown> {
  return {
    name: 'Clinic A / 2026',
    settings: {
      presetId: 'referable-dr', split: { seed: 7, valFraction: 0.15, testFraction: 0.15 }, fieldOfViewCrop: true,
      declaredLabels: ['0_No_DR', '2_Moderate'], sampleAttribution: null,
    },
    images: [
      { id: 'img-a-1', name: 'Patient001_L.jpg', relativePath: 'few/0_No_DR/Patient001_L.jpg', sourceLabel: '0_No_DR', patientId: 'Patient001', fromSample: false, order: 0, bytes: jpeg('0_No_DR', 'Patient001_L') },
      { id: 'img-a-2', name: 'Patient118_R.jpg', relativePath: 'few/2_Moderate/Patient118_R.jpg', sourceLabel: '2_Moderate', patientId: 'Patient118', fromSample: false, order: 1, bytes: jpeg('2_Moderate', 'Patient118_R') },
      { id: 'img-a-3', name: 'scan.png', relativePath: 'scan.png', sourceLabel: '0_No_DR', patientId: 'scan', fromSample: false, order: 2, bytes: PNG },
    ],
    runs: [{ id: 'run-1700000000000', run: finishedRun(), modelZip: modelZip() }],
  };
}

/** The genuine file's entries, to be altered one way or another by each hostile case. */
const entries = () => unzipSync(writeProjectFile(project()));
const manifestOf = (files: Record<string, Uint8Array>) => JSON.parse(strFromU8(files[PROJECT_MANIFEST_NAME])) as Record<string, unknown> & {
  images: Record<string, unknown>[]; runs: Record<string, unknown>[];
};
const rezip = (files: Record<string, Uint8Array>, manifest?: unknown) => zipSync({
  ...files, ...(manifest === undefined ? {} : { [PROJECT_MANIFEST_NAME]: strToU8(typeof manifest === 'string' ? manifest : JSON.stringify(manifest)) }),
} as Zippable);

function rejects(zip: Uint8Array, message: RegExp, config?: Parameters<typeof readProjectFile>[1]): void {
  let error: unknown;
  try {
    readProjectFile(zip, config);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ProjectFileError);
  expect((error as Error).message).toMatch(/^This project file cannot be imported: /);
  expect((error as Error).message).toMatch(message);
}

describe('project file: a whole project in one zip', () => {
  it('round-trips name, settings, every image byte for byte and every run with its model package', () => {
    const original = project();
    const back = readProjectFile(writeProjectFile(original, new Date('2026-11-30T08:00:00Z')));
    expect(back.name).toBe(original.name);
    expect(back.settings).toEqual(original.settings);
    expect(back.images.map(({ bytes, ...m }) => ({ ...m, size: bytes.byteLength }))).toEqual(
      original.images.map(({ bytes, ...m }) => ({ ...m, size: bytes.byteLength })));
    back.images.forEach((image, i) => expect(image.bytes).toEqual(original.images[i].bytes));
    expect(back.runs[0].id).toBe('run-1700000000000');
    expect(back.runs[0].modelZip).toEqual(original.runs[0].modelZip);
    // toEqual treats NaN as equal to NaN and tells Infinity from -Infinity and from null.
    expect(back.runs[0].run).toEqual(finishedRun());
  });

  it('keeps NaN, Infinity and -Infinity through JSON, where plain JSON.stringify writes null', () => {
    const run = finishedRun();
    expect(JSON.parse(JSON.stringify(run)).result.report.macroAuc).toBeNull();
    const back = parseProjectJson(stringifyProjectJson(run)) as ReturnType<typeof finishedRun>;
    expect(back.result.report.macroAuc).toBeNaN();
    expect(back.result.epochs[0].trainLoss).toBe(Infinity);
    expect(back.batches[0].loss).toBe(-Infinity);
    expect(back.result.summary.validation.accuracy.low).toBeNaN();
  });

  it('lays the zip out as fovea-project.json, images/<n>.jpg|png and runs/<n>.zip', () => {
    const files = entries();
    expect(Object.keys(files).sort()).toEqual([
      'fovea-project.json', 'images/000001.jpg', 'images/000002.jpg', 'images/000003.png', 'runs/000001.zip',
    ]);
    const manifest = manifestOf(files);
    expect(manifest).toMatchObject({ format: 'fovea-project', version: 1, name: 'Clinic A / 2026', exportedAt: expect.any(String) });
    expect(manifest.images[0]).toMatchObject({ name: 'Patient001_L.jpg', sourceLabel: '0_No_DR', file: 'images/000001.jpg' });
    expect(manifest.runs[0]).toMatchObject({ id: 'run-1700000000000', file: 'runs/000001.zip' });
  });

  it('reads an empty project (no images, no runs, no settings yet)', () => {
    const back = readProjectFile(writeProjectFile({ name: 'Empty', settings: null, images: [], runs: [] }));
    expect(back).toEqual({ name: 'Empty', settings: null, images: [], runs: [] });
  });

  it('names the file after the project without characters a file system refuses', () => {
    expect(projectFileName('Clinic A / 2026')).toBe('Clinic A - 2026.fovea-project.zip');
    expect(projectFileName('  ..  ')).toBe('project.fovea-project.zip');
  });
});

describe('project file: hostile or damaged files are refused in plain words', () => {
  it('refuses bytes that are not a zip', () => {
    rejects(strToU8('just some text, not a zip at all'), /not a zip archive/);
  });

  it('refuses a zip without fovea-project.json, and says so when it is a model package', () => {
    rejects(zipSync({ 'notes.txt': strToU8('hello') }), /no fovea-project\.json/);
    rejects(modelZip(), /model package, not a project/);
  });

  it('refuses another format and an unknown version', () => {
    const files = entries();
    rejects(rezip(files, { ...manifestOf(files), format: 'fovea-model' }), /not a Fovea project \(format "fovea-model"\)/);
    rejects(rezip(files, { ...manifestOf(files), version: 2 }), /version 2 of the project format; this studio reads version 1/);
  });

  it('refuses prototype-pollution keys anywhere in the description', () => {
    const files = entries();
    const text = strFromU8(files[PROJECT_MANIFEST_NAME]);
    rejects(rezip(files, text.replace('"format"', '"__proto__":{"polluted":true},"format"')), /key "__proto__"/);
    rejects(rezip(files, text.replace('"sourceLabel"', '"constructor":{"prototype":{}},"sourceLabel"')), /key "(constructor|prototype)"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a description that is not JSON, or whose fields are wrong', () => {
    const files = entries();
    rejects(rezip(files, '{"format": "fovea-project", '), /not valid JSON/);
    const manifest = manifestOf(files);
    rejects(rezip(files, { ...manifest, images: [{ ...manifest.images[0], order: 'first' }] }), /not valid at images\.0\.order/);
    rejects(rezip(files, { ...manifest, images: [{ ...manifest.images[0], file: '../../etc/passwd' }] }), /not valid at images\.0\.file/);
    rejects(rezip(files, { ...manifest, surprise: 1 }), /not valid at the top level/);
    rejects(rezip(files, { ...manifest, runs: [{ ...manifest.runs[0], run: { info: {} } }] }), /not valid at runs\.0\.run/);
  });

  it('refuses an image or a model listed but missing from the zip', () => {
    const files = entries();
    const { 'images/000002.jpg': _image, ...withoutImage } = files;
    void _image;
    rejects(rezip(withoutImage), /image images\/000002\.jpg is listed but missing/);
    const { 'runs/000001.zip': _run, ...withoutRun } = files;
    void _run;
    rejects(rezip(withoutRun), /runs\/000001\.zip is listed but missing/);
  });

  it('refuses an image that is not a JPEG or PNG by its first bytes, whatever its name says', () => {
    const files = entries();
    rejects(rezip({ ...files, 'images/000001.jpg': strToU8('<script>alert(1)</script>') }), /images\/000001\.jpg \(Patient001_L\.jpg\) is not a JPEG or PNG/);
    rejects(rezip({ ...files, 'runs/000001.zip': strToU8('not a zip') }), /runs\/000001\.zip, the model of a run, is not a zip package/);
  });

  it('refuses two images with one id, or one file used twice', () => {
    const files = entries();
    const manifest = manifestOf(files);
    rejects(rezip(files, { ...manifest, images: [manifest.images[0], { ...manifest.images[1], id: manifest.images[0].id }] }), /image id img-a-1 appears twice/);
    rejects(rezip(files, { ...manifest, images: [manifest.images[0], { ...manifest.images[1], file: manifest.images[0].file }] }), /file images\/000001\.jpg appears twice/);
  });

  it('checks declared sizes before inflating: too large, too many in all, or a size that lies', () => {
    const zip = writeProjectFile(project());
    rejects(zip, /declares .* more than the .* allowed/, { maxImageBytes: 1024, maxRunBytes: 1024, maxManifestBytes: 1024 });
    rejects(zip, /in all, more than/, { maxTotalBytes: 20_000 });
    rejects(zip, /holds 5 files, more than the 3/, { maxImages: 1, maxRuns: 1 });
    // A zip bomb's trick: the central directory declares a small size for a large entry.
    const bomb = zipSync({ [PROJECT_MANIFEST_NAME]: [strToU8(' '.repeat(100_000) + '{}'), { level: 9 }] } as Zippable);
    lieAboutSize(bomb, PROJECT_MANIFEST_NAME, 10);
    rejects(bomb, /declares 10 bytes but holds|not a zip archive|not valid JSON/);
  });

  it('refuses a file listing more images than allowed', () => {
    rejects(writeProjectFile(project()), /lists 3 images, more than 2/, { maxImages: 2 });
  });
});

/** Overwrites the uncompressed size of `name` in the central directory (and the local header) with `size`. */
function lieAboutSize(zip: Uint8Array, name: string, size: number): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const nameBytes = strToU8(name);
  for (let i = 0; i + 46 < zip.byteLength; i++) {
    const sig = view.getUint32(i, true);
    const nameAt = sig === 0x02014b50 ? i + 46 : sig === 0x04034b50 ? i + 30 : -1;
    if (nameAt < 0 || !nameBytes.every((b, k) => zip[nameAt + k] === b)) continue;
    view.setUint32(i + (sig === 0x02014b50 ? 24 : 22), size, true);
  }
}
