/**
 * Reading an untrusted zip without trusting it: the central directory is read first (no inflation), every
 * entry's declared size is checked against limits, and only then are the chosen entries inflated, each into
 * a buffer of exactly its declared size (fflate never grows it), so a zip bomb cannot take the memory.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';

export interface ZipLimitsConfig {
  /** Most entries the zip may hold. Defaults to 64. */
  maxEntries?: number;
  /** Largest declared size (uncompressed) of any one entry, in bytes. Defaults to 64 MiB. */
  maxEntryBytes?: number;
  /** Largest declared size of all entries together, in bytes. Defaults to 256 MiB. */
  maxTotalBytes?: number;
  /** Per-name limits tighter than maxEntryBytes, e.g. { 'model.json': 2 MiB }. Defaults to none. */
  maxBytesByName?: Record<string, number>;
}

export const DEFAULT_ZIP_LIMITS: Required<ZipLimitsConfig> = {
  maxEntries: 64, maxEntryBytes: 64 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024, maxBytesByName: {},
};

export type ZipProblem =
  | { kind: 'not-a-zip'; detail: string }
  | { kind: 'too-many-entries'; count: number; limit: number }
  | { kind: 'entry-too-large'; name: string; declaredBytes: number; limit: number }
  | { kind: 'total-too-large'; declaredBytes: number; limit: number }
  | { kind: 'duplicate-name'; name: string }
  | { kind: 'size-mismatch'; name: string; declaredBytes: number; actualBytes: number };

export class ZipLimitError extends Error {
  override name = 'ZipLimitError';
  constructor(readonly problem: ZipProblem) {
    super(describeZipProblem(problem));
  }
}

const MB = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 0)} MB`;

export function describeZipProblem(p: ZipProblem): string {
  switch (p.kind) {
    case 'not-a-zip': return `it is not a zip archive (${p.detail})`;
    case 'too-many-entries': return `it holds ${p.count} files; a model package has at most ${p.limit}`;
    case 'entry-too-large': return `${p.name} declares ${MB(p.declaredBytes)}, more than the ${MB(p.limit)} allowed for it`;
    case 'total-too-large': return `its files declare ${MB(p.declaredBytes)} in all, more than the ${MB(p.limit)} allowed`;
    case 'duplicate-name': return `it holds two files named ${p.name}`;
    case 'size-mismatch': return `${p.name} declares ${p.declaredBytes} bytes but holds ${p.actualBytes}`;
  }
}

/** One file of the zip, named by its base name (packages re-zipped inside one top folder are accepted). */
export interface ZipEntryInfo {
  /** Base name, e.g. 'model.json'. */
  name: string;
  /** Path inside the zip. */
  path: string;
  /** Uncompressed size as the zip declares it. */
  declaredBytes: number;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Lists the zip's files (directories skipped) from its central directory, checking the limits; inflates nothing. */
export function listZipEntries(zip: Uint8Array, config: ZipLimitsConfig = {}): Map<string, ZipEntryInfo> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...config };
  const infos: UnzipFileInfo[] = [];
  try {
    unzipSync(zip, { filter: (info) => { infos.push(info); return false; } });
  } catch (e) {
    throw new ZipLimitError({ kind: 'not-a-zip', detail: (e as Error).message });
  }
  if (infos.length > limits.maxEntries) {
    throw new ZipLimitError({ kind: 'too-many-entries', count: infos.length, limit: limits.maxEntries });
  }
  const entries = new Map<string, ZipEntryInfo>();
  let total = 0;
  for (const info of infos) {
    if (info.name.endsWith('/')) continue;
    const name = baseName(info.name);
    const limit = Math.min(limits.maxEntryBytes, limits.maxBytesByName[name] ?? Infinity);
    if (info.originalSize > limit) {
      throw new ZipLimitError({ kind: 'entry-too-large', name, declaredBytes: info.originalSize, limit });
    }
    if (entries.has(name)) throw new ZipLimitError({ kind: 'duplicate-name', name });
    total += info.originalSize;
    entries.set(name, { name, path: info.name, declaredBytes: info.originalSize });
  }
  if (total > limits.maxTotalBytes) {
    throw new ZipLimitError({ kind: 'total-too-large', declaredBytes: total, limit: limits.maxTotalBytes });
  }
  return entries;
}

/**
 * Inflates the named entries (already listed, so already within limits). Each lands in a buffer of its
 * declared size: data shorter than declared is refused, data beyond it is dropped, never allocated.
 */
export function readZipEntries(zip: Uint8Array, wanted: readonly ZipEntryInfo[]): Map<string, Uint8Array> {
  const byPath = new Map(wanted.map((e) => [e.path, e]));
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(zip, { filter: (info) => byPath.has(info.name) });
  } catch (e) {
    throw new ZipLimitError({ kind: 'not-a-zip', detail: (e as Error).message });
  }
  const out = new Map<string, Uint8Array>();
  for (const entry of wanted) {
    const bytes = raw[entry.path];
    if (!bytes || bytes.byteLength !== entry.declaredBytes) {
      throw new ZipLimitError({
        kind: 'size-mismatch', name: entry.name, declaredBytes: entry.declaredBytes, actualBytes: bytes?.byteLength ?? 0,
      });
    }
    out.set(entry.name, bytes);
  }
  return out;
}
