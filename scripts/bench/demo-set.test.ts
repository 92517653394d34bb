import { describe, expect, it } from 'vitest';
import { classOf, demoTrainingData, type DemoImageRef, mixedBatch, patientSubset } from './demo-set';

// Two eyes per patient, like the demo set: P1-P3 grade 0 (class 0), P4-P5 grade 2 and P6 grade 4 (class 1).
const images: DemoImageRef[] = [
  ...['P1', 'P2', 'P3'].flatMap((p) => [`0_No_DR/${p}_L.jpg`, `0_No_DR/${p}_R.jpg`].map((id) => ({ id, grade: 0 }))),
  ...['P4', 'P5'].flatMap((p) => [`2_Moderate/${p}_L.jpg`, `2_Moderate/${p}_R.jpg`].map((id) => ({ id, grade: 2 }))),
  { id: '4_Proliferative_DR/P6_L.jpg', grade: 4 },
  { id: '4_Proliferative_DR/P6_R.jpg', grade: 4 },
];

describe('bench demo set', () => {
  it('labels referable DR: grade 2 and above is class 1', () => {
    expect(images.map(classOf)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('fills a batch alternating the classes, repeating images when the batch is larger than the set', () => {
    expect(mixedBatch(images, 4).map(classOf)).toEqual([0, 1, 0, 1]);
    expect(mixedBatch(images, 20)).toHaveLength(20);
  });

  it('takes subsets of whole patients from both classes', () => {
    const sub = patientSubset(images, 5);
    expect(sub.map((im) => im.id.split('/')[1].slice(0, 2))).toEqual(['P1', 'P1', 'P4', 'P4', 'P2', 'P2']);
    expect(patientSubset(images, 0)).toBe(images);
  });

  it('splits by patient: both eyes on the same side', () => {
    const data = demoTrainingData(images, () => ({ width: 1, height: 1, data: new Uint8Array(3) }), 42);
    const sideOf = new Map<string, string>([
      ...data.train.map((t): [string, string] => [t.id, 'train']),
      ...data.val.map((t): [string, string] => [t.id, 'val']),
    ]);
    expect(sideOf.size).toBe(images.length);
    for (const p of ['P1', 'P2', 'P3', 'P4', 'P5']) {
      const [l, r] = images.filter((im) => im.id.includes(`${p}_`)).map((im) => sideOf.get(im.id));
      expect(l).toBe(r);
    }
  });
});
