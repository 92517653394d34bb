/**
 * Whether a labelled dataset can be trained on, checked before any training starts, with problems in plain
 * words the dataset screen shows as they are. Errors block training; warnings let it run but say what the
 * result will lack.
 */

export interface ClassCount {
  name: string;
  images: number;
  /** Distinct patients with an image of this class; when absent, every image counts as its own patient. */
  patients?: number;
}

export type DatasetProblem =
  | { kind: 'no-images'; severity: 'error'; message: string }
  | { kind: 'one-class'; severity: 'error'; className?: string; message: string }
  | { kind: 'empty-class'; severity: 'error'; className: string; message: string }
  | { kind: 'too-few-to-split'; severity: 'error'; images: number; patients: number; message: string }
  | { kind: 'class-not-in-validation'; severity: 'warning'; className: string; message: string };

export type DatasetProblemKind = DatasetProblem['kind'];

const patientsOf = (c: ClassCount) => c.patients ?? c.images;

/** Training cannot start on this dataset; `problems` lists why, each with a plain message. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(readonly problems: DatasetProblem[]) {
    super(problems.map((p) => p.message).join(' '));
  }
}

/**
 * Every problem of a dataset described by its per-class counts (classes in class-index order) and its
 * number of distinct patients (defaults to the sum over classes, exact when no patient has images in two
 * classes; pass it when known, see countPatients). Checks:
 * no images at all; fewer than two classes with images; a class without images; fewer than two patients
 * overall (nothing to hold out); and, as a warning, a class whose images all come from one patient
 * (a patient-aware split keeps it out of validation, so its sensitivity goes unmeasured).
 */
export function validateDataset(
  classes: readonly ClassCount[],
  totalPatients = classes.reduce((sum, c) => sum + patientsOf(c), 0),
): DatasetProblem[] {
  const totalImages = classes.reduce((sum, c) => sum + c.images, 0);
  if (totalImages === 0) {
    return [{
      kind: 'no-images', severity: 'error',
      message: 'There are no images yet. Drop a folder with one sub-folder per class, or images together with a labels CSV.',
    }];
  }

  const problems: DatasetProblem[] = [];
  const withImages = classes.filter((c) => c.images > 0);
  if (withImages.length < 2) {
    const only = withImages[0].name;
    problems.push({
      kind: 'one-class', severity: 'error', className: only,
      message: `Training needs at least two classes, but every image is in class "${only}". ` +
        'Add images of another class (one folder per class, or another label in the CSV).',
    });
  }
  for (const c of classes) {
    if (c.images === 0) {
      problems.push({
        kind: 'empty-class', severity: 'error', className: c.name,
        message: `Class "${c.name}" has no images. Add some, or choose a label preset without this class.`,
      });
    }
  }

  if (totalPatients < 2) {
    problems.push({
      kind: 'too-few-to-split', severity: 'error', images: totalImages, patients: totalPatients,
      message: `${totalImages === 1 ? 'There is only 1 image' : `All ${totalImages} images are of one patient`}: ` +
        'images of at least two patients are needed so that some can be held out to validate the model. Add more images.',
    });
  }

  for (const c of withImages) {
    if (patientsOf(c) < 2) {
      problems.push({
        kind: 'class-not-in-validation', severity: 'warning', className: c.name,
        message: `Class "${c.name}" has images of only one patient, so none can be held out for validation and ` +
          'its sensitivity will not be measured. Add images of another patient with this class.',
      });
    }
  }
  return problems;
}

/** Throws a DatasetError listing the blocking problems, if there are any. */
export function assertTrainable(classes: readonly ClassCount[], totalPatients?: number): void {
  const errors = validateDataset(classes, totalPatients).filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new DatasetError(errors);
}

/** Per-class image and patient counts of labelled images (classIndex into classNames; null = unlabelled, skipped). */
export function countClasses(
  items: readonly { patientId: string; classIndex: number | null }[],
  classNames: readonly string[],
): ClassCount[] {
  const images = classNames.map(() => 0);
  const patients = classNames.map(() => new Set<string>());
  for (const item of items) {
    if (item.classIndex === null) continue;
    if (!(item.classIndex >= 0 && item.classIndex < classNames.length && Number.isInteger(item.classIndex))) {
      throw new RangeError(`classIndex ${item.classIndex} is outside the ${classNames.length} classes`);
    }
    images[item.classIndex]++;
    patients[item.classIndex].add(item.patientId);
  }
  return classNames.map((name, i) => ({ name, images: images[i], patients: patients[i].size }));
}

/** Distinct patients among images (labelled or not: pass the ones that will be trained on). */
export function countPatients(items: readonly { patientId: string }[]): number {
  return new Set(items.map((i) => i.patientId)).size;
}
