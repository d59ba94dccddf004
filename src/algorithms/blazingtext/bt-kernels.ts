/**
 * BlazingText's training kernels, run by every thread of a kernel pool over shared
 * weights without locks (Hogwild, Recht et al. 2011, as word2vec and fastText train):
 * each thread takes a contiguous part of the data and updates the rows it touches.
 *
 * Word2Vec (Mikolov et al. 2013) with negative sampling: `skipgram` predicts each context
 * word from the centre word's input vector (the mean of its rows: the word and, with
 * subwords, its character n-grams, as fastText); `cbow` predicts the centre from the
 * mean of the context's rows; `batch_skipgram` predicts the centre from each context
 * word with one set of negatives shared by the whole window (Ji et al. 2016's
 * mini-batching, which turns the updates into small matrix products on a GPU).
 * The step decays linearly to 0 over all epochs; frequent words are subsampled. Negatives
 * are drawn from Vose's alias table of count^0.75 (`unigram-alias.ts`). A negative
 * drawn equal to the word it is a negative for is skipped, not drawn again (word2vec.c and
 * gensim do so: a frequent target then gets fewer negatives, not more draws).
 *
 * Supervised (Joulin et al. 2017, fastText): a line's hidden vector is the mean of its
 * word and word n-gram rows, a softmax over the labels predicts one of its labels
 * (chosen at random when it has several), and the gradient flows back to each row
 * divided by their count.
 *
 * Sigmoid and log are read from tables over [-8, 8] as word2vec and fastText do.
 *
 * Word2Vec's pair updates run in WebAssembly SIMD (`bt-wasm.ts`) when the weights live in
 * a shared WebAssembly.Memory (`state.mem`): the JavaScript here still walks the corpus,
 * subsamples, draws the window, and hands each step's row and positive addresses to the
 * module, which draws skipgram's and cbow's negatives itself (the same xorshift32 state goes
 * in and comes back, so one generator gives the same draws in the same order either way;
 * batch_skipgram's, shared by a window, are drawn here and listed). Without it (no
 * wasm SIMD, or a dimension that is not a multiple of 4) the four-wide JavaScript below runs.
 * Both take all of a step's dot products before updating any of its targets (`pairStep`),
 * so they compute the same thing.
 */
