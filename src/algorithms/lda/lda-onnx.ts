/**
 * LDA model.json -> ONNX: each document's topic mixture, as the native predictor answers
 * it, in float64. Input `features` [N, feature_dim] word counts; output `topic_mixture`
 * [N, num_topics] float, γ normalised.
 *
 * exp(E[log β]) (V × K) is computed here from λ as the predictor computes it. The graph
 * then runs the predictor's E-step (`lda-kernels.ts`) on every row at once: γ starts at 1,
 * and each iteration computes
 *   exp(E[log θ]) = exp(ψ(γ) − ψ(Σγ)),  φnorm = exp(E[log θ]) · exp(E[log β])ᵀ + ε,
 *   γ' = α + exp(E[log θ]) ∘ ((counts / φnorm) · exp(E[log β])),
 * dense over the vocabulary (a zero count adds exactly nothing, as in the predictor, which
 * walks only a row's non-zero counts). A row stops after the first update whose mean
 * change of γ is below the kernel's tolerance, or after its iteration cap: each iteration
 * keeps the update only for rows still running (`Where` on a per-row flag), so every row
 * ends with the γ the predictor ends with. ONNX's `Loop` takes its body as a graph
 * attribute, which the builder does not write, so the iterations are unrolled; rows that
 * have stopped cost their share of the remaining iterations but do not change. A request
 * thus costs every iteration over the whole vocabulary. Gathering each row's non-zero
 * words instead (TopK to the request's most distinct words) cuts that work, but its
 * data-dependent width made onnxruntime's session creation grow with the square of the
 * unrolled iterations (seconds per load), so the graph stays dense.
 *
 * ONNX has no digamma: ψ(x) = ψ(x + 6) − Σ_{i<6} 1/(x + i) (the recurrence; γ and Σγ are
 * positive) with ψ(x + 6) by the asymptotic series the native digamma uses (Abramowitz &
 * Stegun 6.3.18). The native one shifts only up to 6; shifting always keeps the graph
 * free of branches and is at least as accurate (the series' truncation error at 6 is
 * about 1e-11).
 *
 * The predictor refuses missing or negative counts; the graph does not check them (a NaN
 * count gives that row NaN weights).
 */
import { DataType, GraphBuilder, INPUT, finiteArray, invalid, positiveInt, type ExportedGraph } from '../onnx-builder/index.js';
import { expElogBetaT } from './lda-core.js';
import { LDA_KERNELS } from './lda-kernels.js';
import { digamma } from './lda-math.js';

/** A numeric constant of the E-step kernel's source, so the graph follows the one copy of it. */
function kernelConstant(name: string): number {
  const m = new RegExp(`const ${name} = ([0-9.e+-]+);`).exec(LDA_KERNELS);
  const v = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(v)) throw new Error(`internal: the LDA E-step kernel has no numeric ${name}`);
  return v;
}

/** The E-step's stopping rule and φnorm's ε, as the predictor's kernel defines them. */
export function ldaInferenceConstants(): { maxIter: number; tol: number; eps: number } {
  return { maxIter: kernelConstant('DOC_MAX_ITER'), tol: kernelConstant('DOC_TOL'), eps: kernelConstant('EPS') };
}

/** A float64 scalar constant, added on first use. */
function scalar(g: GraphBuilder, name: string, value: number): string {
  return g.has(name) ? name : g.double(name, [], [value]);
}

/**
 * ψ of a float64 tensor [N, M] of positive values: the recurrence to x + 6, then the
 * asymptotic series. Answers the output's name.
 */
export function digammaNodes(g: GraphBuilder, x: string): string {
  const shifts = g.has('psi_shifts') ? 'psi_shifts' : g.double('psi_shifts', [6], [0, 1, 2, 3, 4, 5]);
  const axis2 = g.has('axis2') ? 'axis2' : g.int64('axis2', [1], [2]);
  // Σ_{i<6} 1/(x + i) over a trailing axis of the six shifts.
  const recurrence = g.op('ReduceSum', [g.op('Reciprocal', [g.op('Add', [g.op('Unsqueeze', [x, axis2]), shifts])]), axis2], { keepdims: 0 });
  const y = g.op('Add', [x, scalar(g, 'six', 6)]);
  const inv = g.op('Reciprocal', [y]);
  const f = g.op('Mul', [inv, inv]);
  // f (1/12 − f (1/120 − f (1/252 − f (1/240 − f/132)))), as the native digamma nests it.
  let series = g.op('Div', [f, scalar(g, 'c132', 132)]);
  for (const [name, c] of [
    ['c240', 1 / 240],
    ['c252', 1 / 252],
    ['c120', 1 / 120],
    ['c12', 1 / 12],
  ] as const) {
    series = g.op('Mul', [f, g.op('Sub', [scalar(g, name, c), series])]);
  }
  const halfInv = g.op('Mul', [inv, scalar(g, 'half', 0.5)]);
  return g.op('Sub', [g.op('Sub', [g.op('Sub', [g.op('Log', [y]), halfInv]), series]), recurrence]);
}

