import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  baseNameOf, describeCsvMatch, LabelsCsvError, labelsFromFolders, matchCsvToFiles, parseLabelsCsv, patientIdOf,
  stemOf,
} from './labels';

const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const DEMO = `${SHARED_DATA}fundus-demo`;
const DEV_CSV = `${SHARED_DATA}fundus-dev/labels.csv`;

function csvError(text: string): LabelsCsvError {
  try {
    parseLabelsCsv(text);
  } catch (e) {
    if (e instanceof LabelsCsvError) return e;
    throw e;
  }
  throw new Error('expected a LabelsCsvError');
}

describe('file names', () => {
  it('takes the last path segment with either separator', () => {
    expect(baseNameOf('root/0_No_DR/a.jpg')).toBe('a.jpg');
    expect(baseNameOf('root\\0_No_DR\\a.jpg')).toBe('a.jpg');
    expect(baseNameOf('a.jpg')).toBe('a.jpg');
  });

  it('drops a short extension but keeps dots inside ids', () => {
    expect(stemOf('002c21358ce6.png')).toBe('002c21358ce6');
    expect(stemOf('dir/10_left.jpeg')).toBe('10_left');
    expect(stemOf('scan.2019.01.tiff')).toBe('scan.2019.01');
    expect(stemOf('noextension')).toBe('noextension');
    expect(stemOf('.hidden')).toBe('.hidden');
    expect(stemOf('id.with-a-long-tail')).toBe('id.with-a-long-tail');
  });
});

describe('patient id from a file name', () => {
  it('groups both eyes of the demo set (Patient012_L / _R)', () => {
    expect(patientIdOf('Patient012_L.jpg')).toBe('Patient012');
    expect(patientIdOf('Patient012_R.jpg')).toBe('Patient012');
  });

  it('groups both eyes of EyePACS (10_left / 10_right)', () => {
    expect(patientIdOf('10_left.jpeg')).toBe('10');
    expect(patientIdOf('10_right.jpeg')).toBe('10');
  });

  it('reads lower-case, dashed, spaced and dotted eye tokens', () => {
    expect(patientIdOf('p3_l.png')).toBe('p3');
    expect(patientIdOf('p3_r.png')).toBe('p3');
    expect(patientIdOf('p3-left.png')).toBe('p3');
    expect(patientIdOf('p3 Right.png')).toBe('p3');
    expect(patientIdOf('p3.L.png')).toBe('p3');
  });

  it('reads the ophthalmic abbreviations OD (right), OS (left) and OU (both)', () => {
    expect(patientIdOf('12345_OD.jpg')).toBe('12345');
    expect(patientIdOf('12345_OS.jpg')).toBe('12345');
    expect(patientIdOf('12345-ou.jpg')).toBe('12345');
  });

  it('ignores what follows the eye token (several photos per eye)', () => {
    expect(patientIdOf('P7_OD_2.png')).toBe('P7');
    expect(patientIdOf('P7_L_visit1.png')).toBe('P7');
  });

  it('keeps separators inside the patient id', () => {
    expect(patientIdOf('site_A_017_R.jpg')).toBe('site_A_017');
  });

  it('treats an APTOS id as its own patient (one image per id)', () => {
    expect(patientIdOf('002c21358ce6.png')).toBe('002c21358ce6');
    expect(patientIdOf('0a4e1a29ffff.jpg')).toBe('0a4e1a29ffff');
  });

  it('does not cut names that merely end in an eye letter', () => {
    expect(patientIdOf('scanL.jpg')).toBe('scanL');
    expect(patientIdOf('control.jpg')).toBe('control');
    expect(patientIdOf('Leftover_3.jpg')).toBe('Leftover_3');
  });

  it('ignores the directory', () => {
    expect(patientIdOf('root/1_Mild/Patient007_L.jpg')).toBe('Patient007');
  });

  it.skipIf(!existsSync(DEMO))('gives the 94 demo images 47 patients with two eyes each (per ATTRIBUTION.md)', () => {
    const names = readdirSync(DEMO, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(`${DEMO}/${d.name}`));
    expect(names).toHaveLength(94);
    const perPatient = new Map<string, number>();
    for (const name of names) perPatient.set(patientIdOf(name), (perPatient.get(patientIdOf(name)) ?? 0) + 1);
    expect(perPatient.size).toBe(47);
    expect([...perPatient.values()].every((n) => n === 2)).toBe(true);
  });
});

