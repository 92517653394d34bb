/** The dataset store's typed notices in words: what happened, and what to do about it. */
import type { DatasetNotice, NoticeTone } from '../../state/dataset';
import { bytes, plural } from '../shared/format';

function list(names: readonly string[], max = 5): string {
  return names.slice(0, max).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
}

export function noticeTone(n: DatasetNotice): NoticeTone {
  switch (n.kind) {
    case 'skipped-non-images':
    case 'duplicates-skipped':
    case 'csv-read-waiting-for-images':
    case 'restored':
    case 'adding-stopped':
      return 'info';
    case 'import-interrupted':
      return 'warning';
    case 'storage-failed':
      return 'warning';
    case 'storage-full':
      return 'error';
    case 'loading-stopped':
    case 'sample-download-failed':
      return 'error';
    case 'several-csv':
    case 'csv-unreadable':
    case 'csv-rows-without-images':
    case 'images-without-csv-rows':
    case 'no-images':
    case 'only-system-files':
      return 'warning';
  }
}

export function noticeText(n: DatasetNotice): string {
  switch (n.kind) {
    case 'skipped-non-images':
      return `${plural(n.count, 'file that is not an image was', 'files that are not images were')} skipped: ${list(n.names)}.`;
    case 'duplicates-skipped':
      return `${plural(n.count, 'image was', 'images were')} already in the dataset and ${n.count === 1 ? 'was' : 'were'} skipped.`;
    case 'csv-read-waiting-for-images':
      return `Labels CSV read (${plural(n.rows, 'row')}). Now drop the images it names.`;
    case 'loading-stopped':
      return `Loading stopped: ${n.message} ${n.hint}`;
    case 'sample-download-failed':
      return `The sample data could not be downloaded (${n.reason}). Check your connection and try again.`;
    case 'several-csv':
      return `${plural(n.count, 'CSV file')} were dropped; only "${n.used}" was used for labels.`;
    case 'csv-unreadable':
      return `${n.file}: ${n.reason}`;
    case 'csv-rows-without-images': {
      const m = n.names.length;
      return `${m} ${m === 1 ? 'row' : 'rows'} of the labels CSV ${m === 1 ? 'names an image' : 'name images'} that ` +
        `${m === 1 ? 'was' : 'were'} not dropped: ${list(n.names)}. ` +
        `${m === 1 ? 'It is' : 'They are'} left out; drop the missing images to include them.`;
    }
    case 'images-without-csv-rows': {
      const u = n.names.length;
      return `${u} dropped ${u === 1 ? 'image has' : 'images have'} no row in the labels CSV: ${list(n.names)}. ` +
        `${u === 1 ? 'It is' : 'They are'} left out; add ${u === 1 ? 'a row' : 'rows'} to the CSV to include ${u === 1 ? 'it' : 'them'}.`;
    }
    case 'adding-stopped':
      return `Adding stopped: ${plural(n.added, 'image was', 'images were')} added and ${n.notAdded.toLocaleString()} ` +
        `${n.notAdded === 1 ? 'was' : 'were'} not. Add the folder again to add the rest (images already in the dataset are skipped).`;
    case 'restored':
      return `Your dataset was restored from this browser's storage (${plural(n.images, 'image')}).`;
    case 'storage-failed':
      return `The dataset could not be saved in this browser (${n.reason}). Everything on screen is kept, ` +
        'but a reload would lose what was not saved: free some disk space, or leave private browsing.';
    case 'import-interrupted':
      return `The page was closed or reloaded while adding "${n.source}": ${n.added.toLocaleString()} of ${n.total.toLocaleString()} ` +
        'images were added and are kept. Add the same folder again to add the rest: images already in the dataset are skipped.';
    case 'storage-full':
      return `The browser's storage for this site is full: adding stopped. ${plural(n.saved, 'image of this load is', 'images of this load are')} ` +
        `saved; images listed but not saved stay usable until the page is reloaded; ${n.notAdded.toLocaleString()} ` +
        `${n.notAdded === 1 ? 'was' : 'were'} not added. About ${bytes(n.bytesNeeded)} more would hold the rest: free disk space ` +
        '(or delete another project), or choose a smaller stored size for a new project, then add the folder again.';
    case 'no-images':
      return `No images found in "${n.source}".`;
    case 'only-system-files':
      return `No images found in "${n.source}" (only system files such as .DS_Store).`;
  }
}
