/**
 * Word2Vec's negative-sampling distribution (word w drawn with probability proportional to
 * count^0.75, Mikolov et al. 2013) as Vose's alias table (Vose 1991, "A linear algorithm
 * for generating random numbers with a given distribution"): two arrays of vocabulary
 * size, a threshold and an alias per column. A draw picks a column uniformly and keeps it
 * if a coin falls below its threshold, else takes its alias.
 *
 * word2vec.c and earlier Orchard read a 1M–10M slot table at a random slot per draw; at
 * 4–40 MB most of those reads missed the caches, while the two alias arrays (8 bytes a
 * word) stay in L2 for vocabularies of tens of thousands of words.
 *
 * One 32-bit draw u gives both (Lemire 2019's multiply-shift): the column is the high
 * word of u·V, ⌊u·V / 2³²⌋ (uniform over 0..V−1), and the coin is its low word,
 * u·V mod 2³², which for a given column steps through [0, 2³²) in steps of V, so it falls
 * below the threshold (share·2³²) with that share (within V/2³²). The kernels (JavaScript
 * and WebAssembly) compute both exactly in integers.
 */

/** Column thresholds as u32 (share of the column kept, times 2³²) and the column's alias. */
export interface UnigramAlias {
  readonly prob: Uint32Array;
  readonly alias: Int32Array;
}

/** The largest u32: a column kept whole (its alias is itself, so the coin does not matter). */
const FULL = 0xffffffff;

/**
 * Vose's alias table for weights count^power (shared memory, as the kernel pool's state is).
 * Words with a zero count are never drawn unless every count is zero (then uniformly).
 */
export function unigramAlias(counts: ArrayLike<number>, power = 0.75): UnigramAlias {
  const n = counts.length;
  const prob = new Uint32Array(new SharedArrayBuffer(Math.max(1, n) * 4)).subarray(0, n);
  const alias = new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)).subarray(0, n);
  const scaled = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += (scaled[i] = counts[i] > 0 ? counts[i] ** power : 0);
  for (let i = 0; i < n; i++) scaled[i] = total > 0 ? (scaled[i] * n) / total : 1;
  // The two work lists of Vose's algorithm as stacks in one array: small from the front, large from the back.
  const stack = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    if (scaled[i] < 1) stack[ns++] = i;
    else stack[n - ++nl] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = stack[--ns];
    const l = stack[n - nl];
    prob[s] = Math.min(FULL, Math.round(scaled[s] * 2 ** 32));
    alias[s] = l;
    scaled[l] -= 1 - scaled[s];
    if (scaled[l] < 1) {
      nl--;
      stack[ns++] = l;
    }
  }
  // What is left is 1 up to rounding: kept whole.
  for (let k = 0; k < ns; k++) (prob[stack[k]] = FULL), (alias[stack[k]] = stack[k]);
  for (let k = n - nl; k < n; k++) (prob[stack[k]] = FULL), (alias[stack[k]] = stack[k]);
  return { prob, alias };
}