describe('labels from folders', () => {
  it('labels each file by its parent folder when class folders are dropped', () => {
    const { files, errors } = labelsFromFolders(['0_No_DR/a.jpg', '2_Moderate/b.jpg']);
    expect(files).toEqual([
      { path: '0_No_DR/a.jpg', name: 'a.jpg', label: '0_No_DR' },
      { path: '2_Moderate/b.jpg', name: 'b.jpg', label: '2_Moderate' },
    ]);
    expect(errors).toEqual([]);
  });

  it('looks through a dropped wrapper folder', () => {
    const { files, errors } = labelsFromFolders(['root/0_No_DR/a.jpg', 'root/1_Mild/b.jpg']);
    expect(files.map((f) => f.label)).toEqual(['0_No_DR', '1_Mild']);
    expect(errors).toEqual([]);
  });

  it('reports files at the top of a wrapper folder, outside any class folder', () => {
    const { files, errors } = labelsFromFolders(['root/0_No_DR/a.jpg', 'root/stray.jpg']);
    expect(files.map((f) => f.path)).toEqual(['root/0_No_DR/a.jpg']);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('root/stray.jpg');
    expect(errors[0].message).toMatch(/"stray\.jpg" is not inside a class folder/);
  });

  it('reports bare file names dropped beside class folders', () => {
    const { files, errors } = labelsFromFolders(['0_No_DR/a.jpg', 'loose.jpg']);
    expect(files).toHaveLength(1);
    expect(errors.map((e) => e.path)).toEqual(['loose.jpg']);
  });

  it('reports every file when only loose files are dropped', () => {
    const { files, errors } = labelsFromFolders(['a.jpg', 'b.jpg']);
    expect(files).toEqual([]);
    expect(errors).toHaveLength(2);
  });

  it('treats a single dropped class folder as that class', () => {
    const { files, errors } = labelsFromFolders(['3_Severe/a.jpg', '3_Severe/b.jpg']);
    expect(files.map((f) => f.label)).toEqual(['3_Severe', '3_Severe']);
    expect(errors).toEqual([]);
  });

  it('uses the immediate parent for deeper trees', () => {
    const { files } = labelsFromFolders(['data/train/0_No_DR/a.jpg', 'data/train/4_Proliferative_DR/b.jpg']);
    expect(files.map((f) => f.label)).toEqual(['0_No_DR', '4_Proliferative_DR']);
  });

  it('accepts Windows separators', () => {
    const { files } = labelsFromFolders(['root\\1_Mild\\a.jpg', 'root\\2_Moderate\\b.jpg']);
    expect(files.map((f) => [f.name, f.label])).toEqual([['a.jpg', '1_Mild'], ['b.jpg', '2_Moderate']]);
  });

  it('skips operating-system clutter silently', () => {
    const { files, errors } = labelsFromFolders([
      'root/.DS_Store', 'root/0_No_DR/.DS_Store', 'root/0_No_DR/a.jpg', 'root/0_No_DR/._a.jpg',
      'root/1_Mild/Thumbs.db', 'root/1_Mild/desktop.ini', '__MACOSX/root/1_Mild/._b.jpg', 'root/1_Mild/b.jpg',
    ]);
    expect(files.map((f) => f.path)).toEqual(['root/0_No_DR/a.jpg', 'root/1_Mild/b.jpg']);
    expect(errors).toEqual([]);
  });

  it('returns nothing for an empty drop', () => {
    expect(labelsFromFolders([])).toEqual({ files: [], errors: [] });
  });
});

