/** Seeded generators for test data: the same data on every run. */

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
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

/** mulberry32 with helpers: `int(n)` uniform in 0..n-1, `normal()` standard normal (Box–Muller). */
export function seededRandom(seed: number): { next: () => number; int: (n: number) => number; normal: () => number } {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n), normal: () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next()) };
}
