import { describe, expect, it } from 'vitest';
import { labelDrop, NO_PENDING_LABELS, type DroppedFile, type PendingLabels } from './drop-labels';

const file = (path: string): DroppedFile => ({ path, name: path.slice(path.lastIndexOf('/') + 1) });
const none = NO_PENDING_LABELS as PendingLabels<DroppedFile>;
const APTOS_CSV = 'id_code,diagnosis\na,0\nb,2\n';

describe('labelling a drop', () => {
  it('the reported case: README.md beside labels.csv is skipped with one quiet note, not "no row in the labels CSV"', () => {
    const files = ['fundus/labels.csv', 'fundus/README.md', 'fundus/images/a.png', 'fundus/images/b.png'].map(file);
    const out = labelDrop({ files, csvText: APTOS_CSV, sourceName: 'fundus' }, none);
    expect(out.labelled.map((l) => [l.file.name, l.label])).toEqual([['a.png', '0'], ['b.png', '2']]);
    expect(out.notices).toEqual([{ kind: 'skipped-non-images', count: 1, names: ['README.md'] }]);
    expect(out.notImages).toEqual([]);
  });

  it('skips .DS_Store, Thumbs.db, desktop.ini and other non-images beside class folders in the same single note', () => {
    const files = ['0_No_DR/a.jpg', '0_No_DR/.DS_Store', '2_Moderate/b.jpeg', 'Thumbs.db', 'desktop.ini', 'notes.txt'].map(file);
    const out = labelDrop({ files, csvText: null, sourceName: 'drop' }, none);
    expect(out.labelled.map((l) => l.label)).toEqual(['0_No_DR', '2_Moderate']);
    expect(out.notices).toEqual([{ kind: 'skipped-non-images', count: 4, names: ['.DS_Store', 'Thumbs.db', 'desktop.ini', 'notes.txt'] }]);
    expect(out.pending.waiting).toEqual([]);
  });

  it('refuses a drop of non-images alone by name (the user chose the wrong file), and says nothing else', () => {
    const out = labelDrop({ files: [file('minutes.txt')], csvText: null, sourceName: 'minutes.txt' }, none);
    expect(out.notImages.map((f) => f.name)).toEqual(['minutes.txt']);
    expect(out.notices).toEqual([]);
  });

  it('a drop of system files only says there were no images', () => {
    const out = labelDrop({ files: [file('x/.DS_Store'), file('x/__MACOSX/a.jpg')], csvText: null, sourceName: 'x' }, none);
    expect(out.notices).toEqual([{ kind: 'only-system-files', source: 'x' }]);
    expect(out.notImages).toEqual([]);
  });

  it('an empty drop says no images were found', () => {
    expect(labelDrop({ files: [], csvText: null, sourceName: 'empty' }, none).notices).toEqual([{ kind: 'no-images', source: 'empty' }]);
  });

  it('loose images wait for a CSV as pending state; the CSV dropped later labels them and clears the wait', () => {
    const first = labelDrop({ files: [file('a.png'), file('c.png')], csvText: null, sourceName: 'two' }, none);
    expect(first.labelled).toEqual([]);
    expect(first.pending.waiting.map((f) => f.name)).toEqual(['a.png', 'c.png']);
    const second = labelDrop({ files: [file('labels.csv')], csvText: APTOS_CSV, sourceName: 'labels.csv' }, first.pending);
    expect(second.labelled.map((l) => [l.file.name, l.label])).toEqual([['a.png', '0']]);
    expect(second.pending.waiting).toEqual([]);
    expect(second.pending.csv?.rows).toHaveLength(2);
    expect(second.notices).toEqual([
      { kind: 'csv-rows-without-images', names: ['b'] },
      { kind: 'images-without-csv-rows', names: ['c.png'] },
    ]);
  });

  it('a CSV dropped first is held; images dropped later without folders are labelled by it', () => {
    const first = labelDrop({ files: [file('labels.csv')], csvText: APTOS_CSV, sourceName: 'labels.csv' }, none);
    expect(first.notices).toEqual([{ kind: 'csv-read-waiting-for-images', rows: 2 }]);
    const second = labelDrop({ files: [file('a.png'), file('b.png')], csvText: null, sourceName: 'two' }, first.pending);
    expect(second.labelled.map((l) => l.label)).toEqual(['0', '2']);
    expect(second.notices).toEqual([]);
  });

  it('several CSVs: the last is used and the user is told; an unreadable CSV is reported, images wait', () => {
    const several = labelDrop({ files: [file('old.csv'), file('labels.csv'), file('a.png')], csvText: APTOS_CSV, sourceName: 'd' }, none);
    expect(several.notices[0]).toEqual({ kind: 'several-csv', count: 2, used: 'labels.csv' });
    const broken = labelDrop({ files: [file('labels.csv'), file('a.png')], csvText: 'nothing useful\n', sourceName: 'd' }, none);
    expect(broken.notices[0]).toMatchObject({ kind: 'csv-unreadable', file: 'labels.csv' });
    expect(broken.pending.waiting.map((f) => f.name)).toEqual(['a.png']);
  });

  it('never changes the pending value it was given (a pure decision)', () => {
    const before: PendingLabels<DroppedFile> = { waiting: [file('a.png')], csv: null };
    const frozen = JSON.stringify(before);
    labelDrop({ files: [file('labels.csv')], csvText: APTOS_CSV, sourceName: 'l' }, before);
    labelDrop({ files: [file('z.png')], csvText: null, sourceName: 'z' }, before);
    expect(JSON.stringify(before)).toBe(frozen);
  });
});

describe('a hostile labels CSV', () => {
  it('20,000 junk rows are parsed at once and reported as one notice, not 20,000', () => {
    const junk = Array.from({ length: 20_000 }, (_, i) => `junk_${i}_${'x'.repeat(i % 40)},${i % 7}`).join('\n');
    const files = ['drop/labels.csv', 'drop/a.png'].map(file);
    const started = performance.now();
    const out = labelDrop({ files, csvText: `id_code,diagnosis\n${junk}\na,0\n`, sourceName: 'drop' }, none);
    // Measured ~60 ms here; a second is far from freezing the page's import.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(out.labelled.map((l) => l.label)).toEqual(['0']);
    expect(out.notices).toHaveLength(1);
    expect(out.notices[0]).toMatchObject({ kind: 'csv-rows-without-images' });
    expect((out.notices[0] as { names: string[] }).names).toHaveLength(20_000);
  });

  it('junk rows without a label make the CSV unreadable, with one sentence naming the first bad row', () => {
    const junk = Array.from({ length: 20_000 }, (_, i) => `garbage${i}`).join('\n');
    const out = labelDrop({ files: ['labels.csv', 'a.png'].map(file), csvText: `id_code,diagnosis\n${junk}\n`, sourceName: 'drop' }, none);
    const unreadable = out.notices.filter((n) => n.kind === 'csv-unreadable');
    expect(unreadable).toHaveLength(1);
    expect((unreadable[0] as { reason: string }).reason).toMatch(/^Row 2 of the labels CSV has no diagnosis/);
  });
});
