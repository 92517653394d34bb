/**
 * Turns what the user dropped or picked into files with paths relative to what was dropped: folders are
 * walked with the File and Directory Entries API (webkitGetAsEntry), so a folder of class sub-folders
 * keeps its structure; empty folders are reported so an empty class can be named.
 */
import { displayNameOf } from '../../core/data/file-names';
import type { IncomingFile } from '../../state/dataset';

export interface CollectedFiles {
  files: IncomingFile[];
  /** Relative paths of folders that held nothing. */
  emptyFolders: string[];
  /** What was dropped, in words: "DR_images" or "3 items". */
  sourceName: string;
}

function describe(names: string[], nothing: string): string {
  if (names.length === 0) return nothing;
  if (names.length === 1) return names[0];
  return `${names[0]} and ${names.length - 1} more`;
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** readEntries hands out a directory in chunks (100 in Chromium); read until it returns none. */
async function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (chunk.length === 0) return all;
    all.push(...chunk);
  }
}

async function walk(entry: FileSystemEntry, out: CollectedFiles): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '') || entry.name;
  if (entry.isFile) {
    const file = await fileOf(entry as FileSystemFileEntry);
    out.files.push({ file, name: file.name, path });
  } else if (entry.isDirectory) {
    const children = await readAll(entry as FileSystemDirectoryEntry);
    if (children.length === 0) out.emptyFolders.push(path);
    for (const child of children) await walk(child, out);
  }
}

/** Must be called synchronously inside the drop handler: the item list is emptied once it returns. */
export function collectDrop(dataTransfer: DataTransfer): Promise<CollectedFiles> {
  const entries: FileSystemEntry[] = [];
  const looseFiles: File[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) looseFiles.push(f);
    }
  }
  if (entries.length === 0 && looseFiles.length === 0) looseFiles.push(...Array.from(dataTransfer.files));
  return (async () => {
    const out: CollectedFiles = {
      // A loose file's name is a label only: `../../x.jpg` is the file x.jpg, not a path into folders.
      files: looseFiles.map((file) => ({ file, name: displayNameOf(file.name), path: displayNameOf(file.name) })),
      emptyFolders: [],
      sourceName: describe([...entries.map((e) => e.name), ...looseFiles.map((f) => f.name)], 'the drop'),
    };
    for (const entry of entries) await walk(entry, out);
    return out;
  })();
}

/** Files from an <input type=file> (with webkitdirectory, each carries its relative path). */
export function collectInput(list: FileList | null): CollectedFiles {
  const files = Array.from(list ?? []);
  const roots = [...new Set(files.map((f) => (f.webkitRelativePath || f.name).split('/')[0]))];
  return {
    files: files.map((file) => ({ file, name: displayNameOf(file.name), path: file.webkitRelativePath || displayNameOf(file.name) })),
    emptyFolders: [],
    sourceName: describe(roots, 'the chosen folder'),
  };
}
