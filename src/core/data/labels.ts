/**
 * Where labels come from: the folder an image sits in, or a labels CSV (APTOS, EyePACS or generic columns)
 * matched to the dropped files by name. Also the patient id of an image, which the split needs so that
 * both eyes of one patient never end up on opposite sides of the train/validation split.
 */
import Papa from 'papaparse';

/** The last segment of a path, whichever separator the platform used. */
export function baseNameOf(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

/**
 * The file name without directory and without its extension (`a/b/002c21358ce6.png` -> `002c21358ce6`).
 * Only a short alphanumeric tail counts as an extension, so ids containing dots are kept whole.
 */
export function stemOf(path: string): string {
  const name = baseNameOf(path);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return name;
  return /^[A-Za-z0-9]{1,5}$/.test(name.slice(dot + 1)) ? name.slice(0, dot) : name;
}

/**
 * Which eye a photo shows, as public fundus sets write it after the patient id: L/R, left/right, and the
 * ophthalmic abbreviations OD (right eye), OS (left eye), OU (both).
 */
const EYE_SUFFIX = /^(.+?)[\s._-]+(?:l|r|left|right|od|os|ou)(?=$|[\s._-])/i;

/**
 * The patient an image belongs to, from its file name, so that both eyes of a patient group together.
 *
 * Rule: take the name without directory and extension; if it contains an eye token (L, R, left, right,
 * OD, OS, OU; any case) separated from what precedes it by `_`, `-`, `.` or a space, the patient id is
 * everything before the first such token. Otherwise the whole name is the id (one image per patient, as
 * in APTOS). Examples: `Patient012_L.jpg` -> `Patient012`; `10_left.jpeg` -> `10`; `P7-OD_2.png` -> `P7`;
 * `002c21358ce6.png` -> `002c21358ce6`.
 *
 * The separator is required so that ids which merely end in one of these letters are not cut short.
 */
export function patientIdOf(fileName: string): string {
  const stem = stemOf(fileName);
  const match = EYE_SUFFIX.exec(stem);
  return match ? match[1] : stem;
}

// ---------------------------------------------------------------------------------------------------------
// Labels from folders

export interface FolderLabeledFile {
  /** The relative path as dropped. */
  path: string;
  /** The file name alone. */
  name: string;
  /** The immediate parent folder's name. */
  label: string;
}

export interface FolderLabelProblem {
  path: string;
  message: string;
}

export interface FolderLabels {
  files: FolderLabeledFile[];
  /** Files that cannot be labelled (they sit at the top of the drop, outside any class folder). */
  errors: FolderLabelProblem[];
}

/**
 * Operating-system clutter that rides along with dropped folders and is never an image to label
 * (Finder's .DS_Store and AppleDouble ._ files, zip's __MACOSX, Windows' Thumbs.db / desktop.ini).
 */
function isSystemClutter(segments: string[]): boolean {
  const name = segments[segments.length - 1].toLowerCase();
  return (
    segments.some((s) => s.startsWith('.') || s === '__MACOSX') || name === 'thumbs.db' || name === 'desktop.ini'
  );
}

/**
 * Labels files dropped as a folder tree: each file's class is the folder it sits in directly.
 *
 * Paths are relative, as the browser gives them (`webkitRelativePath` or a drop's `fullPath`). When every
 * path starts with the same folder and some go deeper than one folder, that first folder is the dropped
 * wrapper (`root/0_No_DR/a.jpg`), not a class, and files directly inside it are reported as unlabelled.
 * Otherwise class folders were dropped themselves (`0_No_DR/a.jpg`) and only bare file names are unlabelled.
 * System clutter (.DS_Store, Thumbs.db, __MACOSX/…) is skipped silently.
 */
export function labelsFromFolders(paths: readonly string[]): FolderLabels {
  const entries = paths
    .map((path) => ({ path, segments: path.split(/[\\/]/).filter((s) => s !== '' && s !== '.') }))
    .filter((e) => e.segments.length > 0 && !isSystemClutter(e.segments));

  const first = entries[0]?.segments[0];
  const hasWrapper =
    entries.length > 0 &&
    entries.every((e) => e.segments.length >= 2 && e.segments[0] === first) &&
    entries.some((e) => e.segments.length >= 3);
  const minDepth = hasWrapper ? 3 : 2;

  const files: FolderLabeledFile[] = [];
  const errors: FolderLabelProblem[] = [];
  for (const { path, segments } of entries) {
    const name = segments[segments.length - 1];
    if (segments.length < minDepth) {
      errors.push({
        path,
        message:
          `"${name}" is not inside a class folder, so its class is unknown. ` +
          'Put each image in a folder named after its class (for example 0_No_DR/' + name + ').',
      });
    } else {
      files.push({ path, name, label: segments[segments.length - 2] });
    }
  }
  return { files, errors };
}

// ---------------------------------------------------------------------------------------------------------
// Labels from a CSV

export type LabelsCsvFormat = 'aptos' | 'eyepacs' | 'generic';

/** The column pairs we recognise, in the order they are tried (header names compared case-insensitively). */
export const LABELS_CSV_COLUMNS: Readonly<Record<LabelsCsvFormat, { key: string; label: string }>> = {
  aptos: { key: 'id_code', label: 'diagnosis' },
  eyepacs: { key: 'image', label: 'level' },
  generic: { key: 'filename', label: 'label' },
};

export interface LabelsCsvRow {
  /** The image as the CSV names it: a file name, or an id without extension (APTOS, EyePACS). */
  key: string;
  label: string;
}

export interface LabelsCsv {
  rows: LabelsCsvRow[];
  format: LabelsCsvFormat;
}

export type LabelsCsvProblem = 'empty' | 'unknown-columns' | 'missing-value' | 'duplicate-key' | 'malformed';

/** A labels CSV that cannot be used; the message says what is wrong in plain words and how to fix it. */
export class LabelsCsvError extends Error {
  override name = 'LabelsCsvError';
  constructor(readonly problem: LabelsCsvProblem, message: string) {
    super(message);
  }
}

const EXPECTED_COLUMNS = Object.values(LABELS_CSV_COLUMNS)
  .map((c) => `${c.key},${c.label}`)
  .join(' or ');

/**
 * Reads a labels CSV: a header row then one row per image. Handles a UTF-8 byte-order mark, quoted
 * fields, CRLF line ends and the delimiter Excel picks in some locales (papaparse detects it). Cells are
 * trimmed; blank lines are ignored. Throws LabelsCsvError when the file is empty, has none of the known
 * column pairs, has a row without key or label, or names one image twice (by name without extension,
 * since that is how rows are matched to files).
 */
export function parseLabelsCsv(text: string): LabelsCsv {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new LabelsCsvError('empty', 'The labels CSV is empty: expected a header row (' + EXPECTED_COLUMNS + ') and one row per image.');

  const parsed = Papa.parse<Record<string, string>>(body, {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: (h) => h.trim(),
    transform: (v) => v.trim(),
  });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) {
    throw new LabelsCsvError('malformed', `The labels CSV has an unclosed quote near data row ${(quoteError.row ?? 0) + 1}: ${quoteError.message}.`);
  }

  const columns = (parsed.meta.fields ?? []).filter((f) => f !== '');
  const byLowerName = new Map(columns.map((c) => [c.toLowerCase(), c] as const));
  const format = (Object.keys(LABELS_CSV_COLUMNS) as LabelsCsvFormat[]).find(
    (f) => byLowerName.has(LABELS_CSV_COLUMNS[f].key) && byLowerName.has(LABELS_CSV_COLUMNS[f].label),
  );
  if (!format) {
    const found = columns.length ? columns.map((c) => `"${c}"`).join(', ') : 'none';
    throw new LabelsCsvError('unknown-columns', `The labels CSV has columns ${found}; expected a header with ${EXPECTED_COLUMNS}.`);
  }
  const keyColumn = byLowerName.get(LABELS_CSV_COLUMNS[format].key)!;
  const labelColumn = byLowerName.get(LABELS_CSV_COLUMNS[format].label)!;

  if (parsed.data.length === 0) {
    throw new LabelsCsvError('empty', `The labels CSV has a header (${keyColumn},${labelColumn}) but no rows.`);
  }

  const rows: LabelsCsvRow[] = [];
  const firstKeyByStem = new Map<string, string>();
  parsed.data.forEach((record, i) => {
    // Line numbers as a spreadsheet shows them: the header is line 1 (blank lines aside).
    const line = i + 2;
    const key = record[keyColumn] ?? '';
    const label = record[labelColumn] ?? '';
    if (key === '' || label === '') {
      const missing = key === '' ? keyColumn : labelColumn;
      throw new LabelsCsvError('missing-value', `Row ${line} of the labels CSV has no ${missing}; every row needs both ${keyColumn} and ${labelColumn}.`);
    }
    const stem = matchKeyOf(key);
    const earlier = firstKeyByStem.get(stem);
    if (earlier !== undefined) {
      const same = earlier === key ? `"${key}" appears twice` : `"${earlier}" and "${key}" name the same image`;
      throw new LabelsCsvError('duplicate-key', `The labels CSV lists an image more than once: ${same} (row ${line}). Keep one row per image.`);
    }
    firstKeyByStem.set(stem, key);
    rows.push({ key, label });
  });
  return { rows, format };
}

