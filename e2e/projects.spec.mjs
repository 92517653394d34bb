// Projects: rename, duplicate, create, delete; export a whole project to one file and import it as a new
// project; a hostile project file is refused in plain words and every saved project stays as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { ARTIFACTS, datasetShows as count, datasetSummary, openStudio, savedImagesAre, screenshot, tab, waitForBackend, waitForPageValue } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

const databaseNames = async () => (await indexedDB.databases()).map((d) => d.name).sort();

const row = (page, name) => page.getByTestId('project-row')
  .filter({ has: page.getByTestId('project-name').getByText(name, { exact: true }) });
const names = async (page) => page.getByTestId('project-name').allTextContents();

async function openPanel(page) {
  if (await page.getByTestId('projects-panel').count() === 0) await page.getByTestId('project-menu').click();
  await page.getByTestId('projects-panel').waitFor();
}

/** Waits for the row's "N images · M runs · size" line. */
async function waitForHolds(page, name, images) {
  await row(page, name).getByTestId('project-holds').filter({ hasText: `${images} image` }).waitFor({ timeout: 30_000 });
}

/** Clicks something that reloads the page into another project; waits until that project's name is in the header. */
async function switchesTo(page, click, name) {
  await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), click()]);
  await page.waitForFunction((n) => document.querySelector('[data-testid="project-current"]')?.textContent === n, name, { timeout: 60_000 });
}

