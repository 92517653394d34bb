/**
 * Where a run's images come from, read on demand: the studio decodes its stored copies batch by batch (worker),
 * the command reads files from disk, tests hand in decoded arrays. Nothing here holds a dataset: memory is
 * O(batch x read-ahead), not O(images), which is what lets 30,000 photographs train in a browser tab.
 */
import type { RgbImage } from './preprocess';

export interface ImageSource {
  /** The images with these ids as square RGB at the run's input size, in the order asked. */
  load(ids: readonly string[]): Promise<RgbImage[]>;
}

/** A source over images already in memory (tests, small sets): `lookup` throws for an unknown id. */
export function imagesFrom(lookup: (id: string) => RgbImage): ImageSource {
  return { load: async (ids) => ids.map(lookup) };
}

/**
 * Reads a known sequence of batches ahead of their use: while batch i is used, batches i+1..i+depth are being
 * decoded. Each batch is handed out once, in order, and then forgotten (its images are the caller's).
 * Unique ids are read once per batch (a batch may hold the same image at several rotations).
 */
export class BatchReader {
  private readonly pending = new Map<number, Promise<Map<string, RgbImage>>>();
  private nextIndex = 0;

  /** `depth` batches are read ahead of the one in use; defaults to 2. */
  constructor(private readonly source: ImageSource, private readonly batches: readonly (readonly string[])[], private readonly depth = 2) {}

  get length(): number {
    return this.batches.length;
  }

  private start(i: number): void {
    if (i >= this.batches.length || this.pending.has(i)) return;
    const unique = [...new Set(this.batches[i])];
    const read = this.source.load(unique).then((images) => new Map(unique.map((id, j) => [id, images[j]] as const)));
    // A read-ahead that fails is reported when its batch is asked for, not as an unhandled rejection.
    read.catch(() => undefined);
    this.pending.set(i, read);
  }

  /** The images of batch `i` (in the batch's order, repeated ids repeated); batches are asked for in order. */
  async batch(i: number): Promise<RgbImage[]> {
    if (i !== this.nextIndex) throw new Error(`batch ${i} asked for out of order (expected ${this.nextIndex})`);
    this.nextIndex = i + 1;
    for (let j = i; j <= i + this.depth; j++) this.start(j);
    const read = this.pending.get(i)!;
    this.pending.delete(i);
    const byId = await read;
    return this.batches[i].map((id) => byId.get(id)!);
  }

  /** Drops what was read ahead and not used (a cancelled or failed run). */
  close(): void {
    this.pending.clear();
  }
}
