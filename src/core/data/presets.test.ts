import { describe, expect, it } from 'vitest';
import {
  applyPreset, compareNatural, gradeOf, LABEL_PRESETS, LabelPresetError, suggestPreset, type LabelPresetId,
} from './presets';

describe('reading a DR grade from a label', () => {
  it('reads bare numbers 0-4 (APTOS diagnosis, EyePACS level)', () => {
    expect(['0', '1', '2', '3', '4'].map(gradeOf)).toEqual([0, 1, 2, 3, 4]);
    expect(gradeOf(' 3 ')).toBe(3);
    expect(gradeOf('2.0')).toBe(2);
  });

  it('reads numbered folder names', () => {
    expect(gradeOf('0_No_DR')).toBe(0);
    expect(gradeOf('1_Mild')).toBe(1);
    expect(gradeOf('4_Proliferative_DR')).toBe(4);
    expect(gradeOf('2 - Moderate')).toBe(2);
  });

  it('reads "grade 2", "Grade_3", "level 1", "DR4"', () => {
    expect(gradeOf('grade 2')).toBe(2);
    expect(gradeOf('Grade_3')).toBe(3);
    expect(gradeOf('level 1')).toBe(1);
    expect(gradeOf('DR4')).toBe(4);
  });

  it('reads grade names as public sets spell their folders', () => {
    expect(gradeOf('No_DR')).toBe(0);
    expect(gradeOf('Mild')).toBe(1);
    expect(gradeOf('Moderate DR')).toBe(2);
    expect(gradeOf('severe-npdr')).toBe(3);
    expect(gradeOf('Proliferate_DR')).toBe(4);
    expect(gradeOf('PDR')).toBe(4);
  });

  it('lets the number win when a label has both', () => {
    expect(gradeOf('1_Severe')).toBe(1);
  });

  it('returns null for anything else', () => {
    for (const label of ['5', '10', '-1', '2.5', 'cataract', 'normal', '', 'No', 'constructor', 'grade', 'A2']) {
      expect(gradeOf(label), label).toBeNull();
    }
  });
});

describe('natural order of labels', () => {
  it('puts 2 before 10 and ignores case', () => {
    expect(['10', '2', 'b', 'A', '1'].sort(compareNatural)).toEqual(['1', '2', '10', 'A', 'b']);
    expect(['grade 10', 'grade 9'].sort(compareNatural)).toEqual(['grade 9', 'grade 10']);
  });

  it('is a total order: labels differing only in case keep a fixed order', () => {
    expect(['b', 'B'].sort(compareNatural)).toEqual(['B', 'b']);
    expect(['B', 'b'].sort(compareNatural)).toEqual(['B', 'b']);
  });
});

