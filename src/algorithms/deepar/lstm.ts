/**
 * A stacked LSTM over Float64Arrays: forward through a sequence (keeping what the backward
 * pass needs), backpropagation through time, and a one-step forward for sampling.
 *
 * Written here rather than through TensorFlow.js: at DeepAR's sizes (40 cells, 2 layers,
 * batch 32, 56 steps) a step forward and backward took 186 ms on tfjs's WASM backend and
 * 910 ms on its CPU backend against a fraction of that here (docs/algorithms/deepar.md),
 * and tfjs has no log-gamma for the Student-t and negative-binomial likelihoods.
 *
 * Cell (Hochreiter & Schmidhuber 1997, with a forget gate; gate order i, f, g, o):
 *   [i f g o] = [x, h_prev] W + b;  c = σ(f) c_prev + σ(i) tanh(g);  h = σ(o) tanh(c).
 * Dropout (inverted) is applied to each layer's output h before the next layer reads it,
 * never on the recurrent path.
 */

/** Where one layer's weights live inside the model's flat parameter vector. */
export interface LstmLayerShape {
  input: number;
  hidden: number;
  /** Offset of W ((input + hidden) × 4·hidden, row-major), then b (4·hidden). */
  offset: number;
}

export interface LstmShape {
  layers: LstmLayerShape[];
  /** Parameters the LSTM takes from the flat vector. */
  size: number;
}

export function lstmShape(input: number, hidden: number, numLayers: number, offset: number): LstmShape {
  const layers: LstmLayerShape[] = [];
  let at = offset;
  let inSize = input;
  for (let l = 0; l < numLayers; l++) {
    layers.push({ input: inSize, hidden, offset: at });
    at += (inSize + hidden) * 4 * hidden + 4 * hidden;
    inSize = hidden;
  }
  return { layers, size: at - offset };
}

/** Glorot-uniform weights, zero biases but a forget-gate bias of 1 (Jozefowicz et al. 2015). */
export function initLstm(shape: LstmShape, params: Float64Array, uniform: () => number): void {
  for (const layer of shape.layers) {
    const h = layer.hidden;
    const rows = layer.input + h;
    const limit = Math.sqrt(6 / (rows + 4 * h));
    for (let k = 0; k < rows * 4 * h; k++) params[layer.offset + k] = (uniform() * 2 - 1) * limit;
    const b = layer.offset + rows * 4 * h;
    for (let j = 0; j < 4 * h; j++) params[b + j] = j >= h && j < 2 * h ? 1 : 0;
  }
}

/** The recurrent state of every layer for a batch: h and c, [layer][batch × hidden]. */
export interface LstmState {
  h: Float64Array[];
  c: Float64Array[];
}

export function zeroState(shape: LstmShape, batch: number): LstmState {
  return {
    h: shape.layers.map((l) => new Float64Array(batch * l.hidden)),
    c: shape.layers.map((l) => new Float64Array(batch * l.hidden)),
  };
}

/** What the forward pass keeps per layer for the backward pass. */
interface LayerTape {
  /** [x, h_prev] per step and row: T × B × (input + hidden). */
  z: Float64Array;
  /** σ(i), σ(f), tanh(g), σ(o): T × B × 4·hidden. */
  gates: Float64Array;
  /** c_prev and tanh(c): T × B × hidden. */
  cPrev: Float64Array;
  tanhC: Float64Array;
  /** Dropout multipliers on the output (0 or 1/(1-p)), or null without dropout. */
  mask: Float64Array | null;
}

export interface LstmTape {
  steps: number;
  batch: number;
  layers: LayerTape[];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** out (rows × n) += a (rows × k) · w (k × n, row-major at `wOff`); zero entries of a skipped. */
function matMulAdd(a: Float64Array, w: Float64Array, wOff: number, out: Float64Array, rows: number, k: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const ar = r * k;
    const or = r * n;
    for (let i = 0; i < k; i++) {
      const v = a[ar + i];
      if (v === 0) continue;
      const wr = wOff + i * n;
      for (let j = 0; j < n; j++) out[or + j] += v * w[wr + j];
    }
  }
}

/**
 * Runs the LSTM over `steps` steps of `x` (T × B × input) from `state` (updated in place)
 * and returns the top layer's outputs (T × B × hidden), dropout applied. With `tape`
 * true, everything the backward pass needs is kept and returned.
 */
