/**
 * Seeded randomness for everything that must repeat exactly for a given seed (dataset split, shuffling,
 * rotations): Math.random cannot be seeded, and a run the user re-launches with the same seed must see
 * the same validation images.
 */

/** Returns a float in [0, 1), like Math.random. */
export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state generator, fast and good enough for shuffling
 * a few thousand images; not for cryptography. Any number is accepted as a seed: it is
 * reduced to 32 bits, so seeds that differ by a multiple of 2^32 give the same stream.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** Fisher-Yates shuffle in place (every order equally likely); returns the same array for chaining. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** A shuffled copy; the input is left as it was. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  return shuffleInPlace(items.slice(), random);
}
