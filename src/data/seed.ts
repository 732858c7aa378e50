/**
 * Derives an independent 32-bit seed from a base seed and a path of integers (epoch, batch, ...), so that
 * the shuffle of epoch e and the augmentation of batch b are fixed by (seed, e, b) alone: a run resumed at
 * epoch e sees exactly the data it would have seen without stopping. (A murmur3-style finaliser per part.)
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const part of [0x9e3779b9, ...parts]) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Fisher-Yates shuffle in place with a seeded uniform generator. */
export function shuffleInPlace(values: Uint32Array, rand: () => number): Uint32Array {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
  return values;
}
