/**
 * k-NN search kernels, run on the calling thread or by every thread of a kernel pool over
 * the shared index: `state.X` (n × d Float32, rows grouped by inverted list), `state.A`
 * (per row: ‖x‖² for L2, 0 for inner products), `state.coef` (−2 for L2, −1 for inner
 * products). A query q ranks row x by the key A[x] + coef·x·q: for L2 that is
 * ‖x − q‖² − ‖q‖² (so ‖q‖² is added back once per answer), for inner products −x·q.
 *
 * Each query keeps a bounded max-heap of its k best keys (root = the worst kept), so a
 * row costs one comparison unless it beats the k-th best. Exact search walks the rows in
 * tiles that stay in cache while four queries at a time are scored against two rows.
 */
export interface HeapResult {
  /** m × k keys (unsorted heaps; +Infinity where fewer than k rows were seen). */
  keys: Float64Array;
  /** m × k row numbers (−1 where empty). */
  rows: Int32Array;
}

export const KNN_KERNELS = `
function push(hk, hr, base, k, key, row) {
  // Replace the root (the worst kept) and sift down.
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= k) break;
    const r = l + 1;
    const c = r < k && hk[base + r] > hk[base + l] ? r : l;
    if (hk[base + c] <= key) break;
    hk[base + i] = hk[base + c];
    hr[base + i] = hr[base + c];
    i = c;
  }
  hk[base + i] = key;
  hr[base + i] = row;
  return hk[base];
}

function heaps(m, k) {
  return { keys: new Float64Array(m * k).fill(Infinity), rows: new Int32Array(m * k).fill(-1) };
}

/**
 * Exact search of queries [q0, q1) of a.Q over rows [lo, hi): a register tile of two
 * rows × four queries (eight sums from six loads per dimension), the four queries copied
 * to doubles once per row tile.
 */
function flat(state, a) {
  const X = state.X, A = state.A, d = state.d, coef = state.coef;
  const Q = a.Q, q0 = a.q0, m = a.q1 - a.q0, k = a.k, lo = a.lo, hi = a.hi;
  const out = heaps(m, k), hk = out.keys, hr = out.rows;
  const tile = Math.max(64, Math.floor(32768 / d));
  const qb = new Float64Array(4 * d);
  for (let t0 = lo; t0 < hi; t0 += tile) {
    const t1 = Math.min(hi, t0 + tile);
    let q = 0;
    for (; q + 3 < m; q += 4) {
      const b0 = (q0 + q) * d;
      for (let j = 0; j < 4 * d; j++) qb[j] = Q[b0 + j];
      const h0 = q * k, h1 = h0 + k, h2 = h1 + k, h3 = h2 + k;
      let w0 = hk[h0], w1 = hk[h1], w2 = hk[h2], w3 = hk[h3];
      let i = t0;
      for (; i + 1 < t1; i += 2) {
        const o = i * d, p = o + d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        for (let j = 0; j < d; j++) {
          const x = X[o + j], y = X[p + j];
          const c0 = qb[j], c1 = qb[d + j], c2 = qb[2 * d + j], c3 = qb[3 * d + j];
          s0 += x * c0; s1 += x * c1; s2 += x * c2; s3 += x * c3;
          r0 += y * c0; r1 += y * c1; r2 += y * c2; r3 += y * c3;
        }
        const ai = A[i], aj = A[i + 1];
        let v = ai + coef * s0; if (v < w0) w0 = push(hk, hr, h0, k, v, i);
        v = ai + coef * s1; if (v < w1) w1 = push(hk, hr, h1, k, v, i);
        v = ai + coef * s2; if (v < w2) w2 = push(hk, hr, h2, k, v, i);
        v = ai + coef * s3; if (v < w3) w3 = push(hk, hr, h3, k, v, i);
        v = aj + coef * r0; if (v < w0) w0 = push(hk, hr, h0, k, v, i + 1);
        v = aj + coef * r1; if (v < w1) w1 = push(hk, hr, h1, k, v, i + 1);
        v = aj + coef * r2; if (v < w2) w2 = push(hk, hr, h2, k, v, i + 1);
        v = aj + coef * r3; if (v < w3) w3 = push(hk, hr, h3, k, v, i + 1);
      }
      for (; i < t1; i++) {
        const o = i * d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let j = 0; j < d; j++) { const x = X[o + j]; s0 += x * qb[j]; s1 += x * qb[d + j]; s2 += x * qb[2 * d + j]; s3 += x * qb[3 * d + j]; }
        const ai = A[i];
        let v = ai + coef * s0; if (v < w0) w0 = push(hk, hr, h0, k, v, i);
        v = ai + coef * s1; if (v < w1) w1 = push(hk, hr, h1, k, v, i);
        v = ai + coef * s2; if (v < w2) w2 = push(hk, hr, h2, k, v, i);
        v = ai + coef * s3; if (v < w3) w3 = push(hk, hr, h3, k, v, i);
      }
    }
    for (; q < m; q++) scanRange(X, A, d, coef, Q, (q0 + q) * d, hk, hr, q * k, k, t0, t1);
  }
  return out;
}

let scan = null, scanMemory = null;

/** This thread's \`scan\` over state.mem, and views of its scratch area (see knn-wasm.ts). */
function scanner(state, scratch) {
  // One instance per memory: the calling thread may search several indexes.
  if (scanMemory !== state.mem) {
    scan = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(state.wasm)), { env: { m: state.mem } }).exports.scan;
    scanMemory = state.mem;
  }
  const L = state.layout, buf = state.mem.buffer;
  const t = new Float32Array(buf, scratch + L.thresholds, 8);
  t.fill(state.coef, 4, 8);
  return {
    F: new Float32Array(buf),
    q: scratch + L.queries,
    w: scratch + L.thresholds,
    thresholds: t,
    oi: scratch + L.rows,
    rows: new Int32Array(buf, scratch + L.rows, state.tile),
    os: scratch + L.sums,
    sums: new Float32Array(buf, scratch + L.sums, 4 * state.tile),
  };
}

/**
 * The threshold \`scan\` compares a query's float32 keys with: its current k-th best key
 * plus a margin above the key's float32 rounding (A and coef·sum are float32 values, so
 * their sum is rounded once, by at most 2⁻²⁴ of its size, which is at most |w| + ‖q‖²).
 * Rows it keeps are checked again in doubles, so the heaps are what a scan of every row
 * in doubles gives.
 */
function threshold(w, qq) {
  return w === Infinity ? Infinity : w + (Math.abs(w) + qq) * 9.5367431640625e-7;
}

function sqNorm(Q, b, d) {
  let s = 0;
  for (let j = 0; j < d; j++) s += Q[b + j] * Q[b + j];
  return s;
}

/** Pushes the rows \`scan\` kept (numbers from \`base\`) into the heaps of queries \`hs\` (heap offsets, up to four). */
function pushKept(S, kept, base, A, coef, hk, hr, k, hs) {
  for (let c = 0; c < hs.length; c++) {
    const h = hs[c];
    let w = hk[h];
    for (let j = 0; j < kept; j++) {
      const i = base + S.rows[j];
      const v = A[i] + coef * S.sums[4 * j + c];
      if (v < w) w = push(hk, hr, h, k, v, i);
    }
  }
}

/**
 * Exact search with the scan in WebAssembly SIMD (state.mem holds the rows at offset 0
 * and their A at state.aOffset; a.scratch is this thread's area).
 */
function flatWasm(state, a) {
  const S = scanner(state, a.scratch);
  const A = state.A, d = state.d, coef = state.coef, dB = d * 4, tileRows = state.tile, aOff = state.aOffset, l2 = coef === -2;
  const Q = a.Q, q0 = a.q0, m = a.q1 - a.q0, k = a.k, lo = a.lo, hi = a.hi;
  const res = heaps(m, k), hk = res.keys, hr = res.rows;
  const qq = new Float64Array(m);
  if (l2) for (let q = 0; q < m; q++) qq[q] = sqNorm(Q, (q0 + q) * d, d);
  for (let t0 = lo; t0 < hi; t0 += tileRows) {
    const rows = Math.min(hi, t0 + tileRows) - t0;
    for (let q = 0; q < m; q += 4) {
      const real = Math.min(4, m - q);
      S.F.set(Q.subarray((q0 + q) * d, (q0 + q + real) * d), S.q / 4);
      if (real < 4) S.F.fill(0, S.q / 4 + real * d, S.q / 4 + 4 * d);
      const hs = [];
      for (let c = 0; c < 4; c++) {
        if (c < real) hs.push((q + c) * k);
        S.thresholds[c] = c < real ? threshold(hk[(q + c) * k], qq[q + c]) : -Infinity;
      }
      const kept = scan(t0 * dB, S.q, rows, dB, aOff + 4 * t0, S.w, S.oi, S.os);
      pushKept(S, kept, t0, A, coef, hk, hr, k, hs);
    }
  }
  return res;
}

/**
 * IVF search in WebAssembly, faiss's way for a batch: each query's nprobe lists are
 * found first, then list by list the queries that probe it are scanned four at a time
 * against the list's rows.
 */
function ivfWasm(state, a) {
  const S = scanner(state, a.scratch);
  const A = state.A, d = state.d, coef = state.coef, dB = d * 4, tileRows = state.tile, aOff = state.aOffset, off = state.offsets, nl = state.nlists, l2 = coef === -2;
  const Q = a.Q, q0 = a.q0, m = a.q1 - a.q0, k = a.k, nprobe = Math.min(a.nprobe, nl);
  const res = heaps(m, k), hk = res.keys, hr = res.rows;
  const ph = new Float64Array(nprobe), pr = new Int32Array(nprobe);
  const count = new Int32Array(nl + 1), probes = new Int32Array(m * nprobe);
  const qq = new Float64Array(m);
  for (let q = 0; q < m; q++) {
    if (l2) qq[q] = sqNorm(Q, (q0 + q) * d, d);
    probeLists(state, Q, (q0 + q) * d, nprobe, ph, pr);
    for (let p = 0; p < nprobe; p++) { probes[q * nprobe + p] = pr[p]; if (pr[p] >= 0) count[pr[p] + 1]++; }
  }
  for (let l = 0; l < nl; l++) count[l + 1] += count[l];
  const fill = count.slice(0, nl), byList = new Int32Array(count[nl]);
  for (let i = 0; i < m * nprobe; i++) if (probes[i] >= 0) byList[fill[probes[i]]++] = Math.floor(i / nprobe);
  for (let l = 0; l < nl; l++) {
    const r0 = off[l], r1 = off[l + 1];
    if (r0 === r1) continue;
    for (let b = count[l]; b < count[l + 1]; b += 4) {
      const real = Math.min(4, count[l + 1] - b);
      const hs = [];
      for (let c = 0; c < 4; c++) {
        if (c < real) {
          S.F.set(Q.subarray((q0 + byList[b + c]) * d, (q0 + byList[b + c] + 1) * d), S.q / 4 + c * d);
          hs.push(byList[b + c] * k);
        } else S.F.fill(0, S.q / 4 + c * d, S.q / 4 + (c + 1) * d);
      }
      for (let t0 = r0; t0 < r1; t0 += tileRows) {
        const rows = Math.min(r1, t0 + tileRows) - t0;
        for (let c = 0; c < 4; c++) S.thresholds[c] = c < real ? threshold(hk[hs[c]], qq[byList[b + c]]) : -Infinity;
        const kept = scan(t0 * dB, S.q, rows, dB, aOff + 4 * t0, S.w, S.oi, S.os);
        pushKept(S, kept, t0, A, coef, hk, hr, k, hs);
      }
    }
  }
  return res;
}

/** One query against rows [r0, r1), four rows at a time. */
function scanRange(X, A, d, coef, Q, b, hk, hr, h, k, r0, r1) {
  let w = hk[h];
  let i = r0;
  for (; i + 3 < r1; i += 4) {
    const o0 = i * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < d; j++) {
      const qj = Q[b + j];
      s0 += qj * X[o0 + j]; s1 += qj * X[o1 + j]; s2 += qj * X[o2 + j]; s3 += qj * X[o3 + j];
    }
    const v0 = A[i] + coef * s0, v1 = A[i + 1] + coef * s1, v2 = A[i + 2] + coef * s2, v3 = A[i + 3] + coef * s3;
    if (v0 < w) w = push(hk, hr, h, k, v0, i);
    if (v1 < w) w = push(hk, hr, h, k, v1, i + 1);
    if (v2 < w) w = push(hk, hr, h, k, v2, i + 2);
    if (v3 < w) w = push(hk, hr, h, k, v3, i + 3);
  }
  for (; i < r1; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += Q[b + j] * X[o + j];
    const v = A[i] + coef * s;
    if (v < w) w = push(hk, hr, h, k, v, i);
  }
}

/** The nprobe lists nearest query row b of Q (by the metric's key over the centroids). */
function probeLists(state, Q, b, nprobe, ph, pr) {
  const C = state.C, CA = state.CA, d = state.d, coef = state.coef, nl = state.nlists;
  ph.fill(Infinity); pr.fill(-1);
  let w = Infinity;
  for (let c = 0; c < nl; c++) {
    const o = c * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += Q[b + j] * C[o + j];
    const v = CA[c] + coef * s;
    if (v < w) w = push(ph, pr, 0, nprobe, v, c);
  }
}

/** IVF search: each query scans the rows of its nprobe nearest lists. */
function ivf(state, a) {
  const X = state.X, A = state.A, d = state.d, coef = state.coef, off = state.offsets;
  const Q = a.Q, q0 = a.q0, m = a.q1 - a.q0, k = a.k, nprobe = Math.min(a.nprobe, state.nlists);
  const out = heaps(m, k), hk = out.keys, hr = out.rows;
  const ph = new Float64Array(nprobe), pr = new Int32Array(nprobe);
  for (let q = 0; q < m; q++) {
    const b = (q0 + q) * d;
    probeLists(state, Q, b, nprobe, ph, pr);
    for (let p = 0; p < nprobe; p++) {
      const l = pr[p];
      if (l >= 0) scanRange(X, A, d, coef, Q, b, hk, hr, q * k, k, off[l], off[l + 1]);
    }
  }
  return out;
}

/**
 * IVF-PQ search (Jégou et al. 2011, asymmetric distance on residuals): per probed list a
 * table of the query residual's sub-vector against every codeword, then each row's key
 * is the sum of its M table entries. For inner products the table holds −q·codeword and
 * the list adds −q·centroid.
 */
function ivfpq(state, a) {
  const codes = state.codes, M = state.M, ds = state.d / state.M, cb = state.codebooks, d = state.d, C = state.C, off = state.offsets;
  const l2 = state.coef === -2;
  const Q = a.Q, q0 = a.q0, m = a.q1 - a.q0, k = a.k, nprobe = Math.min(a.nprobe, state.nlists);
  const out = heaps(m, k), hk = out.keys, hr = out.rows;
  const ph = new Float64Array(nprobe), pr = new Int32Array(nprobe);
  const table = new Float64Array(M * 256);
  const res = new Float64Array(d);
  for (let q = 0; q < m; q++) {
    const b = (q0 + q) * d, h = q * k;
    probeLists(state, Q, b, nprobe, ph, pr);
    for (let p = 0; p < nprobe; p++) {
      const l = pr[p];
      if (l < 0 || off[l] === off[l + 1]) continue;
      let base = 0;
      for (let j = 0; j < d; j++) {
        res[j] = l2 ? Q[b + j] - C[l * d + j] : Q[b + j];
        if (!l2) base -= Q[b + j] * C[l * d + j];
      }
      for (let s = 0; s < M; s++) {
        for (let c = 0; c < 256; c++) {
          const o = (s * 256 + c) * ds;
          let v = 0;
          for (let j = 0; j < ds; j++) {
            const r = res[s * ds + j], w = cb[o + j];
            v += l2 ? (r - w) * (r - w) : -r * w;
          }
          table[s * 256 + c] = v;
        }
      }
      let w = hk[h];
      for (let i = off[l]; i < off[l + 1]; i++) {
        const co = i * M;
        let v = base;
        for (let s = 0; s < M; s++) v += table[s * 256 + codes[co + s]];
        if (v < w) w = push(hk, hr, h, k, v, i);
      }
    }
  }
  return out;
}

/** For rows [start, end) of a.P (a.d columns), the nearest of a.nc centres a.C by the key above; Int32 labels. */
function nearest(state, a) {
  const P = a.P, d = a.d, C = a.C, nc = a.nc, coef = a.coef;
  const CA = new Float64Array(nc);
  if (coef === -2) for (let c = 0; c < nc; c++) { let s = 0; for (let j = 0; j < d; j++) s += C[c * d + j] * C[c * d + j]; CA[c] = s; }
  const out = new Int32Array(a.end - a.start);
  for (let i = a.start; i < a.end; i++) {
    const o = i * d;
    let best = Infinity, bc = 0;
    for (let c = 0; c < nc; c++) {
      const co = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += P[o + j] * C[co + j];
      const v = CA[c] + coef * s;
      if (v < best) { best = v; bc = c; }
    }
    out[i - a.start] = bc;
  }
  return out;
}

return { flat, flatWasm, ivf, ivfWasm, ivfpq, nearest };
`;
