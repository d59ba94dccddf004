/**
 * The hot loops of histogram boosting, written as self-contained functions over typed
 * arrays: the main thread calls them directly and the worker threads run the very same
 * source (see worker-pool.ts, which ships `fn.toString()` to each worker). They must
 * therefore not close over anything or call functions other than each other.
 *
 * Layouts:
 * - bins: uint8, row-major (row r, feature f at r*F + f). Row-major because every pass
 *   after the root gathers the rows of one node: one row's bins share a cache line
 *   (XGBoost's GHistIndexMatrix is row-wise for the same reason).
 * - gh: float32 pairs (g, h) per row.
 * - hist: float64 pairs (G, H) per (feature, bin), 256 bins per feature; bin 255 holds
 *   missing values.
 * - rows: the row ids of the tree being grown live in three buffers: `rows0` holds the
 *   root's (all rows, or the subsample) and is never written here, and a split writes
 *   the children of a node in buffer 0 or 2 into buffer 1, of a node in buffer 1 into
 *   buffer 2. A node's rows are T segments, one per thread, all in one buffer, at the
 *   same positions as its parent's: thread t only ever reads and writes its own
 *   segments, so rows are never gathered between threads.
 * - tasks: int32 records that start with the node's T segments (begin, end pairs).
 */

/**
 * Cut points of features t, t+T, … from the sampled rows: every distinct value but the
 * smallest when there are at most `nb`, else the nb-quantiles. Written to `tbl` (256
 * per feature, padded with +Infinity for the branchless search of kBinRows); the count
 * goes to nc[f].
 */
export function kCuts(
  features: Float32Array,
  F: number,
  sample: Uint32Array,
  nSample: number,
  nb: number,
  tbl: Float32Array,
  nc: Int32Array,
  t: number,
  T: number,
): void {
  // This thread's features of the sampled rows, gathered a chunk of features per pass over
  // the rows (a pass per feature would fetch every sampled row's cache lines once per
  // feature); a chunk holds at most 2^24 values.
  const mine = F > t ? Math.ceil((F - t) / T) : 0;
  const chunk = Math.max(1, Math.min(mine, Math.floor(16777216 / Math.max(1, nSample))));
  const cols = new Float32Array(chunk * nSample);
  const counts = new Int32Array(chunk);
  for (let j0 = 0; j0 < mine; j0 += chunk) {
    const j1 = j0 + chunk < mine ? j0 + chunk : mine;
    counts.fill(0);
    for (let i = 0; i < nSample; i++) {
      const row = sample[i] * F;
      for (let j = j0; j < j1; j++) {
        const v = features[row + t + j * T];
        const q = j - j0;
        if (v === v) cols[q * nSample + counts[q]++] = v;
      }
    }
    for (let j = j0; j < j1; j++) kCutsOf(cols.subarray((j - j0) * nSample, (j - j0) * nSample + counts[j - j0]), t + j * T, nb, tbl, nc);
  }
}

/** Cut points of feature f from its sampled non-missing values (sorted here), for kCuts. */
export function kCutsOf(sorted: Float32Array, f: number, nb: number, tbl: Float32Array, nc: Int32Array): void {
  const n = sorted.length;
  // LSD radix sort (3 passes of 11 bits) of the float bits mapped to an unsigned order:
  // the same order as TypedArray sort (-0 before +0), ~10x faster on 200k values.
  const keys = new Uint32Array(sorted.buffer, sorted.byteOffset, n);
  const tmp = new Uint32Array(n);
  const hist = new Int32Array(3 * 2048);
  for (let i = 0; i < n; i++) {
    const x = keys[i];
    const k = (x & 0x80000000) !== 0 ? ~x >>> 0 : (x | 0x80000000) >>> 0;
    keys[i] = k;
    hist[k & 2047]++;
    hist[2048 + ((k >>> 11) & 2047)]++;
    hist[4096 + (k >>> 22)]++;
  }
  for (let p = 0; p < 3; p++) {
    let sum = 0;
    for (let b = p * 2048; b < (p + 1) * 2048; b++) {
      const c = hist[b];
      hist[b] = sum;
      sum += c;
    }
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    tmp[hist[k & 2047]++] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = tmp[i];
    keys[hist[2048 + ((k >>> 11) & 2047)]++] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    tmp[hist[4096 + (k >>> 22)]++] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = tmp[i];
    keys[i] = (k & 0x80000000) !== 0 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const base = f << 8;
  let c = 0;
  if (distinct <= nb) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) tbl[base + c++] = sorted[i];
  } else {
    for (let i = 1; i < nb; i++) {
      const v = sorted[Math.floor((i * n) / nb)];
      if (v > sorted[0] && (c === 0 || v > tbl[base + c - 1])) tbl[base + c++] = v;
    }
  }
  for (let j = c; j < 256; j++) tbl[base + j] = Infinity;
  nc[f] = c;
}