test('projects: rename, duplicate, new, delete, export and import a whole project; a hostile file changes nothing', { timeout: 600_000 }, async () => {
  const fixture = fewDemoFolders('projects-few-demo');
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  const started = Date.now();
  const step = (what) => console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${what}`);
  try {
    await waitForBackend(page);
    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(count, 12, { timeout: 120_000 });
    await waitForPageValue(page, savedImagesAre, 12, 60_000);
    const summary = await datasetSummary(page);
    step('12 images in the first project');

    // The first project is listed (it was never registered) and holds the 12 images; rename it.
    await openPanel(page);
    assert.deepEqual(await names(page), ['My project']);
    await waitForHolds(page, 'My project', 12);
    await page.getByTestId('projects-storage').filter({ hasText: /Projects use \d/ }).waitFor();
    await row(page, 'My project').getByTestId('project-rename').click();
    await page.getByTestId('project-rename-input').fill('Clinic A');
    await page.getByTestId('project-rename-save').click();
    await page.getByTestId('project-current').filter({ hasText: 'Clinic A' }).waitFor();

    // Duplicate: a second project with the same 12 images.
    await row(page, 'Clinic A').getByTestId('project-duplicate').click();
    await waitForHolds(page, 'Clinic A (copy)', 12);
    assert.deepEqual(await names(page), ['Clinic A', 'Clinic A (copy)']);
    step('renamed and duplicated');

    // Storage full while duplicating: said plainly; no half copy is left and the source keeps its images.
    const databasesBeforeQuota = await page.evaluate(databaseNames);
    await page.evaluate(() => {
      window.__put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function put() {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    await row(page, 'Clinic A').getByTestId('project-duplicate').click();
    assert.match(await page.getByTestId('projects-error').textContent({ timeout: 30_000 }), /Duplicating "Clinic A" failed: this browser has no more storage space/);
    await page.evaluate(() => { IDBObjectStore.prototype.put = window.__put; });
    await page.getByTestId('projects-error').getByRole('button', { name: 'Dismiss' }).click();
    assert.deepEqual(await names(page), ['Clinic A', 'Clinic A (copy)']);
    assert.deepEqual(await page.evaluate(databaseNames), databasesBeforeQuota);
    assert.equal(await page.evaluate(savedImagesAre, 12), true);
    step('a full disk while duplicating changes nothing');

    // Export the project to one file.
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }), row(page, 'Clinic A').getByTestId('project-export').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'Clinic A.fovea-project.zip');
    const exported = join(ARTIFACTS, 'projects-clinic-a.fovea-project.zip');
    await download.saveAs(exported);
    const files = unzipSync(new Uint8Array(readFileSync(exported)));
    const manifest = JSON.parse(strFromU8(files['fovea-project.json']));
    assert.equal(manifest.format, 'fovea-project');
    assert.equal(manifest.name, 'Clinic A');
    assert.equal(manifest.images.length, 12);
    assert.deepEqual([...new Set(manifest.images.map((i) => i.sourceLabel))].sort(), ['0_No_DR', '2_Moderate']);
    step('exported');

    // Hostile files: a web page posing as the first photograph, and a description with a prototype-pollution
    // key. Each is refused with a plain message; the list, what each project holds and the databases stay.
    const databasesBefore = await page.evaluate(databaseNames);
    const hostile = [
      { name: 'html-image', files: { ...files, [manifest.images[0].file]: strToU8('<html><script>alert(1)</script></html>') },
        message: /This project file cannot be imported: .*is not a JPEG or PNG image/ },
      { name: 'proto', files: { ...files, 'fovea-project.json': strToU8(strFromU8(files['fovea-project.json']).replace('"format"', '"__proto__":{"x":1},"format"')) },
        message: /This project file cannot be imported: its description uses the key "__proto__"/ },
    ];
    for (const h of hostile) {
      const path = join(ARTIFACTS, `projects-hostile-${h.name}.fovea-project.zip`);
      writeFileSync(path, zipSync(h.files));
      await page.getByTestId('project-import-input').setInputFiles(path);
      const error = page.getByTestId('projects-error');
      assert.match(await error.textContent({ timeout: 30_000 }), h.message);
      await screenshot(page, `projects-01-hostile-${h.name}`);
      await error.getByRole('button', { name: 'Dismiss' }).click();
    }
    assert.deepEqual(await names(page), ['Clinic A', 'Clinic A (copy)']);
    await waitForHolds(page, 'Clinic A', 12);
    await waitForHolds(page, 'Clinic A (copy)', 12);
    assert.deepEqual(await page.evaluate(databaseNames), databasesBefore);
    assert.equal(await page.evaluate(savedImagesAre, 12), true);
    await page.getByTestId('project-current').filter({ hasText: 'Clinic A' }).waitFor();
    step('hostile files refused');

    // Open the copy: the same images and labels.
    await switchesTo(page, () => row(page, 'Clinic A (copy)').getByTestId('project-open').click(), 'Clinic A (copy)');
    await tab(page, 'dataset');
    await page.waitForFunction(count, 12, { timeout: 120_000 });
    assert.equal(await datasetSummary(page), summary);
    step('opened the copy');

    // A new, empty project.
    await openPanel(page);
    await switchesTo(page, () => page.getByTestId('project-new').click(), 'My project');
    await tab(page, 'dataset');
    assert.equal(await page.evaluate(count, 12), false);
    await openPanel(page);
    await waitForHolds(page, 'My project', 0);
    assert.deepEqual(await names(page), ['Clinic A', 'Clinic A (copy)', 'My project']);
    step('new empty project');

    // Delete the copy (not the open project): it leaves the list and its database goes.
    const copyDatabase = `fovea-project-${await row(page, 'Clinic A (copy)').getAttribute('data-project-id')}`;
    await row(page, 'Clinic A (copy)').getByTestId('project-delete').click();
    await row(page, 'Clinic A (copy)').getByTestId('project-delete-confirm').click();
    await row(page, 'Clinic A (copy)').waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(await names(page), ['Clinic A', 'My project']);
    await waitForPageValue(page, (name) => indexedDB.databases().then((ds) => !ds.some((d) => d.name === name)), copyDatabase, 30_000);
    step('deleted the copy');

    // Import the exported file: a new project with the images and their labels, opened at once.
    await switchesTo(page, () => page.getByTestId('project-import-input').setInputFiles(exported), 'Clinic A (2)');
    await tab(page, 'dataset');
    await page.waitForFunction(count, 12, { timeout: 120_000 });
    assert.equal(await datasetSummary(page), summary);
    await screenshot(page, 'projects-02-imported');
    step('imported');

    // Delete the open (imported) project: another opens; the original is untouched.
    await openPanel(page);
    assert.deepEqual(await names(page), ['Clinic A', 'My project', 'Clinic A (2)']);
    const importedDatabase = `fovea-project-${await row(page, 'Clinic A (2)').getAttribute('data-project-id')}`;
    await row(page, 'Clinic A (2)').getByTestId('project-delete').click();
    await switchesTo(page, () => row(page, 'Clinic A (2)').getByTestId('project-delete-confirm').click(), 'Clinic A');
    await openPanel(page);
    assert.deepEqual(await names(page), ['Clinic A', 'My project']);
    await waitForHolds(page, 'Clinic A', 12);
    // It was in use by the page that deleted it: the next page load deletes its database.
    await waitForPageValue(page, (name) => indexedDB.databases().then((ds) => !ds.some((d) => d.name === name)), importedDatabase, 30_000);
    await screenshot(page, 'projects-03-list');
    step('deleted the open project');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
