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
 * - tasks: int32 records; a thread handles its slice `[t/T, (t+1)/T)` of each task's rows.
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
  const col = new Float32Array(nSample);
  for (let f = t; f < F; f += T) {
    let n = 0;
    for (let i = 0; i < nSample; i++) {
      const v = features[sample[i] * F + f];
      if (v === v) col[n++] = v;
    }
    const sorted = col.subarray(0, n);
    sorted.sort();
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
}

/**
 * Bins rows [r0, r1) into `bins` (row stride S >= F) and its column-major copy `binsT`
 * (N rows): bin = number of cut points <= value; NaN → 255. The search over the 256
 * padded cut points of a feature is branchless (8 fixed steps), ~1.6x faster than a
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
  for (let r = r0; r < r1; r++) {
    const base = r * F;
    for (let f = 0; f < F; f++) {
      const v = features[base + f];
      let bin = 255;
      if (v === v) {
        const tb = f << 8;
        let pos = 0;
        pos += 128 & -(tbl[tb + pos + 127] <= v ? 1 : 0);
        pos += 64 & -(tbl[tb + pos + 63] <= v ? 1 : 0);
        pos += 32 & -(tbl[tb + pos + 31] <= v ? 1 : 0);
        pos += 16 & -(tbl[tb + pos + 15] <= v ? 1 : 0);
        pos += 8 & -(tbl[tb + pos + 7] <= v ? 1 : 0);
        pos += 4 & -(tbl[tb + pos + 3] <= v ? 1 : 0);
        pos += 2 & -(tbl[tb + pos + 1] <= v ? 1 : 0);
        pos += 1 & -(tbl[tb + pos] <= v ? 1 : 0);
        const c = nc[f];
        bin = pos < c ? pos : c;
      }
      bins[r * S + f] = bin;
      binsT[f * N + r] = bin;
    }
  }
}

/**
 * Histogram of the rows of each task (records of 3: begin, end, slot) for thread t of T,
 * into `hist` at slot*W*2048 (zeroed here first). `words` views the row-major bin matrix
 * as uint32, W words (4 features) per row: one load per 4 bins is ~1.5x faster in V8
 * than byte loads.
 */
export function kBuildHist(
  words: Uint32Array,
  W: number,
  gh: Float32Array,
  rows: Uint32Array,
  tasks: Int32Array,
  nTasks: number,
  t: number,
  T: number,
  hist: Float64Array,
  slotBase: number,
): void {
  const size = W * 2048;
  for (let k = 0; k < nTasks; k++) {
    const b = tasks[k * 3];
    const e = tasks[k * 3 + 1];
    const off = (slotBase + tasks[k * 3 + 2]) * size;
    hist.fill(0, off, off + size);
    const len = e - b;
    const a = b + Math.floor((len * t) / T);
    const z = b + Math.floor((len * (t + 1)) / T);
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
 * Splits the rows of each task (records of 5: begin, end, feature, splitBin,
 * defaultLeft), reading the column-major bins `binsT` of N rows, for thread t of T: rows with bin <= splitBin (or missing and
 * defaultLeft) are written forward from the slice start into `dst`, the others
 * backward from the slice end. The left count goes to counts[k*T + t].
 */
export function kPartition(
  binsT: Uint8Array,
  N: number,
  src: Uint32Array,
  dst: Uint32Array,
  tasks: Int32Array,
  nTasks: number,
  t: number,
  T: number,
  counts: Int32Array,
): void {
  for (let k = 0; k < nTasks; k++) {
    const b = tasks[k * 5];
    const e = tasks[k * 5 + 1];
    const f = tasks[k * 5 + 2];
    const split = tasks[k * 5 + 3];
    const missLeft = tasks[k * 5 + 4] === 1;
    const col = f * N;
    const len = e - b;
    const a = b + Math.floor((len * t) / T);
    const z = b + Math.floor((len * (t + 1)) / T);
    let l = a;
    let rr = z - 1;
    for (let i = a; i < z; i++) {
      const r = src[i];
      const bin = binsT[col + r];
      const left = bin === 255 ? missLeft : bin <= split;
      if (left) dst[l++] = r;
      else dst[rr--] = r;
    }
    counts[k * T + t] = l - a;
  }
}

/**
 * Gradients for rows [r0, r1) (objective 0: squared error, 1: logistic, 2: poisson),
 * from margins and labels; `posWeight` scales positive rows (scale_pos_weight).
 */
export function kGradients(
  objective: number,
  margin: Float32Array,
  labels: Float32Array,
  gh: Float32Array,
  posWeight: number,
  r0: number,
  r1: number,
): void {
  if (objective === 0) {
    for (let r = r0; r < r1; r++) {
      gh[2 * r] = margin[r] - labels[r];
      gh[2 * r + 1] = 1;
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

/** Adds leaf values to margins: records of 3 (begin, end, leaf index) over `rows`. */
export function kAddLeaves(
  rows: Uint32Array,
  tasks: Int32Array,
  nTasks: number,
  leafValues: Float32Array,
  margin: Float32Array,
  t: number,
  T: number,
): void {
  for (let k = 0; k < nTasks; k++) {
    const b = tasks[k * 3];
    const e = tasks[k * 3 + 1];
    const v = leafValues[tasks[k * 3 + 2]];
    const len = e - b;
    const a = b + Math.floor((len * t) / T);
    const z = b + Math.floor((len * (t + 1)) / T);
    for (let i = a; i < z; i++) margin[rows[i]] += v;
  }
}