export function exportLda(doc: Record<string, unknown>): ExportedGraph {
  const K = positiveInt(doc, 'numTopics', 'LDA');
  const V = positiveInt(doc, 'featureDim', 'LDA');
  const { alpha, eta, lambda } = doc;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < Infinity) || typeof eta !== 'number' || !(eta > 0 && eta < Infinity)) invalid('LDA model has a bad alpha or eta');
  if (!finiteArray(lambda, K * V) || !lambda.every((v) => v > 0)) invalid('LDA model topics do not match numTopics × featureDim positive values');
  const { maxIter, tol, eps } = ldaInferenceConstants();

  const g = new GraphBuilder();
  const ebT = g.double('exp_elog_beta_t', [V, K], expElogBetaT(Float64Array.from(lambda), K, V));
  const eb = g.op('Transpose', [ebT], { perm: { ints: [1, 0] } }, 'exp_elog_beta');
  const axis1 = g.int64('axis1', [1], [1]);
  const split = g.int64('split_k_1', [2], [K, 1]);
  const alphaC = g.double('alpha', [], [alpha]);
  const epsC = g.double('eps', [], [eps]);
  const kC = g.double('num_topics', [], [K]);
  const tolC = g.double('tol', [], [tol]);
  const x = g.op('Cast', [INPUT], { to: DataType.DOUBLE }, 'counts');

  /** One update from exp(E[log θ]) (any shape broadcasting to [N, K]): γ' [N, K]. */
  const update = (expTheta: string) => {
    const phinorm = g.op('Add', [g.op('MatMul', [expTheta, eb]), epsC]);
    const acc = g.op('MatMul', [g.op('Div', [x, phinorm]), ebT]);
    return g.op('Add', [alphaC, g.op('Mul', [expTheta, acc])]);
  };
  /** Whether a row's update changed γ by at least the tolerance on average: [N, 1] bool. */
  const moving = (next: string, prev: string) => {
    const change = g.op('ReduceSum', [g.op('Abs', [g.op('Sub', [next, prev])]), axis1], { keepdims: 1 });
    return g.op('Not', [g.op('Less', [g.op('Div', [change, kC]), tolC])]);
  };

  // First iteration: every row starts at γ = 1, whose exp(E[log θ]) is one row of constants
  // (the native digamma's, so it is the predictor's to the bit) that broadcasts over the rows.
  const theta0 = Math.exp(digamma(1) - digamma(K));
  const one = g.double('gamma_start', [1, K], new Array<number>(K).fill(1));
  let gamma = update(g.double('exp_elog_theta_start', [1, K], new Array<number>(K).fill(theta0)));
  let running = moving(gamma, one);
  for (let it = 1; it < maxIter; it++) {
    const sum = g.op('ReduceSum', [gamma, axis1], { keepdims: 1 });
    const psi = digammaNodes(g, g.op('Concat', [gamma, sum], { axis: 1 }));
    const [psiGamma, psiSum] = g.opMany('Split', [psi, split], [g.name('psi_gamma'), g.name('psi_sum')], { axis: 1 });
    const next = update(g.op('Exp', [g.op('Sub', [psiGamma, psiSum])]));
    const nextRunning = g.op('And', [running, moving(next, gamma)]);
    gamma = g.op('Where', [running, next, gamma]);
    running = nextRunning;
  }
  const total = g.op('ReduceSum', [gamma, axis1], { keepdims: 1 });
  g.op('Cast', [g.op('Div', [gamma, total])], { to: DataType.FLOAT }, 'topic_mixture');
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    outputs: [{ name: 'topic_mixture', elemType: DataType.FLOAT, shape: ['N', K] }],
    numFeatures: V,
    metadata: { num_topics: String(K), feature_dim: String(V), doc_max_iterations: String(maxIter), doc_tolerance: String(tol) },
  };
}
