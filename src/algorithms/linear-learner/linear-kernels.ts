/**
 * Mini-batch training kernels for the linear learner. Each thread owns a subset of the
 * parallel models and trains them over the same shared, already normalised rows:
 * `state.X` (row-major Float32Array, `state.d` columns), `state.Y` (targets), and
 * optionally the validation rows `state.XV`, `state.YV`.
 *
 * Parameters per model: `out` rows of d weights followed by a bias, flat. Losses:
 * logistic (labels 0/1), hinge_loss (labels 0/1 as −1/+1), squared_loss (½r²),
 * absolute_loss, softmax_loss (labels 0 … out−1). Optimisers: plain SGD, or Adam
 * (Kingma & Ba 2015, Algorithm 1, with bias correction). L2 (`wd`) enters the gradient;
 * L1 is a proximal soft-threshold after each step (Duchi & Singer 2009, FOBOS).
 */

export interface ModelInit {
  id: number;
  learningRate: number;
  wd: number;
  l1: number;
}

export interface EpochResult {
  id: number;
  /** Mean training loss over the epoch (weights moving as it runs). */
  loss: number;
  /** Parameters at the end of the epoch. */
  params: Float64Array;
  /** Root mean square over the epoch's batches of the mini-batch gradient's L2 norm (L2 penalty included). */
  gradNorm: number;
}

