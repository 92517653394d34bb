import type { ExportedPackage } from '../../state/model';

/** Starts the browser's download of a file the stores prepared (a blob URL). */
export function saveFile(file: ExportedPackage): void {
  const a = document.createElement('a');
  a.href = file.url;
  a.download = file.fileName;
  document.body.append(a);
  a.click();
  a.remove();
}