/**
 * How a CSV key and a file name are compared: base name without extension, case-insensitive (APTOS and
 * EyePACS list ids without extension; a CSV written on Windows may differ from the files in case only).
 */
function matchKeyOf(nameOrPath: string): string {
  return stemOf(nameOrPath).toLowerCase();
}

export interface CsvFileMatch {
  /** Dropped files that have a row, with that row's label. */
  matched: { fileName: string; label: string }[];
  /** CSV keys (as written) for which no file was dropped. */
  missingFiles: string[];
  /** Dropped files (as given) that no CSV row names. */
  unlabeledFiles: string[];
}

/**
 * Pairs CSV rows with dropped files by base name without extension, so `002c21358ce6` matches
 * `002c21358ce6.png` and `train/10_left.jpeg` matches `10_left`. Rows without a file are reported, not
 * fatal: a CSV for a whole dataset may be used with part of its images. Results keep the input order.
 */
export function matchCsvToFiles(rows: readonly LabelsCsvRow[], fileNames: readonly string[]): CsvFileMatch {
  const labelByKey = new Map<string, string>();
  for (const row of rows) labelByKey.set(matchKeyOf(row.key), row.label);

  const matched: CsvFileMatch['matched'] = [];
  const unlabeledFiles: string[] = [];
  const seen = new Set<string>();
  for (const fileName of fileNames) {
    const key = matchKeyOf(fileName);
    const label = labelByKey.get(key);
    if (label === undefined) {
      unlabeledFiles.push(fileName);
    } else {
      matched.push({ fileName, label });
      seen.add(key);
    }
  }
  const missingFiles = rows.filter((r) => !seen.has(matchKeyOf(r.key))).map((r) => r.key);
  return { matched, missingFiles, unlabeledFiles };
}