export const LINEAR_KERNELS = `
const EPS = 1e-8;

function init(state, a) {
  state.models = state.models || {};
  const P = state.out * (state.d + 1);
  for (const m of a.models) {
    state.models[m.id] = { cfg: m, w: new Float64Array(P), g: new Float64Array(P), m1: new Float64Array(P), m2: new Float64Array(P), t: 0 };
  }
  return true;
}

// Adds the loss gradient of row o (target y) to g (unless null) for a single-output model; returns the loss.
function rowSingle(X, o, d, y, w, g, kind, pw, withLoss) {
  // Four partial sums: one running sum would make every add wait for the previous one.
  let z0 = w[d], z1 = 0, z2 = 0, z3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    z0 += w[j] * X[o + j]; z1 += w[j + 1] * X[o + j + 1];
    z2 += w[j + 2] * X[o + j + 2]; z3 += w[j + 3] * X[o + j + 3];
  }
  for (; j < d; j++) z0 += w[j] * X[o + j];
  const z = (z0 + z1) + (z2 + z3);
  let gr, loss;
  if (kind === 0) { // logistic: one exp and one log1p per row, stable for any z
    const e = Math.exp(-Math.abs(z));
    const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    const wt = y > 0.5 ? pw : 1;
    gr = wt * (p - y);
    loss = withLoss ? wt * (Math.log1p(e) + (z > 0 ? z : 0) - y * z) : 0;
  } else if (kind === 1) { // hinge
    const s = y > 0.5 ? 1 : -1, wt = y > 0.5 ? pw : 1, m = s * z;
    if (m < 1) { gr = -s * wt; loss = wt * (1 - m); } else { gr = 0; loss = 0; }
  } else if (kind === 2) { // squared
    const r = z - y; gr = r; loss = 0.5 * r * r;
  } else { // absolute
    const r = z - y; gr = r > 0 ? 1 : r < 0 ? -1 : 0; loss = Math.abs(r);
  }
  if (gr !== 0 && g !== null) {
    for (let j = 0; j < d; j++) g[j] += gr * X[o + j];
    g[d] += gr;
  }
  return loss;
}

// Softmax cross-entropy for one row; z and p are scratch arrays of length out.
function rowSoftmax(X, o, d, y, w, g, out, z, p) {
  const stride = d + 1;
  let zmax = -Infinity;
  for (let c = 0; c < out; c++) {
    const wo = c * stride;
    let s = w[wo + d];
    for (let j = 0; j < d; j++) s += w[wo + j] * X[o + j];
    z[c] = s;
    if (s > zmax) zmax = s;
  }
  let sum = 0;
  for (let c = 0; c < out; c++) { p[c] = Math.exp(z[c] - zmax); sum += p[c]; }
  const yc = y | 0;
  for (let c = 0; c < out && g !== null; c++) {
    const gr = p[c] / sum - (c === yc ? 1 : 0);
    const wo = c * stride;
    for (let j = 0; j < d; j++) g[wo + j] += gr * X[o + j];
    g[wo + d] += gr;
  }
  return Math.log(sum) - (z[yc] - zmax);
}

// Applies one optimiser step from the accumulated gradient g; returns the squared norm of the mean gradient.
function step(M, n, d, out, optimizer, b1, b2) {
  const w = M.w, g = M.g, cfg = M.cfg, lr = cfg.learningRate, wd = cfg.wd, l1 = cfg.l1;
  const stride = d + 1, P = w.length;
  M.t++;
  const c1 = 1 - Math.pow(b1, M.t), c2 = 1 - Math.pow(b2, M.t);
  let g2 = 0;
  for (let k = 0; k < P; k++) {
    const isBias = k % stride === d;
    let gk = g[k] / n;
    if (!isBias) gk += wd * w[k];
    g2 += gk * gk;
    if (optimizer === 1) {
      M.m1[k] = b1 * M.m1[k] + (1 - b1) * gk;
      M.m2[k] = b2 * M.m2[k] + (1 - b2) * gk * gk;
      w[k] -= lr * (M.m1[k] / c1) / (Math.sqrt(M.m2[k] / c2) + EPS);
    } else {
      w[k] -= lr * gk;
    }
    if (l1 > 0 && !isBias) {
      const t = lr * l1, v = w[k];
      w[k] = v > t ? v - t : v < -t ? v + t : 0;
    }
    g[k] = 0;
  }
  return g2;
}

// One epoch over the batches in a.order (batch indices) for the models a.ids.
// Batches are the outer loop so that a batch's rows stay in cache across models.
function epoch(state, a) {
  const X = state.X, Y = state.Y, d = state.d, out = state.out, kind = state.kind, pw = state.posWeight;
  const rows = state.rows, B = a.batch, order = a.order, ids = a.ids;
  const models = ids.map((id) => state.models[id]);
  const losses = new Float64Array(ids.length);
  const grads = new Float64Array(ids.length);
  const z = new Float64Array(out), p = new Float64Array(out);
  let lossRows = 0;
  for (let bi = 0; bi < order.length; bi++) {
    const start = order[bi] * B, end = Math.min(rows, start + B);
    // The training loss is measured on a fixed quarter of the batches (the same rows every
    // epoch, so epochs and models compare on paired rows): the log is the costliest part
    // of a row, and the loss only steers early stopping and model selection.
    const withLoss = kind === 4 || order.length < 8 || order[bi] % 4 === 0;
    if (withLoss) lossRows += end - start;
    for (let mi = 0; mi < models.length; mi++) {
      const M = models[mi], w = M.w, g = M.g;
      let loss = 0;
      if (kind === 4) for (let i = start; i < end; i++) loss += rowSoftmax(X, i * d, d, Y[i], w, g, out, z, p);
      else for (let i = start; i < end; i++) loss += rowSingle(X, i * d, d, Y[i], w, g, kind, pw, withLoss);
      losses[mi] += loss;
      grads[mi] += step(M, end - start, d, out, a.optimizer, a.beta1, a.beta2);
    }
  }
  return ids.map((id, mi) => ({ id, loss: losses[mi] / lossRows, params: state.models[id].w.slice(), gradNorm: Math.sqrt(grads[mi] / order.length) }));
}

// Mean loss of each model a.ids on the validation rows.
function evaluate(state, a) {
  const X = state.XV, Y = state.YV, d = state.d, out = state.out, kind = state.kind, pw = state.posWeight, rows = state.vrows;
  const z = new Float64Array(out), p = new Float64Array(out);
  return a.ids.map((id) => {
    const w = state.models[id].w, g = null;
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      loss += kind === 4 ? rowSoftmax(X, i * d, d, Y[i], w, g, out, z, p) : rowSingle(X, i * d, d, Y[i], w, g, kind, pw, true);
    }
    return loss / rows;
  });
}

return { init, epoch, evaluate };
`;

/** Kernel codes of the losses. */
export const LOSS_KIND = { logistic: 0, hinge_loss: 1, squared_loss: 2, absolute_loss: 3, softmax_loss: 4 } as const;
