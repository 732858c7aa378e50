/**
 * Seeded pseudo-random numbers. Randomness is always passed in as a seed so that runs and tests reproduce.
 * mulberry32: a small 32-bit generator with good statistical quality for data shuffling and initialisation.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed to give tfjs's normal initialisers (randomNormal, truncatedNormal, heNormal, ...) for an integer `seed`.
 * Their generator takes a seed of 0 as none (`seed ? seed : Math.random()`, tfjs-core's MPRandGauss), so a layer
 * given seed 0 would start from unseeded weights; its uniform generator checks for null and is not affected.
 * Non-negative seeds shift by one and negative ones stay, so distinct seeds stay distinct and none becomes 0.
 */
export function tfjsNormalSeed(seed: number): number {
  return seed >= 0 ? seed + 1 : seed;
}

/** Standard normal samples (Box-Muller) from a seeded uniform generator. */
export function seededNormal(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Fisher-Yates shuffle of `items` in place with a seeded uniform generator; returns `items`. */
export function shuffleInPlace<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