export const BT_KERNELS = `
const SIG_N = 512, MAX_SIG = 8, LOG_N = 512;
const sigTable = new Float32Array(SIG_N + 1);
for (let i = 0; i <= SIG_N; i++) { const x = (i * 2 * MAX_SIG) / SIG_N - MAX_SIG; sigTable[i] = 1 / (1 + Math.exp(-x)); }
const logTable = new Float32Array(LOG_N + 1);
for (let i = 0; i <= LOG_N; i++) logTable[i] = Math.log((i + 1e-5) / LOG_N);
function sigmoid(x) { return x < -MAX_SIG ? 0 : x > MAX_SIG ? 1 : sigTable[((x + MAX_SIG) * (SIG_N / MAX_SIG / 2)) | 0]; }
function flog(x) { return x > 1 ? 0 : logTable[(x * LOG_N) | 0]; }
// u % n for a uint32 u and 0 < n < 2^31, the same value without the floating-point remainder
// V8 calls for operands past 2^31 (floor(u / n) is exact in doubles: u / n is never within 2^-53 of an integer it is not).
function umod(u, n) { return u - Math.floor(u / n) * n; }
// One negative from Vose's alias table (unigram-alias.ts) for a uint32 draw u (bt-wasm.ts draws the same way): the column is the high word of
// u·V (u's two halves times V, exact in doubles for V < 2^37), the coin its low word (Math.imul, exact).
function draw(u, prob, alias) {
  const V = prob.length;
  const j = Math.floor(((u >>> 16) * V + Math.floor(((u & 0xffff) * V) / 65536)) / 65536);
  return (Math.imul(u, V) >>> 0) < prob[j] ? j : alias[j];
}

// One step: the binary logistic losses of the input h against the nt output rows listed in tl (the positive
// word first, label 1, then the negatives, label 0). Every target's dot product is taken before any target
// is updated (as the WebAssembly step does: it blocks the dot products of several rows); then, in target
// order, g += a·y and y += a·h. Only a target listed twice in one step sees a difference from updating each
// in turn (its second dot product reads the row before the first update: a stale read of the kind Hogwild's
// threads already make). al holds the alphas between the two passes; returns the loss.
function pairStep(h, g, syn1, tl, nt, alpha, d, al) {
  let loss = 0;
  for (let j = 0; j < nt; j++) {
    const s = sigmoid(dot(h, 0, syn1, tl[j] * d, d));
    al[j] = alpha * ((j === 0 ? 1 : 0) - s);
    loss -= j === 0 ? flog(s) : flog(1 - s);
  }
  const d4 = d & ~3;
  for (let j = 0; j < nt; j++) {
    const a = al[j], o = tl[j] * d;
    let k = 0;
    for (; k < d4; k += 4) {
      const y0 = syn1[o + k], y1 = syn1[o + k + 1], y2 = syn1[o + k + 2], y3 = syn1[o + k + 3];
      g[k] += a * y0; g[k + 1] += a * y1; g[k + 2] += a * y2; g[k + 3] += a * y3;
      syn1[o + k] = y0 + a * h[k]; syn1[o + k + 1] = y1 + a * h[k + 1]; syn1[o + k + 2] = y2 + a * h[k + 2]; syn1[o + k + 3] = y3 + a * h[k + 3];
    }
    for (; k < d; k++) { const y = syn1[o + k]; g[k] += a * y; syn1[o + k] = y + a * h[k]; }
  }
  return loss;
}

// x[xo..] += a * y[yo..], four-wide.
function axpy(x, xo, y, yo, a, d) {
  const d4 = d & ~3;
  let k = 0;
  for (; k < d4; k += 4) {
    x[xo + k] += a * y[yo + k]; x[xo + k + 1] += a * y[yo + k + 1];
    x[xo + k + 2] += a * y[yo + k + 2]; x[xo + k + 3] += a * y[yo + k + 3];
  }
  for (; k < d; k++) x[xo + k] += a * y[yo + k];
}

function dot(x, xo, y, yo, d) {
  const d4 = d & ~3;
  let f0 = 0, f1 = 0, f2 = 0, f3 = 0, k = 0;
  for (; k < d4; k += 4) {
    f0 += x[xo + k] * y[yo + k]; f1 += x[xo + k + 1] * y[yo + k + 1];
    f2 += x[xo + k + 2] * y[yo + k + 2]; f3 += x[xo + k + 3] * y[yo + k + 3];
  }
  for (; k < d; k++) f0 += x[xo + k] * y[yo + k];
  return f0 + f1 + f2 + f3;
}

// The WebAssembly step (bt-wasm.ts) over state.mem, instantiated once per thread and memory.
let wasmMem = null, wasmStep = null;
function wasmKernel(state, scratch) {
  if (wasmMem !== state.mem) {
    wasmStep = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(state.wasm)), { env: { m: state.mem } }).exports.step;
    wasmMem = state.mem;
    new Float32Array(state.mem.buffer, state.layout.sig, SIG_N + 1).set(sigTable);
    new Float32Array(state.mem.buffer, state.layout.log, LOG_N + 1).set(logTable);
    new Uint32Array(state.mem.buffer, state.layout.prob, state.prob.length).set(state.prob);
    new Int32Array(state.mem.buffer, state.layout.alias, state.alias.length).set(state.alias);
  }
  const L = state.layout, db = state.dim * 4;
  const up16 = (n) => Math.ceil(n / 16) * 16;
  const rows = scratch + 2 * db, targets = rows + up16(L.rowsCap * 4), counts = targets + up16(L.targetsCap * 4), al = counts + up16(L.pairsCap * 4);
  const rng = al + up16(L.targetsCap * 4), I = new Int32Array(state.mem.buffer);
  // The draw block: the generator's state (written before each call that draws, read back after), V, the alias table, syn1.
  I[(rng >>> 2) + 1] = state.prob.length; I[(rng >>> 2) + 2] = L.prob; I[(rng >>> 2) + 3] = L.alias; I[(rng >>> 2) + 4] = L.syn1;
  return {
    step: wasmStep, db, h: scratch, g: scratch + db, rows, targets, counts, al, rng, sig: L.sig, log: L.log, syn0: L.syn0, syn1: L.syn1,
    I, ri: rows >>> 2, ti: targets >>> 2, ci: counts >>> 2, rgi: rng >>> 2,
  };
}

// One step in WebAssembly: the rows listed at W.ri (nr of them) against the targets at W.ti (nt); returns the loss.
function wasmPairs(W, nr, nt, lr) {
  W.I[W.ci] = nt;
  return W.step(W.rows, nr, W.targets, W.counts, lr, W.db, W.h, W.g, W.sig, W.log, 1, W.al, 0, W.rng);
}

// np steps in WebAssembly that draw their own neg negatives from the generator state r: the rows listed at W.ri
// (nr of them) against the positives at W.ti, neg + 1 slots apart. Returns the loss; the state moves on in W.I[W.rgi].
function wasmDrawn(W, nr, np, neg, r, lr) {
  W.I[W.rgi] = r;
  return W.step(W.rows, nr, W.targets, W.counts, lr, W.db, W.h, W.g, W.sig, W.log, np, W.al, neg, W.rng);
}

function w2v(state, a) {
  const d = state.dim, syn0 = state.syn0, syn1 = state.syn1, ids = state.ids, keep = state.keep, prob = state.prob, alias = state.alias;
  const subOff = state.subOff, subIds = state.subIds, mode = state.mode, neg = state.negative, window = state.window;
  const W = state.mem && a.scratch !== undefined ? wasmKernel(state, a.scratch) : null;
  let r = (a.seed >>> 0) || 1;
  const h = new Float32Array(d), g = new Float32Array(d);
  const sent = new Int32Array(1000);
  // One step's targets (the positive, then the negatives kept) and their alphas, for the JavaScript steps.
  const tl = new Int32Array(neg + 1), al = new Float64Array(neg + 1);
  let loss = 0, pairs = 0, done = 0;
  const total = a.totalWords * a.epochs, before = a.totalWords * a.epoch;
  let lr = a.lr;
  let p = a.start;
  while (p < a.end) {
    // One sentence (a line, or 1000 kept words) with frequent words subsampled.
    let n = 0;
    while (p < a.end && n < 1000) {
      const w = ids[p++];
      if (w < 0) { if (n > 0) break; else continue; }
      done++;
      r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
      if (keep[w] < 1 && keep[w] < (r >>> 0) / 4294967296) continue;
      sent[n++] = w;
    }
    lr = a.lr * Math.max(0.0001, 1 - (before + done * a.threads) / total);
    for (let i = 0; i < n; i++) {
      r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
      const b = 1 + umod(r >>> 0, window);
      const lo = i - b < 0 ? 0 : i - b, hi = i + b >= n ? n - 1 : i + b;
      if (mode === 1 && W) {
        const I = W.I, ri = W.ri, ti = W.ti, db = W.db;
        let nr = 0;
        for (let c = lo; c <= hi; c++) {
          if (c === i) continue;
          const w = sent[c];
          if (subOff) { for (let q = subOff[w]; q < subOff[w + 1]; q++) I[ri + nr++] = W.syn0 + subIds[q] * db; }
          else I[ri + nr++] = W.syn0 + w * db;
        }
        if (nr === 0) continue;
        I[ti] = W.syn1 + sent[i] * db;
        loss += wasmDrawn(W, nr, 1, neg, r, lr); pairs++;
        r = I[W.rgi];
      } else if (mode === 1) {
        // cbow: the mean of the context's rows predicts the centre.
        h.fill(0); let rows = 0;
        for (let c = lo; c <= hi; c++) {
          if (c === i) continue;
          const w = sent[c];
          if (subOff) { for (let q = subOff[w]; q < subOff[w + 1]; q++) { const o = subIds[q] * d; for (let k = 0; k < d; k++) h[k] += syn0[o + k]; rows++; } }
          else { const o = w * d; for (let k = 0; k < d; k++) h[k] += syn0[o + k]; rows++; }
        }
        if (rows === 0) continue;
        for (let k = 0; k < d; k++) h[k] /= rows;
        g.fill(0);
        tl[0] = sent[i];
        let nt = 1;
        for (let s = 0; s < neg; s++) {
          r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
          const t = draw(r >>> 0, prob, alias);
          if (t !== sent[i]) tl[nt++] = t;
        }
        loss += pairStep(h, g, syn1, tl, nt, lr, d, al); pairs++;
        for (let c = lo; c <= hi; c++) {
          if (c === i) continue;
          const w = sent[c];
          if (subOff) { for (let q = subOff[w]; q < subOff[w + 1]; q++) { const o = subIds[q] * d; for (let k = 0; k < d; k++) syn0[o + k] += g[k]; } }
          else { const o = w * d; for (let k = 0; k < d; k++) syn0[o + k] += g[k]; }
        }
      } else if (mode === 0 && W) {
        // skipgram: the whole window in one call, a step per context word (its target, the module drawing its negatives).
        const I = W.I, ri = W.ri, ti = W.ti, db = W.db;
        const w = sent[i];
        let nr = 0;
        if (subOff) { for (let q = subOff[w]; q < subOff[w + 1]; q++) I[ri + nr++] = W.syn0 + subIds[q] * db; }
        else I[ri + nr++] = W.syn0 + w * db;
        let np = 0;
        for (let c = lo; c <= hi; c++) if (c !== i) I[ti + np++ * (neg + 1)] = W.syn1 + sent[c] * db;
        if (np > 0) { loss += wasmDrawn(W, nr, np, neg, r, lr); pairs += np; r = I[W.rgi]; }
      } else if (mode === 0) {
        // skipgram: the centre's input vector predicts each context word.
        const w = sent[i];
        const s0 = subOff ? subOff[w] : 0, s1 = subOff ? subOff[w + 1] : 1;
        for (let c = lo; c <= hi; c++) {
          if (c === i) continue;
          h.fill(0);
          for (let q = s0; q < s1; q++) { const o = (subOff ? subIds[q] : w) * d; for (let k = 0; k < d; k++) h[k] += syn0[o + k]; }
          if (s1 - s0 > 1) { const inv = 1 / (s1 - s0); for (let k = 0; k < d; k++) h[k] *= inv; }
          g.fill(0);
          tl[0] = sent[c];
          let nt = 1;
          for (let s = 0; s < neg; s++) {
            r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
            const t = draw(r >>> 0, prob, alias);
            if (t !== sent[c]) tl[nt++] = t;
          }
          loss += pairStep(h, g, syn1, tl, nt, lr, d, al); pairs++;
          for (let q = s0; q < s1; q++) { const o = (subOff ? subIds[q] : w) * d; for (let k = 0; k < d; k++) syn0[o + k] += g[k]; }
        }
      } else {
        // batch_skipgram: each context word predicts the centre against negatives shared by the window.
        const target = sent[i];
        tl[0] = target;
        let nt = 1;
        for (let s = 0; s < neg; s++) {
          r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
          const t = draw(r >>> 0, prob, alias);
          if (t !== target) tl[nt++] = t;
        }
        if (W) {
          const I = W.I, ri = W.ri, ti = W.ti, db = W.db;
          for (let s = 0; s < nt; s++) I[ti + s] = W.syn1 + tl[s] * db;
          for (let c = lo; c <= hi; c++) {
            if (c === i) continue;
            I[ri] = W.syn0 + sent[c] * db;
            loss += wasmPairs(W, 1, nt, lr); pairs++;
          }
          continue;
        }
        for (let c = lo; c <= hi; c++) {
          if (c === i) continue;
          const o = sent[c] * d;
          for (let k = 0; k < d; k++) h[k] = syn0[o + k];
          g.fill(0);
          loss += pairStep(h, g, syn1, tl, nt, lr, d, al); pairs++;
          for (let k = 0; k < d; k++) syn0[o + k] += g[k];
        }
      }
    }
  }
  return { loss, pairs, lr };
}

function sup(state, a) {
  const d = state.dim, win = state.win, wout = state.wout, L = state.numLabels;
  const inOff = state.inOff, inIds = state.inIds, labOff = state.labOff, labIds = state.labIds;
  let r = (a.seed >>> 0) || 1;
  const h = new Float32Array(d), g = new Float32Array(d), z = new Float32Array(L);
  let loss = 0, examples = 0;
  const total = a.totalLines * a.epochs, before = a.totalLines * a.epoch;
  let lr = a.lr;
  for (let l = a.start; l < a.end; l++) {
    const i0 = inOff[l], i1 = inOff[l + 1], l0 = labOff[l], l1 = labOff[l + 1];
    if (i1 === i0 || l1 === l0) continue;
    if (((l - a.start) & 63) === 0) lr = a.lr * Math.max(0, 1 - (before + (l - a.start) * a.threads) / total);
    r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
    const target = labIds[l0 + ((r >>> 0) % (l1 - l0))];
    h.fill(0);
    for (let q = i0; q < i1; q++) axpy(h, 0, win, inIds[q] * d, 1, d);
    const inv = 1 / (i1 - i0);
    for (let k = 0; k < d; k++) h[k] *= inv;
    let max = -Infinity;
    for (let j = 0; j < L; j++) { const f = dot(h, 0, wout, j * d, d); z[j] = f; if (f > max) max = f; }
    let sum = 0;
    for (let j = 0; j < L; j++) { z[j] = Math.exp(z[j] - max); sum += z[j]; }
    g.fill(0);
    for (let j = 0; j < L; j++) {
      const pj = z[j] / sum;
      const alpha = lr * ((j === target ? 1 : 0) - pj);
      axpy(g, 0, wout, j * d, alpha, d);
      axpy(wout, j * d, h, 0, alpha, d);
    }
    loss -= Math.log(Math.max(z[target] / sum, 1e-10));
    examples++;
    for (let k = 0; k < d; k++) g[k] *= inv;
    for (let q = i0; q < i1; q++) axpy(win, inIds[q] * d, g, 0, 1, d);
  }
  return { loss, examples };
}

// Counts of n negatives drawn from seed as w2v draws them (the tests check their distribution).
function negatives(state, a) {
  const prob = state.prob, alias = state.alias, counts = new Float64Array(prob.length);
  let r = (a.seed >>> 0) || 1;
  for (let i = 0; i < a.n; i++) { r ^= r << 13; r ^= r >>> 17; r ^= r << 5; counts[draw(r >>> 0, prob, alias)]++; }
  return counts;
}

return { w2v, sup, negatives };
`;