describe('labels CSV', () => {
  it('reads APTOS columns (id_code, diagnosis)', () => {
    const csv = parseLabelsCsv('id_code,diagnosis\n002c21358ce6,0\n005b95c28852,2\n');
    expect(csv.format).toBe('aptos');
    expect(csv.rows).toEqual([{ key: '002c21358ce6', label: '0' }, { key: '005b95c28852', label: '2' }]);
  });

  it('reads EyePACS columns (image, level)', () => {
    const csv = parseLabelsCsv('image,level\n10_left,0\n10_right,1\n');
    expect(csv.format).toBe('eyepacs');
    expect(csv.rows).toEqual([{ key: '10_left', label: '0' }, { key: '10_right', label: '1' }]);
  });

  it('reads generic columns (filename, label) in any case and order, ignoring extra columns', () => {
    const csv = parseLabelsCsv('Notes,Label,FileName\nblurry,cataract,a.jpg\n,normal,b.jpg\n');
    expect(csv.format).toBe('generic');
    expect(csv.rows).toEqual([{ key: 'a.jpg', label: 'cataract' }, { key: 'b.jpg', label: 'normal' }]);
  });

  it('copes with a byte-order mark, CRLF line ends, quotes and blank lines', () => {
    const text = '\uFEFFfilename,label\r\n"a, copy.jpg","Mild ""early"""\r\n\r\n  b.jpg , 3 \r\n';
    expect(parseLabelsCsv(text).rows).toEqual([
      { key: 'a, copy.jpg', label: 'Mild "early"' },
      { key: 'b.jpg', label: '3' },
    ]);
  });

  it('copes with semicolons, as Excel writes CSV in some locales', () => {
    expect(parseLabelsCsv('id_code;diagnosis\nabc;1\ndef;4\n').rows).toEqual([
      { key: 'abc', label: '1' }, { key: 'def', label: '4' },
    ]);
  });

  it.skipIf(!existsSync(DEV_CSV))('reads the 2,889-row APTOS file of the development set', () => {
    const csv = parseLabelsCsv(readFileSync(DEV_CSV, 'utf8'));
    expect(csv.format).toBe('aptos');
    // 2,889 images per fundus-dev/README.md; the grade counts come from `cut -d, -f2 labels.csv | sort | uniq -c`.
    expect(csv.rows).toHaveLength(2889);
    const perGrade = new Map<string, number>();
    for (const r of csv.rows) perGrade.set(r.label, (perGrade.get(r.label) ?? 0) + 1);
    expect(Object.fromEntries(perGrade)).toEqual({ 0: 1676, 1: 218, 2: 802, 3: 48, 4: 145 });
  });

  it('rejects an empty file', () => {
    expect(csvError('').problem).toBe('empty');
    expect(csvError('\uFEFF \n\n').problem).toBe('empty');
  });

  it('rejects a header without rows', () => {
    const e = csvError('id_code,diagnosis\n');
    expect(e.problem).toBe('empty');
    expect(e.message).toMatch(/no rows/);
  });

  it('names the columns it found when none are known', () => {
    const e = csvError('name,grade\na.jpg,2\n');
    expect(e).toBeInstanceOf(LabelsCsvError);
    expect(e.name).toBe('LabelsCsvError');
    expect(e.problem).toBe('unknown-columns');
    expect(e.message).toContain('"name", "grade"');
    expect(e.message).toContain('id_code,diagnosis or image,level or filename,label');
  });

  it('rejects a pair split across formats (id_code with level)', () => {
    expect(csvError('id_code,level\nabc,1\n').problem).toBe('unknown-columns');
  });

  it('rejects a row without a label, naming the row', () => {
    const e = csvError('image,level\n10_left,0\n10_right,\n');
    expect(e.problem).toBe('missing-value');
    expect(e.message).toMatch(/Row 3 .* no level/);
  });

  it('rejects a key listed twice', () => {
    const e = csvError('id_code,diagnosis\nabc,0\ndef,1\nabc,2\n');
    expect(e.problem).toBe('duplicate-key');
    expect(e.message).toContain('"abc" appears twice');
    expect(e.message).toContain('row 4');
  });

  it('rejects two keys that name the same image once extensions are dropped', () => {
    const e = csvError('filename,label\nabc.png,0\nABC.jpg,1\n');
    expect(e.problem).toBe('duplicate-key');
    expect(e.message).toContain('"abc.png" and "ABC.jpg"');
  });

  it('rejects an unclosed quote', () => {
    expect(csvError('filename,label\n"a.jpg,0\nb.jpg,1\n').problem).toBe('malformed');
  });
});