/**
 * Bins rows [r0, r1) into `bins` (row stride S >= F) and its column-major copy `binsT`
 * (N rows): bin = number of cut points <= value; NaN → 255. The search over the 256
 * padded cut points of a feature is branchless (8 fixed steps), ~3x faster than a
 * branching binary search on random data.
 */
export function kBinRows(
  features: Float32Array,
  F: number,
  tbl: Float32Array,
  nc: Int32Array,
  bins: Uint8Array,
  S: number,
  binsT: Uint8Array,
  N: number,
  r0: number,
  r1: number,
): void {
  // Blocks of rows, feature by feature: the column-major writes stay in a few lines per block.
  const BLOCK = 256;
  for (let rb = r0; rb < r1; rb += BLOCK) {
    const re = rb + BLOCK < r1 ? rb + BLOCK : r1;
    for (let f = 0; f < F; f++) {
      const tb = f << 8;
      const c = nc[f];
      const col = f * N;
      for (let r = rb; r < re; r++) {
        const v = features[r * F + f];
        let bin = 255;
        if (v === v) {
          // `+(a <= b)` compiles to a flag move, where `a <= b ? 1 : 0` is a (mispredicted) branch: ~3x faster.
          let pos = tb;
          pos += +(tbl[pos + 127] <= v) << 7;
          pos += +(tbl[pos + 63] <= v) << 6;
          pos += +(tbl[pos + 31] <= v) << 5;
          pos += +(tbl[pos + 15] <= v) << 4;
          pos += +(tbl[pos + 7] <= v) << 3;
          pos += +(tbl[pos + 3] <= v) << 2;
          pos += +(tbl[pos + 1] <= v) << 1;
          pos += +(tbl[pos] <= v);
          pos -= tb;
          bin = pos < c ? pos : c;
        }
        bins[r * S + f] = bin;
        binsT[col + r] = bin;
      }
    }
  }
}

/**
 * Histogram of the rows of each task for thread t of T, into `hist` at slot*W*2048
 * (zeroed here first). Task records (2T + 2): the node's segments, the slot, and the
 * buffer holding its rows (0, 1 or 2). `words` views the row-major bin matrix
 * as uint32, W words (4 features) per row: one load per 4 bins is ~1.5x faster in V8
 * than byte loads. When `wasm` is the kernel of wasm.ts (all arrays then live in its
 * memory), the rows are accumulated there instead, ~2.5x faster than the loop below.
 */
