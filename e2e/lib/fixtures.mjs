// Small datasets built from the demo photographs, for specs that train quickly on the CPU.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED } from './app.mjs';

const DEMO = join(SHARED, 'data', 'fundus-demo');
/** Three patients (both eyes) per class: enough for a patient-aware split with both classes validated. */
export const FEW_DEMO = {
  '0_No_DR': ['Patient001_L', 'Patient001_R', 'Patient002_L', 'Patient002_R', 'Patient003_L', 'Patient003_R'],
  '2_Moderate': ['Patient118_L', 'Patient118_R', 'Patient147_L', 'Patient147_R', 'Patient150_L', 'Patient150_R'],
};

/** The 12 photographs in class folders (`name/0_No_DR/…`); returns the folder. */
export function fewDemoFolders(name) {
  const dir = join(ARTIFACTS, 'fixtures', name);
  rmSync(dir, { recursive: true, force: true });
  for (const [label, names] of Object.entries(FEW_DEMO)) {
    mkdirSync(join(dir, label), { recursive: true });
    for (const n of names) copyFileSync(join(DEMO, label, `${n}.jpg`), join(dir, label, `${n}.jpg`));
  }
  return dir;
}

/**
 * The 12 photographs in one `images/` folder labelled by `labels.csv` (APTOS columns), with the clutter a real
 * folder carries beside them: README.md, .DS_Store, Thumbs.db and desktop.ini. Returns the folder.
 */
export function fewDemoWithCsvAndClutter(name) {
  const dir = join(ARTIFACTS, 'fixtures', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'images'), { recursive: true });
  const rows = ['id_code,diagnosis'];
  for (const [label, names] of Object.entries(FEW_DEMO)) {
    for (const n of names) {
      copyFileSync(join(DEMO, label, `${n}.jpg`), join(dir, 'images', `${n}.jpg`));
      rows.push(`${n},${label[0]}`);
    }
  }
  writeFileSync(join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'README.md'), '# Clinic export\nLabels in labels.csv.\n');
  writeFileSync(join(dir, '.DS_Store'), Buffer.alloc(64));
  writeFileSync(join(dir, 'images', 'Thumbs.db'), Buffer.alloc(64));
  writeFileSync(join(dir, 'desktop.ini'), '[.ShellClassInfo]\n');
  return dir;
}