describe('matching CSV rows to dropped files', () => {
  const rows = [
    { key: '002c21358ce6', label: '0' },
    { key: '10_left', label: '2' },
    { key: 'c.png', label: '4' },
    { key: 'gone', label: '1' },
  ];

  it('matches ids without extension to files with one, and paths by their file name', () => {
    const m = matchCsvToFiles(rows, ['002c21358ce6.png', 'train/10_left.jpeg', 'c.png']);
    expect(m.matched).toEqual([
      { fileName: '002c21358ce6.png', label: '0' },
      { fileName: 'train/10_left.jpeg', label: '2' },
      { fileName: 'c.png', label: '4' },
    ]);
  });

  it('matches keys whose extension differs from the file (the CSV named a PNG, the images are JPEGs)', () => {
    expect(matchCsvToFiles(rows, ['c.jpg']).matched).toEqual([{ fileName: 'c.jpg', label: '4' }]);
  });

  it('matches regardless of letter case', () => {
    expect(matchCsvToFiles(rows, ['002C21358CE6.PNG']).matched).toEqual([{ fileName: '002C21358CE6.PNG', label: '0' }]);
  });

  it('reports rows without a file and files without a row, without failing', () => {
    const m = matchCsvToFiles(rows, ['002c21358ce6.png', 'extra.jpg']);
    expect(m.missingFiles).toEqual(['10_left', 'c.png', 'gone']);
    expect(m.unlabeledFiles).toEqual(['extra.jpg']);
  });

  it('matches everything when the CSV and the files agree', () => {
    const m = matchCsvToFiles(rows, ['002c21358ce6.jpg', '10_left.jpeg', 'c.png', 'gone.tif']);
    expect(m.matched).toHaveLength(4);
    expect(m.missingFiles).toEqual([]);
    expect(m.unlabeledFiles).toEqual([]);
  });

  it.skipIf(!existsSync(DEV_CSV))('matches the development CSV to its own image folders', () => {
    const dir = `${SHARED_DATA}fundus-dev`;
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(`${dir}/${d.name}`).map((f) => `fundus-dev/${d.name}/${f}`));
    const csv = parseLabelsCsv(readFileSync(DEV_CSV, 'utf8'));
    const m = matchCsvToFiles(csv.rows, files);
    expect(m.missingFiles).toEqual([]);
    expect(m.unlabeledFiles).toEqual([]);
    // The CSV agrees with the grade folders: the folder name starts with the diagnosis.
    expect(m.matched.every((x) => x.fileName.split('/')[1].startsWith(`${x.label}_`))).toBe(true);
  });
});

describe('describing a CSV mismatch for the dataset screen', () => {
  it('says nothing when everything matched', () => {
    expect(describeCsvMatch({ matched: [], missingFiles: [], unlabeledFiles: [] })).toEqual([]);
  });

  it('names the missing images and what to do, in the singular', () => {
    const [line] = describeCsvMatch({ matched: [], missingFiles: ['abc'], unlabeledFiles: [] });
    expect(line).toBe('1 row of the labels CSV names an image that was not dropped: abc. It is left out; drop the missing images to include them.');
  });

  it('lists a few names and counts the rest', () => {
    const lines = describeCsvMatch(
      { matched: [], missingFiles: ['a', 'b', 'c', 'd'], unlabeledFiles: ['x.jpg', 'y.jpg'] },
      2,
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('4 rows of the labels CSV name images that were not dropped: a, b and 2 more.');
    expect(lines[1]).toContain('2 dropped images have no row in the labels CSV: x.jpg, y.jpg.');
  });
});
