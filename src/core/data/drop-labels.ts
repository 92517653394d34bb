/**
 * What one drop (or file choice) means for labels, as a pure decision: which files get which label, which
 * loose images wait for a labels CSV, which files are skipped, and what to tell the user, as typed notices
 * the UI puts into words. Files still waiting and the rows of a CSV read without its images travel in and
 * out as one `PendingLabels` value, so the caller (the dataset store) holds them as state.
 */
import { labelsFromFolders, matchCsvToFiles, parseLabelsCsv, type LabelsCsvRow } from './labels';

/** A dropped file as far as labelling cares; the caller's own type (with its bytes) passes through. */
export interface DroppedFile {
  /** Base name, e.g. `a.jpg`. */
  name: string;
  /** Path relative to what was dropped (`0_No_DR/a.jpg`), or just the name for loose files. */
  path: string;
}

/** Between drops: loose images waiting for a labels CSV, and a CSV read before its images. */
export interface PendingLabels<F extends DroppedFile> {
  waiting: F[];
  csv: { name: string; rows: LabelsCsvRow[] } | null;
}

export const NO_PENDING_LABELS: PendingLabels<never> = { waiting: [], csv: null };

export type DropNotice =
  /** Files that are not images (README.md, .DS_Store, Thumbs.db, notes) left out of a drop that has images. */
  | { kind: 'skipped-non-images'; count: number; names: string[] }
  | { kind: 'several-csv'; count: number; used: string }
  | { kind: 'csv-unreadable'; file: string; reason: string }
  | { kind: 'csv-rows-without-images'; names: string[] }
  | { kind: 'images-without-csv-rows'; names: string[] }
  | { kind: 'no-images'; source: string }
  | { kind: 'only-system-files'; source: string }
  | { kind: 'csv-read-waiting-for-images'; rows: number };

export interface DropLabelling<F extends DroppedFile> {
  labelled: { file: F; label: string }[];
  /** Files refused by name alone: a drop with no image at all whose files are not images. */
  notImages: F[];
  pending: PendingLabels<F>;
  notices: DropNotice[];
}

export interface DropInput<F extends DroppedFile> {
  files: readonly F[];
  /** Text of the drop's last CSV file (the one used), or null when the drop has none. */
  csvText: string | null;
  /** What was dropped, for notices ("no images found in …"). */
  sourceName: string;
}

const IMAGE_NAME = /\.(jpe?g|png|gif|webp|bmp|tiff?)$/i;
const CSV_NAME = /\.csv$/i;

export const isImageName = (name: string) => IMAGE_NAME.test(name);

/** .DS_Store, Thumbs.db, __MACOSX/…: what labelsFromFolders skips without a word. */
function isSystemClutter(path: string): boolean {
  const seen = labelsFromFolders([path]);
  return seen.files.length + seen.errors.length === 0;
}

/** Decides each file's label: from a labels CSV in (or held before) this drop, else from folders. */
export function labelDrop<F extends DroppedFile>(input: DropInput<F>, before: PendingLabels<F>): DropLabelling<F> {
  const out: DropLabelling<F> = { labelled: [], notImages: [], pending: before, notices: [] };
  const csvFiles = input.files.filter((f) => CSV_NAME.test(f.name));
  const images = input.files.filter((f) => isImageName(f.name));
  const nonImages = input.files.filter((f) => !CSV_NAME.test(f.name) && !isImageName(f.name));

  let csvRead = false;
  if (csvFiles.length > 0 && input.csvText !== null) {
    const used = csvFiles[csvFiles.length - 1];
    if (csvFiles.length > 1) out.notices.push({ kind: 'several-csv', count: csvFiles.length, used: used.name });
    try {
      out.pending = { ...out.pending, csv: { name: used.name, rows: parseLabelsCsv(input.csvText).rows } };
      csvRead = true;
    } catch (e) {
      out.notices.push({ kind: 'csv-unreadable', file: used.name, reason: e instanceof Error ? e.message : String(e) });
    }
  }

  // Non-images beside images or a CSV are skipped quietly; on their own they are refused, so a user who
  // chose the wrong file hears why nothing was added.
  const visibleNonImages = nonImages.filter((f) => !isSystemClutter(f.path));
  const folder = labelsFromFolders(images.map((f) => f.path));
  if (folder.files.length + folder.errors.length > 0 || csvFiles.length > 0) {
    if (nonImages.length > 0) {
      out.notices.push({ kind: 'skipped-non-images', count: nonImages.length, names: nonImages.map((f) => f.name) });
    }
  } else {
    out.notImages = visibleNonImages;
  }

  const byPath = new Map(images.map((f) => [f.path, f] as const));
  const loose = folder.errors.map((p) => byPath.get(p.path)!);
  const foldered = folder.files.map((f) => ({ file: byPath.get(f.path)!, label: f.label }));
  const csv = out.pending.csv;

  if (csv && (csvRead || folder.files.length === 0)) {
    // A CSV labels every image of the drop (the folders are then just where the images are kept),
    // plus loose images that were waiting for it.
    const candidates = [...foldered.map((f) => f.file), ...loose, ...out.pending.waiting];
    if (candidates.length === 0) {
      out.notices.push({ kind: 'csv-read-waiting-for-images', rows: csv.rows.length });
      return out;
    }
    const match = matchCsvToFiles(csv.rows, candidates.map((c) => c.path));
    const candidateByPath = new Map(candidates.map((c) => [c.path, c] as const));
    out.labelled = match.matched.map((m) => ({ file: candidateByPath.get(m.fileName)!, label: m.label }));
    out.pending = { ...out.pending, waiting: [] };
    if (match.missingFiles.length > 0) out.notices.push({ kind: 'csv-rows-without-images', names: match.missingFiles });
    if (match.unlabeledFiles.length > 0) out.notices.push({ kind: 'images-without-csv-rows', names: match.unlabeledFiles });
    return out;
  }

  out.labelled = foldered;
  // Loose images wait for a labels CSV (the dataset screen says so while any are waiting).
  const known = new Set(out.pending.waiting.map((f) => f.path));
  out.pending = { ...out.pending, waiting: [...out.pending.waiting, ...loose.filter((f) => !known.has(f.path))] };
  if (input.files.length === 0) {
    out.notices.push({ kind: 'no-images', source: input.sourceName });
  } else if (folder.files.length + folder.errors.length === 0 && csvFiles.length === 0 && visibleNonImages.length === 0) {
    out.notices.push({ kind: 'only-system-files', source: input.sourceName });
  }
  return out;
}