export function kBuildHist(
  words: Uint32Array,
  W: number,
  gh: Float32Array,
  rows0: Uint32Array,
  rows1: Uint32Array,
  rows2: Uint32Array,
  tasks: Int32Array,
  nTasks: number,
  t: number,
  T: number,
  hist: Float64Array,
  slotBase: number,
  wasm: ((words: number, W: number, gh: number, rows: number, a: number, z: number, hist: number) => void) | number,
): void {
  const size = W * 2048;
  const R = 2 * T + 2;
  for (let k = 0; k < nTasks; k++) {
    const a = tasks[k * R + 2 * t];
    const z = tasks[k * R + 2 * t + 1];
    const off = (slotBase + tasks[k * R + 2 * T]) * size;
    const buf = tasks[k * R + 2 * T + 1];
    const rows = buf === 0 ? rows0 : buf === 1 ? rows1 : rows2;
    hist.fill(0, off, off + size);
    if (typeof wasm === 'function') {
      // All arrays live in the kernel's wasm memory (see wasm.ts): same layout, byte offsets.
      wasm(words.byteOffset, W, gh.byteOffset, rows.byteOffset, a, z, hist.byteOffset + off * 8);
      continue;
    }
    let i = a;
    // Two rows per iteration: independent updates overlap in the pipeline (~10% faster).
    for (; i + 1 < z; i += 2) {
      const r = rows[i];
      const s = rows[i + 1];
      const g = gh[2 * r];
      const h = gh[2 * r + 1];
      const g2 = gh[2 * s];
      const h2 = gh[2 * s + 1];
      const br = r * W;
      const bs = s * W;
      let fo = off;
      for (let w = 0; w < W; w++) {
        const x = words[br + w];
        const y = words[bs + w];
        let idx = fo + ((x & 255) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + ((y & 255) << 1);
        hist[idx] += g2;
        hist[idx + 1] += h2;
        idx = fo + 512 + (((x >>> 8) & 255) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + 512 + (((y >>> 8) & 255) << 1);
        hist[idx] += g2;
        hist[idx + 1] += h2;
        idx = fo + 1024 + (((x >>> 16) & 255) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + 1024 + (((y >>> 16) & 255) << 1);
        hist[idx] += g2;
        hist[idx + 1] += h2;
        idx = fo + 1536 + ((x >>> 24) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + 1536 + ((y >>> 24) << 1);
        hist[idx] += g2;
        hist[idx + 1] += h2;
        fo += 2048;
      }
    }
    for (; i < z; i++) {
      const r = rows[i];
      const g = gh[2 * r];
      const h = gh[2 * r + 1];
      const base = r * W;
      let fo = off;
      for (let w = 0; w < W; w++) {
        const x = words[base + w];
        let idx = fo + ((x & 255) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + 512 + (((x >>> 8) & 255) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + 1024 + (((x >>> 16) & 255) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        idx = fo + 1536 + ((x >>> 24) << 1);
        hist[idx] += g;
        hist[idx + 1] += h;
        fo += 2048;
      }
    }
  }
}

/**
 * Splits thread t's segment of each task's rows, reading the column-major bins `binsT`
 * of N rows. Task records (2T + 4): the node's segments, feature, splitBin, defaultLeft,
 * and the buffer holding its rows. Rows with bin <= splitBin (or missing and
 * defaultLeft) are written forward from the segment's start into the next buffer, the
 * others backward from its end; the left count goes to counts[k*T + t]. `wasm`: as in
 * kBuildHist (the kernel of wasm.ts when all arrays live in its memory).
 */
export function kPartition(
  binsT: Uint8Array,
  N: number,
  rows0: Uint32Array,
  rows1: Uint32Array,
  rows2: Uint32Array,
  tasks: Int32Array,
  nTasks: number,
  t: number,
  T: number,
  counts: Int32Array,
  wasm: ((col: number, src: number, dst: number, a: number, z: number, split: number, missLeft: number) => number) | number,
): void {
  const R = 2 * T + 4;
  for (let k = 0; k < nTasks; k++) {
    const a = tasks[k * R + 2 * t];
    const z = tasks[k * R + 2 * t + 1];
    const f = tasks[k * R + 2 * T];
    const split = tasks[k * R + 2 * T + 1];
    const missLeft = tasks[k * R + 2 * T + 2] === 1 ? 1 : 0;
    const from = tasks[k * R + 2 * T + 3];
    const src = from === 0 ? rows0 : from === 1 ? rows1 : rows2;
    const dst = from === 1 ? rows2 : rows1;
    const col = f * N;
    if (typeof wasm === 'function') {
      // All arrays live in the kernel's wasm memory (see wasm.ts): byte offsets.
      counts[k * T + t] = wasm(binsT.byteOffset + col, src.byteOffset, dst.byteOffset, a, z, split, missLeft);
      continue;
    }
    let l = a;
    let rr = z - 1;
    // Branchless (the direction is a coin flip for the branch predictor): each row is
    // written at both ends and only its own end advances; the other write is overwritten
    // later (or, when l meets rr, is the same slot).
    for (let i = a; i < z; i++) {
      const r = src[i];
      const bin = binsT[col + r];
      // bin <= split, or missing (255) with defaultLeft.
      const left = (((split - bin) >>> 31) ^ 1) | (((bin + 1) >>> 8) & missLeft);
      dst[l] = r;
      dst[rr] = r;
      l += left;
      rr -= left ^ 1;
    }
    counts[k * T + t] = l - a;
  }
}

/**
 * Gradients for rows [r0, r1) (objective 0: squared error, 1: logistic, 2: poisson),
 * from margins and labels; `posWeight` scales positive rows (scale_pos_weight). `wasm`:
 * the logistic kernel of wasm.ts when the arrays live in its memory (groups of 4 rows).
 */
export function kGradients(
  objective: number,
  margin: Float32Array,
  labels: Float32Array,
  gh: Float32Array,
  posWeight: number,
  r0: number,
  r1: number,
  wasm: ((margin: number, labels: number, gh: number, groups: number) => void) | number,
): void {
  if (objective === 1 && posWeight === 1 && typeof wasm === 'function' && r1 > r0) {
    const groups = (r1 - r0) >>> 2;
    wasm(margin.byteOffset + 4 * r0, labels.byteOffset + 4 * r0, gh.byteOffset + 8 * r0, groups);
    r0 += 4 * groups;
  }
  if (objective === 0) {
    for (let r = r0; r < r1; r++) {
      gh[2 * r] = margin[r] - labels[r];
      gh[2 * r + 1] = 1;
    }
  } else if (objective === 1 && posWeight === 1) {
    // The common case without a data-dependent branch (labels are a coin flip for the
    // predictor), and exp inline: e^x = 2^(k/64) e^y with k = round(64x/ln 2), |y| <=
    // ln2/128, e^y by its Taylor series to y^5 (relative error < 1e-16), 2^(k/64) from two
    // tables. ~3x faster than Math.exp; outside +-80 (beyond float32 anyway) Math.exp is used.
    const hi = new Float64Array(256);
    for (let j = 0; j < 256; j++) hi[j] = Math.pow(2, j - 128);
    const lo = new Float64Array(64);
    for (let j = 0; j < 64; j++) lo[j] = Math.pow(2, j / 64);
    for (let r = r0; r < r1; r++) {
      const x = -margin[r];
      let e: number;
      if (x > -80 && x < 80) {
        const k = Math.floor(x * 92.33248261689366 + 0.5) | 0;
        const y = x - k * 0.010830424693267559 - k * 2.9815858269852933e-12;
        e = hi[(k >> 6) + 128] * lo[k & 63] * (1 + y * (1 + y * (0.5 + y * (1 / 6 + y * (1 / 24 + y * (1 / 120))))));
      } else e = Math.exp(x);
      const p = 1 / (1 + e);
      const hh = p * (1 - p);
      gh[2 * r] = p - labels[r];
      gh[2 * r + 1] = hh > 1e-16 ? hh : 1e-16;
    }
  } else if (objective === 1) {
    for (let r = r0; r < r1; r++) {
      const p = 1 / (1 + Math.exp(-margin[r]));
      const y = labels[r];
      const w = y === 1 ? posWeight : 1;
      gh[2 * r] = (p - y) * w;
      gh[2 * r + 1] = Math.max(p * (1 - p), 1e-16) * w;
    }
  } else {
    // count:poisson with XGBoost's max_delta_step 0.7 on the hessian.
    for (let r = r0; r < r1; r++) {
      const m = margin[r];
      gh[2 * r] = Math.exp(m) - labels[r];
      gh[2 * r + 1] = Math.exp(m + 0.7);
    }
  }
}

/**
 * Adds leaf values to margins for thread t's segment of each task. Task records
 * (2T + 2): the leaf's segments, its index in `leafValues`, and the buffer of its rows.
 */
export function kAddLeaves(
  rows0: Uint32Array,
  rows1: Uint32Array,
  rows2: Uint32Array,
  tasks: Int32Array,
  nTasks: number,
  leafValues: Float32Array,
  margin: Float32Array,
  t: number,
  T: number,
): void {
  const R = 2 * T + 2;
  for (let k = 0; k < nTasks; k++) {
    const a = tasks[k * R + 2 * t];
    const z = tasks[k * R + 2 * t + 1];
    const v = leafValues[tasks[k * R + 2 * T]];
    const buf = tasks[k * R + 2 * T + 1];
    const rows = buf === 0 ? rows0 : buf === 1 ? rows1 : rows2;
    for (let i = a; i < z; i++) margin[rows[i]] += v;
  }
}
