/**
 * The evaluate command's data: a folder with one sub-folder per class, or a labels CSV beside its images,
 * read the same way the studio reads a drop (labelsFromFolders, parseLabelsCsv + matchCsvToFiles,
 * patientIdOf, the label presets), and images decoded from disk when a batch asks for them, at the run's input
 * size with the chosen fundus preprocessing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { cropToFieldOfView, localAverageColourSubtraction } from '../../src/core/data/fundus';
import { labelsFromFolders, matchCsvToFiles, parseLabelsCsv, patientIdOf } from '../../src/core/data/labels';
import { applyPreset, LABEL_PRESETS, type LabelPresetId, suggestPreset } from '../../src/core/data/presets';
import type { ImageSource } from '../../src/core/data/image-source';
import { centreCropResize, type RgbImage } from '../../src/core/data/preprocess';
import { decodeImageFile } from '../lib/node-images';
import type { FundusPreprocessing } from './options';

export interface LabelledImage {
  /** Path relative to the set's root: unique, stable, and what reports name. */
  id: string;
  path: string;
  label: string;
  patientId: string;
}

export interface LabelledSet {
  root: string;
  /** 'folders' or the CSV's format. */
  labelledBy: string;
  images: LabelledImage[];
  /** What was left out and why, in plain words. */
  notes: string[];
}

export class EvaluateDataError extends Error {
  override name = 'EvaluateDataError';
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === '__MACOSX') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (IMAGE_FILE.test(entry.name)) out.push(path);
    }
  };
  visit(root);
  return out;
}

/** Lists the labelled images of a folder (one sub-folder per class) or of a labels CSV (images under its folder). */
export function readLabelledSet(path: string): LabelledSet {
  if (!existsSync(path)) throw new EvaluateDataError(`${path} does not exist.`);
  const notes: string[] = [];
  if (statSync(path).isDirectory()) {
    const files = walk(path);
    if (files.length === 0) throw new EvaluateDataError(`${path} has no JPEG or PNG images.`);
    const { files: labelled, errors } = labelsFromFolders(files.map((f) => relative(path, f)));
    if (errors.length > 0) notes.push(`${errors.length} images are not in a class folder and are left out (e.g. ${errors[0].path}).`);
    const images = labelled.map((f) => ({ id: f.path, path: join(path, f.path), label: f.label, patientId: patientIdOf(f.name) }));
    return { root: path, labelledBy: 'folders', images, notes };
  }
  const root = dirname(path);
  const csv = parseLabelsCsv(readFileSync(path, 'utf8'));
  const files = walk(root);
  const match = matchCsvToFiles(csv.rows, files.map((f) => relative(root, f)));
  if (match.matched.length === 0) throw new EvaluateDataError(`No image under ${root} matches a row of ${basename(path)}.`);
  if (match.missingFiles.length > 0) notes.push(`${match.missingFiles.length} CSV rows have no image and are left out.`);
  if (match.unlabeledFiles.length > 0) notes.push(`${match.unlabeledFiles.length} images have no CSV row and are left out.`);
  const images = match.matched.map((m) => ({
    id: m.fileName, path: join(root, m.fileName), label: m.label, patientId: patientIdOf(basename(m.fileName)),
  }));
  return { root, labelledBy: `csv (${csv.format})`, images, notes };
}

export interface TaskClasses {
  task: LabelPresetId;
  classNames: string[];
  ordinal: boolean;
  /** Class index per image of the set (images whose label is not a grade are dropped, with a note). */
  items: { image: LabelledImage; classIndex: number }[];
}

/** Applies a label preset (or the one the labels suggest) to a set. */
export function classesForTask(set: LabelledSet, task: LabelPresetId | null): TaskClasses {
  const labels = set.images.map((im) => im.label);
  const chosen = task ?? suggestPreset(labels);
  const applied = applyPreset(chosen, labels);
  if (applied.unreadableLabels.length > 0) {
    set.notes.push(`Labels that are not DR grades are left out: ${applied.unreadableLabels.slice(0, 5).join(', ')}.`);
  }
  const items = set.images.flatMap((image, i) => {
    const classIndex = applied.classIndexOf[i];
    return classIndex === null ? [] : [{ image, classIndex }];
  });
  return { task: chosen, classNames: applied.classNames, ordinal: LABEL_PRESETS[chosen].ordinal && applied.ordinal, items };
}

/** One image as the network sees it (before the Caffe mean): square, at `size`, per the preprocessing. */
export function prepareImage(path: string, size: number, preprocessing: FundusPreprocessing): RgbImage {
  const decoded = decodeImageFile(path);
  if (preprocessing === 'centre') return centreCropResize(decoded, size);
  const cropped = cropToFieldOfView(decoded, size);
  return preprocessing === 'fov-colour' ? localAverageColourSubtraction(cropped) : cropped;
}

/**
 * The run's images read from disk when asked for, batch by batch: decoded, cropped and resized on each request and
 * not kept (memory stays flat in the number of images; a 224 px image is 150 KB, 2,889 of them 435 MB).
 * `onDecode` is told each path decoded (tests count reads).
 */
export function diskImages(
  paths: ReadonlyMap<string, string>, size: number, preprocessing: FundusPreprocessing, onDecode?: (path: string) => void,
): ImageSource {
  return {
    load: async (ids) => ids.map((id) => {
      const path = paths.get(id);
      if (!path) throw new EvaluateDataError(`Unknown image ${id}.`);
      onDecode?.(path);
      return prepareImage(path, size, preprocessing);
    }),
  };
}
