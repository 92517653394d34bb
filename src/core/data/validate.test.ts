import { describe, expect, it } from 'vitest';
import {
  assertTrainable, countClasses, countPatients, DatasetError, type DatasetProblem, validateDataset,
} from './validate';

const kinds = (problems: DatasetProblem[]) => problems.map((p) => p.kind);

describe('dataset validation', () => {
  it('finds nothing wrong with two classes of several patients each', () => {
    expect(validateDataset([{ name: 'No DR', images: 40, patients: 25 }, { name: 'DR', images: 30, patients: 20 }])).toEqual([]);
  });

  it('reports no images, and only that', () => {
    const problems = validateDataset([{ name: 'a', images: 0 }, { name: 'b', images: 0 }]);
    expect(kinds(problems)).toEqual(['no-images']);
    expect(problems[0].message).toMatch(/^There are no images yet\. Drop a folder/);
    expect(kinds(validateDataset([]))).toEqual(['no-images']);
  });

  it('reports a single class', () => {
    const problems = validateDataset([{ name: 'No DR', images: 12 }]);
    expect(kinds(problems)).toEqual(['one-class']);
    expect(problems[0].message).toBe(
      'Training needs at least two classes, but every image is in class "No DR". ' +
        'Add images of another class (one folder per class, or another label in the CSV).',
    );
  });

  it('reports each class without images, by name', () => {
    const problems = validateDataset([
      { name: 'No DR', images: 10 }, { name: 'Mild', images: 5 }, { name: 'Severe', images: 0 }, { name: 'Proliferative DR', images: 0 },
    ]);
    expect(kinds(problems)).toEqual(['empty-class', 'empty-class']);
    expect(problems[0].message).toBe('Class "Severe" has no images. Add some, or choose a label preset without this class.');
    expect(problems.map((p) => (p.kind === 'empty-class' ? p.className : ''))).toEqual(['Severe', 'Proliferative DR']);
  });

  it('reports one class with images among empty ones as both problems', () => {
    expect(kinds(validateDataset([{ name: 'a', images: 3 }, { name: 'b', images: 0 }]))).toEqual(['one-class', 'empty-class']);
  });

  it('reports too few images to split when there is one image', () => {
    const problems = validateDataset([{ name: 'a', images: 1 }, { name: 'b', images: 0 }]);
    expect(kinds(problems)).toContain('too-few-to-split');
    expect(problems.find((p) => p.kind === 'too-few-to-split')!.message).toMatch(/^There is only 1 image: images of at least two patients/);
  });

  it('reports too few to split when every image is of one patient', () => {
    // Both eyes of one patient, graded differently: two classes, but nothing can be held out.
    const problems = validateDataset([{ name: 'No DR', images: 1, patients: 1 }, { name: 'Mild', images: 1, patients: 1 }], 1);
    const tooFew = problems.find((p) => p.kind === 'too-few-to-split');
    expect(tooFew?.message).toMatch(/^All 2 images are of one patient/);
    expect(tooFew?.severity).toBe('error');
  });

  it('warns, without blocking, about a class with a single patient', () => {
    const problems = validateDataset([{ name: 'No DR', images: 20, patients: 10 }, { name: 'Severe', images: 2, patients: 1 }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'class-not-in-validation', severity: 'warning', className: 'Severe' });
    expect(problems[0].message).toMatch(/^Class "Severe" has images of only one patient/);
    expect(() => assertTrainable([{ name: 'No DR', images: 20, patients: 10 }, { name: 'Severe', images: 2, patients: 1 }])).not.toThrow();
  });

  it('counts each image as its own patient when patients are not given', () => {
    expect(validateDataset([{ name: 'a', images: 2 }, { name: 'b', images: 2 }])).toEqual([]);
  });

  it('throws a DatasetError carrying only the blocking problems', () => {
    let error: unknown;
    try {
      assertTrainable([{ name: 'a', images: 5, patients: 1 }, { name: 'b', images: 0 }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    const e = error as DatasetError;
    expect(e.name).toBe('DatasetError');
    expect(kinds(e.problems)).toEqual(['one-class', 'empty-class', 'too-few-to-split']);
    expect(e.message).toContain('Class "b" has no images.');
  });
});

describe('counting a labelled dataset', () => {
  const items = [
    { patientId: 'Patient001', classIndex: 0 },
    { patientId: 'Patient001', classIndex: 0 },
    { patientId: 'Patient007', classIndex: 0 },
    { patientId: 'Patient007', classIndex: 1 },
    { patientId: 'Patient009', classIndex: null },
  ];

  it('counts images and distinct patients per class, skipping unlabelled images', () => {
    expect(countClasses(items, ['No DR', 'Mild', 'Moderate'])).toEqual([
      { name: 'No DR', images: 3, patients: 2 },
      { name: 'Mild', images: 1, patients: 1 },
      { name: 'Moderate', images: 0, patients: 0 },
    ]);
  });

  it('counts distinct patients overall', () => {
    expect(countPatients(items)).toBe(3);
  });

  it('refuses a class index outside the classes', () => {
    expect(() => countClasses([{ patientId: 'p', classIndex: 3 }], ['a', 'b'])).toThrow('classIndex 3 is outside the 2 classes');
  });
});