describe('label presets', () => {
  it('lists the four presets under their ids', () => {
    expect(Object.keys(LABEL_PRESETS)).toEqual(['as-is', 'dr-5-grades', 'referable-dr', 'any-dr']);
    for (const [id, preset] of Object.entries(LABEL_PRESETS)) expect(preset.id).toBe(id);
  });

  it('as-is: one class per distinct label, in natural order, not ordinal', () => {
    const r = applyPreset('as-is', ['normal', 'glaucoma', 'cataract', 'normal']);
    expect(r.classNames).toEqual(['cataract', 'glaucoma', 'normal']);
    expect(r.ordinal).toBe(false);
    expect(r.classIndexOf).toEqual([2, 1, 0, 2]);
    expect(r.unreadableLabels).toEqual([]);
  });

  it('as-is: sorts the demo grade folders in grade order', () => {
    const r = applyPreset('as-is', ['4_Proliferative_DR', '0_No_DR', '2_Moderate', '10_other']);
    expect(r.classNames).toEqual(['0_No_DR', '2_Moderate', '4_Proliferative_DR', '10_other']);
  });

  it('dr-5-grades: the five ICDR grades, ordinal', () => {
    const r = applyPreset('dr-5-grades', ['0_No_DR', '3', 'grade 4', 'Mild']);
    expect(r.classNames).toEqual(['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR']);
    expect(r.ordinal).toBe(true);
    expect(r.classIndexOf).toEqual([0, 3, 4, 1]);
  });

  it('dr-5-grades keeps classes without images (validation then reports them)', () => {
    expect(applyPreset('dr-5-grades', ['0', '1']).classNames).toHaveLength(5);
  });

  it('referable-dr: grade 2 and above against below 2', () => {
    const r = applyPreset('referable-dr', ['0', '1', '2', '3', '4']);
    expect(r.classNames).toEqual(['Non-referable (grade 0-1)', 'Referable (grade 2-4)']);
    expect(r.ordinal).toBe(true);
    expect(r.classIndexOf).toEqual([0, 0, 1, 1, 1]);
  });

  it('any-dr: grade 1 and above against grade 0', () => {
    const r = applyPreset('any-dr', ['0', '1', '2', '3', '4']);
    expect(r.classNames).toHaveLength(2);
    expect(r.ordinal).toBe(true);
    expect(r.classIndexOf).toEqual([0, 1, 1, 1, 1]);
  });

  it('gives null to labels a DR preset cannot read, and lists them once', () => {
    const r = applyPreset('referable-dr', ['0', 'ungradable', '3', 'ungradable', 'blurry']);
    expect(r.classIndexOf).toEqual([0, null, 1, null, null]);
    expect(r.unreadableLabels).toEqual(['ungradable', 'blurry']);
  });

  it('refuses a DR preset on labels none of which is a grade, suggesting as-is', () => {
    let error: unknown;
    try {
      applyPreset('dr-5-grades', ['cataract', 'glaucoma', 'normal', 'myopia']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LabelPresetError);
    const e = error as LabelPresetError;
    expect(e.name).toBe('LabelPresetError');
    expect(e.presetId).toBe('dr-5-grades');
    expect(e.message).toContain('"cataract", "glaucoma", "normal", …');
    expect(e.message).toContain('Labels as they are');
  });

  it('returns empty results for no labels', () => {
    for (const id of Object.keys(LABEL_PRESETS) as LabelPresetId[]) {
      expect(applyPreset(id, []).classIndexOf).toEqual([]);
    }
  });

  it('refuses an unknown preset id, naming it', () => {
    expect(() => applyPreset('glaucoma' as LabelPresetId, ['0'])).toThrow(/Unknown label preset "glaucoma"/);
  });
});

describe('suggesting a preset for loaded labels', () => {
  it('suggests the five DR grades for APTOS diagnoses and EyePACS levels', () => {
    expect(suggestPreset(['0', '2', '4', '1', '3'])).toBe('dr-5-grades');
    // Two grades are enough; repeats do not matter.
    expect(suggestPreset(['0', '0', '2', '0'])).toBe('dr-5-grades');
  });

  it('suggests the five DR grades for graded folder names', () => {
    expect(suggestPreset(['0_No_DR', '1_Mild', '2_Moderate', '3_Severe', '4_Proliferative_DR'])).toBe('dr-5-grades');
    expect(suggestPreset(['No_DR', 'Mild', 'Moderate', 'Severe', 'Proliferate_DR'])).toBe('dr-5-grades');
  });

  it('keeps labels as they are when any label is not a grade', () => {
    expect(suggestPreset(['cat', 'dog'])).toBe('as-is');
    // One unreadable label among grades: the labels are some other scheme.
    expect(suggestPreset(['0', '1', '2', 'ungradable'])).toBe('as-is');
    expect(suggestPreset(['normal', 'glaucoma', '2'])).toBe('as-is');
  });

  it('keeps labels as they are with fewer than two grades', () => {
    // "0" and "0_No_DR" are the same grade: one grade is no grading task.
    expect(suggestPreset(['0', '0_No_DR', '0'])).toBe('as-is');
    expect(suggestPreset([])).toBe('as-is');
  });
});