export function lstmForward(
  shape: LstmShape,
  params: Float64Array,
  x: Float64Array,
  steps: number,
  batch: number,
  state: LstmState,
  opts: { tape?: boolean; dropout?: number; uniform?: () => number } = {},
): { out: Float64Array; tape: LstmTape | null } {
  const dropout = opts.dropout ?? 0;
  const tapes: LayerTape[] = [];
  let input = x;
  for (let l = 0; l < shape.layers.length; l++) {
    const { input: I, hidden: H, offset } = shape.layers[l];
    const K = I + H;
    const G = 4 * H;
    const bOff = offset + K * G;
    const out = new Float64Array(steps * batch * H);
    const keep = opts.tape;
    const tape: LayerTape | null = keep
      ? {
          z: new Float64Array(steps * batch * K),
          gates: new Float64Array(steps * batch * G),
          cPrev: new Float64Array(steps * batch * H),
          tanhC: new Float64Array(steps * batch * H),
          mask: dropout > 0 ? new Float64Array(steps * batch * H) : null,
        }
      : null;
    const h = state.h[l];
    const c = state.c[l];
    const z = new Float64Array(batch * K);
    const pre = new Float64Array(batch * G);
    for (let t = 0; t < steps; t++) {
      // Pre-activations of the whole batch: [x, h_prev] (B × K) times W (K × G), plus b.
      for (let b = 0; b < batch; b++) {
        const xi = (t * batch + b) * I;
        for (let k = 0; k < I; k++) z[b * K + k] = input[xi + k];
        for (let k = 0; k < H; k++) z[b * K + I + k] = h[b * H + k];
        for (let j = 0; j < G; j++) pre[b * G + j] = params[bOff + j];
      }
      matMulAdd(z, params, offset, pre, batch, K, G);
      if (tape) tape.z.set(z, t * batch * K);
      for (let b = 0; b < batch; b++) {
        const tb = t * batch + b;
        const pb = b * G;
        for (let k = 0; k < H; k++) {
          const ig = sigmoid(pre[pb + k]);
          const fg = sigmoid(pre[pb + H + k]);
          const gg = Math.tanh(pre[pb + 2 * H + k]);
          const og = sigmoid(pre[pb + 3 * H + k]);
          const cp = c[b * H + k];
          const cn = fg * cp + ig * gg;
          const tc = Math.tanh(cn);
          const hn = og * tc;
          c[b * H + k] = cn;
          h[b * H + k] = hn;
          let o = hn;
          if (dropout > 0) {
            const m = opts.uniform!() < dropout ? 0 : 1 / (1 - dropout);
            if (tape) tape.mask![tb * H + k] = m;
            o *= m;
          }
          out[tb * H + k] = o;
          if (tape) {
            const gi = tb * G;
            tape.gates[gi + k] = ig;
            tape.gates[gi + H + k] = fg;
            tape.gates[gi + 2 * H + k] = gg;
            tape.gates[gi + 3 * H + k] = og;
            tape.cPrev[tb * H + k] = cp;
            tape.tanhC[tb * H + k] = tc;
          }
        }
      }
    }
    if (tape) tapes.push(tape);
    input = out;
  }
  return { out: input, tape: opts.tape ? { steps, batch, layers: tapes } : null };
}

/**
 * Backpropagation through time from the gradient of the loss with respect to the top
 * outputs (T × B × hidden). Adds the parameters' gradients into `grad` (same layout as
 * `params`) and returns the gradient with respect to the input x (T × B × input). The
 * initial state is taken as a constant.
 */
export function lstmBackward(shape: LstmShape, params: Float64Array, tape: LstmTape, dOut: Float64Array, grad: Float64Array): Float64Array {
  const { steps, batch } = tape;
  let dAbove = dOut;
  for (let l = shape.layers.length - 1; l >= 0; l--) {
    const { input: I, hidden: H, offset } = shape.layers[l];
    const K = I + H;
    const G = 4 * H;
    const bOff = offset + K * G;
    const lt = tape.layers[l];
    const dx = new Float64Array(steps * batch * I);
    const dhNext = new Float64Array(batch * H);
    const dcNext = new Float64Array(batch * H);
    const dpre = new Float64Array(batch * G);
    const dz = new Float64Array(batch * K);
    for (let t = steps - 1; t >= 0; t--) {
      for (let b = 0; b < batch; b++) {
        const tb = t * batch + b;
        const gi = tb * G;
        const pb = b * G;
        for (let k = 0; k < H; k++) {
          let dh = dAbove[tb * H + k];
          if (lt.mask) dh *= lt.mask[tb * H + k];
          dh += dhNext[b * H + k];
          const ig = lt.gates[gi + k];
          const fg = lt.gates[gi + H + k];
          const gg = lt.gates[gi + 2 * H + k];
          const og = lt.gates[gi + 3 * H + k];
          const tc = lt.tanhC[tb * H + k];
          const dc = dh * og * (1 - tc * tc) + dcNext[b * H + k];
          dpre[pb + k] = dc * gg * ig * (1 - ig);
          dpre[pb + H + k] = dc * lt.cPrev[tb * H + k] * fg * (1 - fg);
          dpre[pb + 2 * H + k] = dc * ig * (1 - gg * gg);
          dpre[pb + 3 * H + k] = dh * tc * og * (1 - og);
          dcNext[b * H + k] = dc * fg;
        }
        for (let j = 0; j < G; j++) grad[bOff + j] += dpre[pb + j];
      }
      const zt = t * batch * K;
      // dW += zᵀ dpre; dz = dpre Wᵀ.
      for (let b = 0; b < batch; b++) {
        const pb = b * G;
        const zb = zt + b * K;
        for (let k = 0; k < K; k++) {
          const v = lt.z[zb + k];
          const row = offset + k * G;
          let s = 0;
          if (v !== 0) {
            for (let j = 0; j < G; j++) {
              const d = dpre[pb + j];
              grad[row + j] += v * d;
              s += params[row + j] * d;
            }
          } else {
            for (let j = 0; j < G; j++) s += params[row + j] * dpre[pb + j];
          }
          dz[b * K + k] = s;
        }
      }
      for (let b = 0; b < batch; b++) {
        const tb = t * batch + b;
        for (let k = 0; k < I; k++) dx[tb * I + k] = dz[b * K + k];
        for (let k = 0; k < H; k++) dhNext[b * H + k] = dz[b * K + I + k];
      }
    }
    dAbove = dx;
  }
  return dAbove;
}
