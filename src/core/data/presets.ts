/**
 * Label presets: how the labels found in a dataset become the classes the network learns. 'as-is' keeps
 * them; the diabetic-retinopathy presets read each label as an ICDR grade (0 no DR ... 4 proliferative DR)
 * and regroup grades into the clinically used tasks (five grades, referable DR, any DR).
 */

export type LabelPresetId = 'as-is' | 'dr-5-grades' | 'referable-dr' | 'any-dr';

export interface LabelPreset {
  id: LabelPresetId;
  title: string;
  /** One line for the dataset screen. */
  description: string;
  /** Whether classes have an order (then quadratic-weighted kappa is reported). */
  ordinal: boolean;
  /** The classes for a DR preset, in order; null for 'as-is' (the classes are the labels found). */
  classNames: readonly string[] | null;
  /** Class index of an ICDR grade 0-4; absent for 'as-is'. */
  classOfGrade?: (grade: DrGrade) => number;
}

/** ICDR diabetic-retinopathy grade: 0 none, 1 mild, 2 moderate, 3 severe non-proliferative, 4 proliferative. */
export type DrGrade = 0 | 1 | 2 | 3 | 4;

export const DR_GRADE_NAMES = ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'] as const;

export const LABEL_PRESETS: Readonly<Record<LabelPresetId, LabelPreset>> = {
  'as-is': {
    id: 'as-is',
    title: 'Labels as they are',
    description: 'One class per distinct label (folder name or CSV value), in natural order.',
    ordinal: false,
    classNames: null,
  },
  'dr-5-grades': {
    id: 'dr-5-grades',
    title: 'Five DR grades',
    description: 'The ICDR scale: No DR, Mild, Moderate, Severe, Proliferative DR.',
    ordinal: true,
    classNames: DR_GRADE_NAMES,
    classOfGrade: (grade) => grade,
  },
  'referable-dr': {
    id: 'referable-dr',
    title: 'Referable DR',
    // Grade 2 (moderate) and above is the usual referral threshold in screening programmes.
    description: 'Moderate or worse (grade 2-4) versus none or mild (grade 0-1): whether to refer to an ophthalmologist.',
    ordinal: true,
    classNames: ['Non-referable (grade 0-1)', 'Referable (grade 2-4)'],
    classOfGrade: (grade) => (grade >= 2 ? 1 : 0),
  },
  'any-dr': {
    id: 'any-dr',
    title: 'Any DR',
    description: 'Any sign of diabetic retinopathy (grade 1-4) versus none (grade 0).',
    ordinal: true,
    classNames: ['No DR (grade 0)', 'Any DR (grade 1-4)'],
    classOfGrade: (grade) => (grade >= 1 ? 1 : 0),
  },
};

/** Grade words as public DR sets spell their folders (e.g. Kaggle's "No_DR", "Proliferate_DR"), normalised. */
const GRADE_BY_NAME: ReadonlyMap<string, DrGrade> = new Map<string, DrGrade>([
  ['no dr', 0],
  ['mild', 1],
  ['moderate', 2],
  ['severe', 3],
  ['proliferative', 4],
  ['proliferate', 4],
  ['pdr', 4],
]);

/**
 * A grade number, optionally after "grade"/"level"/"dr" and optionally written "2.0", followed by the end
 * or a separator (so "0_No_DR" and "grade 2" read, "10" and "2.5" do not).
 */
const GRADE_NUMBER = /^(?:(?:grade|level|dr)[\s_-]*)?([0-4])(?:\.0+)?(?=$|[\s_-])/i;

/**
 * The ICDR grade a label stands for, or null when it is not a grade. Reads numbers ('0', '3', '2.0'),
 * numbered folder names ('0_No_DR', '4_Proliferative_DR'), 'grade 2' / 'level 3', and bare grade names
 * ('No_DR', 'Mild', 'Moderate DR', 'Proliferate_DR'). When a label has both, the number wins.
 */
