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
 * ends with the γ the predictor ends with. The first update is in the main graph (from a
 * constant exp(E[log θ])); the rest are an ONNX `Loop` over the cap's remaining
 * iterations whose condition ends it once no row is running, so a request costs the
 * iterations its slowest row needs; rows that have stopped ride along unchanged. Each
 * update is dense over the vocabulary. (Gathering each row's non-zero words instead, to
 * the request's most distinct words, cut that work when the iterations were unrolled,
 * but its data-dependent width made onnxruntime's session creation grow with the square
 * of their number.)
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

  /** One update from exp(E[log θ]) (any shape broadcasting to [N, K]), in builder `b`: γ' [N, K]. */
  const update = (b: GraphBuilder, expTheta: string) => {
    const phinorm = b.op('Add', [b.op('MatMul', [expTheta, eb]), epsC]);
    const acc = b.op('MatMul', [b.op('Div', [x, phinorm]), ebT]);
    return b.op('Add', [alphaC, b.op('Mul', [expTheta, acc])]);
  };
  /** Whether a row's update changed γ by at least the tolerance on average: [N, 1] bool. */
  const moving = (b: GraphBuilder, next: string, prev: string) => {
    const change = b.op('ReduceSum', [b.op('Abs', [b.op('Sub', [next, prev])]), axis1], { keepdims: 1 });
    return b.op('Not', [b.op('Less', [b.op('Div', [change, kC]), tolC])]);
  };
  /** Whether any row is still running: a bool scalar (false for no rows). */
  const anyRunning = (b: GraphBuilder, running: string, out?: string) =>
    b.op('Greater', [b.op('ReduceSum', [b.op('Cast', [running], { to: DataType.DOUBLE })], { keepdims: 0 }), zeroC], undefined, out);

  // First iteration: every row starts at γ = 1, whose exp(E[log θ]) is one row of constants
  // (the native digamma's, so it is the predictor's to the bit) that broadcasts over the rows.
  const theta0 = Math.exp(digamma(1) - digamma(K));
  const zeroC = g.double('zero', [], [0]);
  const one = g.double('gamma_start', [1, K], new Array<number>(K).fill(1));
  const gamma1 = update(g, g.double('exp_elog_theta_start', [1, K], new Array<number>(K).fill(theta0)));
  const running1 = moving(g, gamma1, one);

  // The other iterations: a Loop whose body makes one update, kept only for rows still
  // running; it ends after the cap or once no row runs.
  const b = new GraphBuilder('body_');
  const sum = b.op('ReduceSum', ['gamma_in', axis1], { keepdims: 1 });
  const psi = digammaNodes(b, b.op('Concat', ['gamma_in', sum], { axis: 1 }));
  const [psiGamma, psiSum] = b.opMany('Split', [psi, split], [b.name('psi_gamma'), b.name('psi_sum')], { axis: 1 });
  const next = update(b, b.op('Exp', [b.op('Sub', [psiGamma, psiSum])]));
  const nextRunning = b.op('And', ['running_in', moving(b, next, 'gamma_in')], undefined, 'running_out');
  b.op('Where', ['running_in', next, 'gamma_in'], undefined, 'gamma_out');
  anyRunning(b, nextRunning, 'cond_out');
  const gammaSpec = (name: string) => ({ name, elemType: DataType.DOUBLE, shape: ['N', K] });
  const runningSpec = (name: string) => ({ name, elemType: DataType.BOOL, shape: ['N', 1] });
  const body = {
    name: 'e_step',
    inputs: [{ name: 'iteration', elemType: DataType.INT64, shape: [] }, { name: 'cond_in', elemType: DataType.BOOL, shape: [] }, gammaSpec('gamma_in'), runningSpec('running_in')],
    outputs: [{ name: 'cond_out', elemType: DataType.BOOL, shape: [] }, gammaSpec('gamma_out'), runningSpec('running_out')],
    nodes: b.nodes,
    initializers: b.initializers,
  };
  const iterations = g.int64('more_iterations', [], [maxIter - 1]);
  const [gamma] = g.opMany('Loop', [iterations, anyRunning(g, running1), gamma1, running1], ['gamma', 'running'], { body: { graph: body } });
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