/**
 * Plain sentences about what did not match, for the dataset screen (empty when everything matched).
 * Lists up to `maxNames` names per kind and counts the rest.
 */
export function describeCsvMatch(match: CsvFileMatch, maxNames = 5): string[] {
  const list = (names: string[]) =>
    names.slice(0, maxNames).join(', ') + (names.length > maxNames ? ` and ${names.length - maxNames} more` : '');
  const lines: string[] = [];
  const m = match.missingFiles.length;
  if (m > 0) {
    lines.push(
      `${m} ${m === 1 ? 'row' : 'rows'} of the labels CSV ${m === 1 ? 'names an image' : 'name images'} that ` +
        `${m === 1 ? 'was' : 'were'} not dropped: ${list(match.missingFiles)}. ` +
        `${m === 1 ? 'It is' : 'They are'} left out; drop the missing images to include them.`,
    );
  }
  const u = match.unlabeledFiles.length;
  if (u > 0) {
    lines.push(
      `${u} dropped ${u === 1 ? 'image has' : 'images have'} no row in the labels CSV: ${list(match.unlabeledFiles)}. ` +
        `${u === 1 ? 'It is' : 'They are'} left out; add ${u === 1 ? 'a row' : 'rows'} to the CSV to include ${u === 1 ? 'it' : 'them'}.`,
    );
  }
  return lines;
}