export function gradeOf(label: string): DrGrade | null {
  const text = label.trim();
  const numbered = GRADE_NUMBER.exec(text);
  if (numbered) return Number(numbered[1]) as DrGrade;
  const words = text.toLowerCase().replace(/[\s_-]+/g, ' ');
  // "Mild DR", "Severe NPDR": the trailing disease name adds nothing.
  return GRADE_BY_NAME.get(words) ?? GRADE_BY_NAME.get(words.replace(/ (?:dr|npdr)$/, '')) ?? null;
}

/**
 * The preset a freshly loaded dataset should start with: 'dr-5-grades' when every distinct label reads as
 * a DR grade (APTOS diagnosis 0-4, EyePACS level, folders like "0_No_DR") and at least two grades are
 * present, else 'as-is' (one grade alone, or any label that is not a grade, means these are other classes).
 */
export function suggestPreset(labels: readonly string[]): LabelPresetId {
  const grades = new Set<DrGrade>();
  for (const label of new Set(labels)) {
    const grade = gradeOf(label);
    if (grade === null) return 'as-is';
    grades.add(grade);
  }
  return grades.size >= 2 ? 'dr-5-grades' : 'as-is';
}

export interface PresetClasses {
  classNames: string[];
  ordinal: boolean;
  /** The class of each input label, by position; null where a DR preset cannot read the label as a grade. */
  classIndexOf: (number | null)[];
  /** The distinct labels that got no class (for the dataset screen to list), in first-seen order. */
  unreadableLabels: string[];
}

/** A preset that cannot be applied to these labels; the message says why and what to choose instead. */
export class LabelPresetError extends Error {
  override name = 'LabelPresetError';
  constructor(readonly presetId: string, message: string) {
    super(message);
  }
}

/** Orders "2" before "10" and "grade 9" before "grade 10"; ties broken by code points so the order is total. */
const naturalCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
export function compareNatural(a: string, b: string): number {
  return naturalCollator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Turns the labels of a dataset (one per image, in any order) into classes according to a preset.
 * DR presets always return all their classes, even ones without images, so an empty class is reported
 * by validation instead of silently disappearing. Throws LabelPresetError for an unknown preset, or for
 * a DR preset when no label is a grade (the labels are then some other kind of class: use 'as-is').
 */
export function applyPreset(presetId: LabelPresetId, labels: readonly string[]): PresetClasses {
  const preset = (LABEL_PRESETS as Record<string, LabelPreset | undefined>)[presetId];
  if (!preset) {
    throw new LabelPresetError(String(presetId), `Unknown label preset "${presetId}"; expected one of ${Object.keys(LABEL_PRESETS).join(', ')}.`);
  }

  if (!preset.classOfGrade || !preset.classNames) {
    const classNames = [...new Set(labels)].sort(compareNatural);
    const indexOf = new Map(classNames.map((name, i) => [name, i] as const));
    return { classNames, ordinal: preset.ordinal, classIndexOf: labels.map((l) => indexOf.get(l)!), unreadableLabels: [] };
  }

  const classOfGrade = preset.classOfGrade;
  const classIndexOf = labels.map((label) => {
    const grade = gradeOf(label);
    return grade === null ? null : classOfGrade(grade);
  });
  const unreadableLabels = [...new Set(labels.filter((_, i) => classIndexOf[i] === null))];
  if (labels.length > 0 && classIndexOf.every((c) => c === null)) {
    const examples = unreadableLabels.slice(0, 3).map((l) => `"${l}"`).join(', ');
    throw new LabelPresetError(
      presetId,
      `The "${preset.title}" preset needs labels that are DR grades (0-4, e.g. "2" or "2_Moderate"), ` +
        `but none of these labels is one (${examples}${unreadableLabels.length > 3 ? ', …' : ''}). ` +
        'Choose "Labels as they are" instead.',
    );
  }
  return { classNames: [...preset.classNames], ordinal: preset.ordinal, classIndexOf, unreadableLabels };
}
