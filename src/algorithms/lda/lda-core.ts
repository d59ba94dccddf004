/**
 * Variational Bayes for latent Dirichlet allocation (Blei, Ng & Jordan 2003; the batch
 * and online updates of Hoffman, Blei & Bach 2010, as scikit-learn's
 * `LatentDirichletAllocation`). Topics are Dirichlet(λ_k) over words, documents
 * Dirichlet(γ_d) over topics. The E-step (`lda-kernels.ts`) fits each document's γ
 * against exp(E[log β]); the M-step sets λ = η + the expected counts.
 *
 * The E-step runs on a kernel pool: a pass's documents are split in contiguous ranges,
 * one per thread, each thread summing its own expected counts and bound, which the main
 * thread adds in thread order before the M-step. Every document's γ start is drawn by the
 * main thread before the E-step, in the order the documents are visited, so the topics do
 * not depend on the number of threads beyond the order of those sums.
 *
 * Ten passes from one random start end in whichever local optimum the start leads to
 * (held-out perplexity 688–742 over three seeds on the bench's corpus, scikit-learn's
 * 640–733), so `max_restarts` starts each get a short online fit on a sample
 * (`bestStart`) and the passes continue from the best.
 */
import { createKernelPool, instantiateKernels, splitRows, type KernelPool } from '../parallel/kernel-pool.js';
import { createRandom } from '../parallel/random.js';
import { LDA_KERNELS, type DocInference, type EStepArgs, type EStepState } from './lda-kernels.js';
import { digamma, gammaDraw, lgamma } from './lda-math.js';

/** Documents as word counts in compressed sparse row form. */
export interface Docs {
  rows: number;
  /** Vocabulary size. */
  dim: number;
  indptr: Int32Array;
  indices: Int32Array;
  counts: Float64Array;
}

/** exp(E[log β]) word-major (V × K) from λ (K × V, row-major), into `out` when given. */
export function expElogBetaT(lambda: Float64Array, K: number, V: number, out: Float64Array = new Float64Array(V * K)): Float64Array {
  for (let k = 0; k < K; k++) {
    let sum = 0;
    const row = k * V;
    for (let w = 0; w < V; w++) sum += lambda[row + w];
    const ds = digamma(sum);
    for (let w = 0; w < V; w++) out[w * K + k] = Math.exp(digamma(lambda[row + w]) - ds);
  }
  return out;
}

/**
 * `expElogBetaT` for the words `words[0..n)` only, the other rows of `out` left as they
 * were: the same values for those words (the same sums, in the same order). An online
 * update's E-step reads only its batch's words, and its M-step multiplies every other
 * word's weights by zero expected counts, so the rest need not be computed.
 */
export function expElogBetaWords(lambda: Float64Array, K: number, V: number, words: Int32Array, n: number, out: Float64Array): void {
  for (let k = 0; k < K; k++) {
    let sum = 0;
    const row = k * V;
    for (let w = 0; w < V; w++) sum += lambda[row + w];
    const ds = digamma(sum);
    for (let i = 0; i < n; i++) {
      const w = words[i];
      out[w * K + k] = Math.exp(digamma(lambda[row + w]) - ds);
    }
  }
}

/** The kernels on this thread, for inference outside a fit (the predictor, held-out bounds). */
const local = instantiateKernels(LDA_KERNELS) as unknown as { docInference(K: number, alpha: number): DocInference };

/** E[log p(β|η)] − E[log q(β|λ)]: the topics' part of the bound. */
export function topicBound(lambda: Float64Array, ebT: Float64Array, K: number, V: number, eta: number): number {
  let score = 0;
  const lgEta = lgamma(eta);
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let w = 0; w < V; w++) {
      const l = lambda[k * V + w];
      score += (eta - l) * Math.log(ebT[w * K + k]) + lgamma(l) - lgEta;
      sum += l;
    }
    score += lgamma(V * eta) - lgamma(sum);
  }
  return score;
}

/** λ = η + scale · (sstats ∘ exp(E[log β])), from word-major stats into topic-major λ. */
function mStep(sstatsT: Float64Array, ebT: Float64Array, K: number, V: number, eta: number, scale: number, out: Float64Array): void {
  for (let w = 0; w < V; w++) {
    const base = w * K;
    for (let k = 0; k < K; k++) out[k * V + w] = eta + scale * sstatsT[base + k] * ebT[base + k];
  }
}

export interface LdaFitOptions {
  numTopics: number;
  alpha: number;
  eta: number;
  miniBatchSize: number | null;
  maxRestarts: number;
  maxIterations: number;
  tol: number;
}

export interface LdaFit {
  /** K × V variational topic parameters (scikit-learn's `components_`). */
  lambda: Float64Array;
  passes: number;
  /** Training perplexity after each pass. */
  perplexities: number[];
  restart: number;
}

function totalWords(docs: Docs, rows?: ArrayLike<number>): number {
  let s = 0;
  if (!rows) for (let p = 0; p < docs.indptr[docs.rows]; p++) s += docs.counts[p];
  else for (let i = 0; i < rows.length; i++) for (let p = docs.indptr[rows[i]]; p < docs.indptr[rows[i] + 1]; p++) s += docs.counts[p];
  return s;
}

/** A random start for λ: Gamma(100, 1/100) draws, as scikit-learn's. */
function randomLambda(K: number, V: number, seed: number): Float64Array {
  const rng = createRandom(seed);
  const next = () => rng.next();
  const normal = () => rng.normal();
  const out = new Float64Array(K * V);
  for (let i = 0; i < out.length; i++) out[i] = gammaDraw(100, 0.01, next, normal);
  return out;
}

/** Documents in the restarts' sample at most, and documents per online update there. */
const RESTART_DOCS = 1000;
const RESTART_BATCH = 100;
/** Online passes over the sample each start gets before the starts are compared. */
const RESTART_PASSES = 3;
/**
 * The restarts' E-step stops a document sooner than scikit-learn's rule (20 inner
 * iterations or a mean change of 1e-2, against 100 and 1e-3): the starts only need
 * ranking. The passes over all documents, and inference, keep the full rule. On the
 * bench's corpus 10 iterations ranked the starts worse (held-out 642–648 over three seeds
 * against 616–642) for about a third less restart time.
 */
const RESTART_INNER = { maxIter: 20, tol: 1e-2 };

/** Documents a thread gets at least: below that, its messages cost more than its share saves. */
const MIN_DOCS_PER_THREAD = 32;
/** γ starts held at once at most (values): a pass draws them for this many documents at a time. */
const GAMMA_BLOCK_VALUES = 1 << 22;

/** Threads a fit of `rows` documents uses when `requested` are available. */
export function ldaThreads(rows: number, requested: number): number {
  return Math.max(1, Math.min(Math.floor(requested), Math.floor(rows / MIN_DOCS_PER_THREAD)));
}

function sharedF64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
}

function sharedCopy<T extends Int32Array | Float64Array>(a: T, shared: boolean): T {
  if (!shared || a.buffer instanceof SharedArrayBuffer) return a;
  const out = (a instanceof Int32Array ? new Int32Array(new SharedArrayBuffer(a.byteLength)) : new Float64Array(new SharedArrayBuffer(a.byteLength))) as T;
  out.set(a);
  return out;
}

/**
 * The E-step of a fit on a kernel pool: `run` fits positions of the pass, thread t adding
 * to its own slot of the expected counts and its own running bound; `stats` and `bound`
 * add the threads' parts in thread order; `reset` starts the next sums.
 */
class EStep {
  readonly state: EStepState;
  private readonly pool: KernelPool;
  private readonly threads: number;
  private readonly blockDocs: number;
  private readonly bounds: Float64Array;
  private readonly total: Float64Array | null;
  private readonly draw: () => number;

  constructor(docs: Docs, K: number, alpha: number, threads: number, seed: number) {
    const V = docs.dim;
    const shared = threads > 1;
    this.threads = threads;
    this.blockDocs = Math.min(docs.rows, Math.max(threads * MIN_DOCS_PER_THREAD, Math.floor(GAMMA_BLOCK_VALUES / K)));
    this.state = {
      K,
      V,
      alpha,
      indptr: sharedCopy(docs.indptr, shared),
      indices: sharedCopy(docs.indices, shared),
      counts: sharedCopy(docs.counts, shared),
      order: shared ? new Int32Array(new SharedArrayBuffer(docs.rows * 4)) : new Int32Array(docs.rows),
      ebT: sharedF64(V * K, shared),
      gamma0: sharedF64(this.blockDocs * K, shared),
      sstats: sharedF64(threads * V * K, shared),
    };
    this.pool = createKernelPool(LDA_KERNELS, threads, this.state);
    this.bounds = new Float64Array(threads);
    this.total = threads > 1 ? new Float64Array(V * K) : null;
    // Each pass starts every document afresh from Gamma(100, 1/100) draws, as scikit-learn
    // does: keeping γ from the previous pass converges faster but holds documents in the
    // first passes' assignments (a measurably worse optimum).
    const rng = createRandom(seed);
    const next = () => rng.next();
    const normal = () => rng.normal();
    this.draw = () => gammaDraw(100, 0.01, next, normal);
  }

  reset(): void {
    this.state.sstats.fill(0);
    this.bounds.fill(0);
  }

  /** Fits the documents at positions [from, to) (through `state.order` when `ordered`), γ starts drawn in position order. */
  async run(from: number, to: number, ordered: boolean, signal?: AbortSignal, inner?: { maxIter: number; tol: number }): Promise<void> {
    const { gamma0, K } = this.state;
    for (let base = from; base < to; base += this.blockDocs) {
      signal?.throwIfAborted();
      const end = Math.min(to, base + this.blockDocs);
      for (let i = 0, n = (end - base) * K; i < n; i++) gamma0[i] = this.draw();
      const parts = splitRows(end - base, ldaThreads(end - base, this.threads));
      const args: EStepArgs[] = parts.map((r, t) => ({ start: base + r.start, end: base + r.end, base, slot: t, bound: this.bounds[t], ordered, ...inner }));
      const bounds = await this.pool.run<number>('estep', args as unknown as Record<string, unknown>[]);
      bounds.forEach((b, t) => (this.bounds[t] = b));
    }
  }

  /** The expected counts (V × K) since `reset`, the threads' slots added in order. */
  stats(): Float64Array {
    const { sstats } = this.state;
    const total = this.total;
    if (!total) return sstats;
    const n = total.length;
    total.set(sstats.subarray(0, n));
    for (let t = 1; t < this.threads; t++) for (let i = 0, o = t * n; i < n; i++) total[i] += sstats[o + i];
    return total;
  }

  /** The documents' part of the bound since `reset`, the threads' parts added in order. */
  bound(): number {
    let b = 0;
    for (let t = 0; t < this.threads; t++) b += this.bounds[t];
    return b;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface LdaFitRun {
  seed: number;
  /** Threads of the E-step (a fit of few documents uses fewer, see `ldaThreads`). @default 1 */
  threads?: number;
  signal?: AbortSignal;
  onPass?: (pass: number, perplexity: number) => void;
}

/**
 * Online updates (Hoffman et al. 2010) over positions [0, n) of `state.order`, in
 * mini-batches of `S`: each batch's expected counts, scaled to a corpus of `N` documents,
 * move λ by ρ_t = (10 + t)^−0.7. The documents' bound adds up in `e` over the batches (the
 * caller resets it); returns t after the last update.
 */
async function onlineUpdates(e: EStep, lambda: Float64Array, next: Float64Array, eta: number, n: number, S: number, N: number, updates: number, signal?: AbortSignal, inner?: { maxIter: number; tol: number }): Promise<number> {
  const { K, V, ebT, indptr, indices, order } = e.state;
  // The batch's distinct words (`seen` holds the batch each word was last listed for).
  const seen = new Int32Array(V).fill(-1);
  const words = new Int32Array(V);
  for (let start = 0; start < n; start += S) {
    const end = Math.min(n, start + S);
    let m = 0;
    for (let p = start; p < end; p++) {
      const d = order[p];
      for (let q = indptr[d]; q < indptr[d + 1]; q++) {
        const w = indices[q];
        if (seen[w] !== start) {
          seen[w] = start;
          words[m++] = w;
        }
      }
    }
    if (m * 2 < V) expElogBetaWords(lambda, K, V, words, m, ebT);
    else expElogBetaT(lambda, K, V, ebT);
    // The expected counts are the batch's own; the bound runs on over the pass.
    e.state.sstats.fill(0);
    await e.run(start, end, true, signal, inner);
    mStep(e.stats(), ebT, K, V, eta, N / (end - start), next);
    const rho = Math.pow(10 + updates++, -0.7);
    for (let i = 0; i < lambda.length; i++) lambda[i] = (1 - rho) * lambda[i] + rho * next[i];
  }
  return updates;
}

/**
 * `max_restarts` random starts each get `RESTART_PASSES` online passes over the same
 * shuffled sample of up to `RESTART_DOCS` documents (mini-batches of `RESTART_BATCH`,
 * scaled to the corpus), and the start with the best bound after its last pass (the
 * documents' part scaled to the corpus, plus the topics') gives the starting λ. Which local
 * optimum a start falls into shows after a few dozen updates; one batch pass against the
 * random topics (the earlier rule) ranked starts hardly better than chance.
 */
async function bestStart(docs: Docs, o: LdaFitOptions, e: EStep, seed: number, signal?: AbortSignal): Promise<{ lambda: Float64Array; restart: number }> {
  const K = o.numTopics;
  const V = docs.dim;
  const N = docs.rows;
  if (o.maxRestarts <= 1) return { lambda: randomLambda(K, V, seed), restart: 0 };
  const perm = createRandom(seed ^ 0x5bd1e995);
  const order = e.state.order;
  for (let i = 0; i < N; i++) order[i] = i;
  for (let i = N - 1; i > 0; i--) {
    const j = perm.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const sample = Math.min(N, RESTART_DOCS);
  const ebT = e.state.ebT;
  const next = new Float64Array(K * V);
  let lambda: Float64Array | null = null;
  let best = -Infinity;
  let restart = 0;
  for (let r = 0; r < o.maxRestarts; r++) {
    signal?.throwIfAborted();
    const trial = randomLambda(K, V, seed + r * 7919);
    let updates = 0;
    for (let pass = 0; pass < RESTART_PASSES; pass++) {
      e.reset();
      updates = await onlineUpdates(e, trial, next, o.eta, sample, RESTART_BATCH, N, updates, signal, RESTART_INNER);
    }
    const bound = e.bound() * (N / sample) + topicBound(trial, expElogBetaT(trial, K, V, ebT), K, V, o.eta);
    if (lambda === null || bound > best) {
      best = bound;
      restart = r;
      lambda = trial;
    }
  }
  return { lambda: lambda!, restart };
}

/**
 * Fits topics to `docs` from the best of `max_restarts` starts (`bestStart`): batch
 * passes, or online updates of `miniBatchSize` documents (ρ_t = (10 + t)^−0.7), until the
 * relative change of the training perplexity is below `tol` or `maxIterations` passes.
 */
export async function fitLda(docs: Docs, o: LdaFitOptions, opts: LdaFitRun): Promise<LdaFit> {
  const e = new EStep(docs, o.numTopics, o.alpha, ldaThreads(docs.rows, opts.threads ?? 1), opts.seed + 2);
  try {
    return await fitPasses(docs, o, opts, e);
  } finally {
    await e.close();
  }
}

async function fitPasses(docs: Docs, o: LdaFitOptions, opts: LdaFitRun, e: EStep): Promise<LdaFit> {
  const K = o.numTopics;
  const V = docs.dim;
  const N = docs.rows;
  const words = totalWords(docs);
  const { lambda, restart } = await bestStart(docs, o, e, opts.seed, opts.signal);
  const perplexities: number[] = [];
  const online = o.miniBatchSize !== null && o.miniBatchSize < N;
  const rng = createRandom(opts.seed + 1);
  const order = e.state.order;
  for (let i = 0; i < N; i++) order[i] = i;
  const ebT = e.state.ebT;
  const next = new Float64Array(K * V);
  let updates = 0;
  let passes = 0;
  for (let pass = 1; pass <= o.maxIterations; pass++) {
    opts.signal?.throwIfAborted();
    e.reset();
    let bound: number;
    if (!online) {
      expElogBetaT(lambda, K, V, ebT);
      await e.run(0, N, false, opts.signal);
      // The bound of the λ the documents were fitted against, before the M-step replaces it.
      bound = e.bound() + topicBound(lambda, ebT, K, V, o.eta);
      mStep(e.stats(), ebT, K, V, o.eta, 1, lambda);
    } else {
      const S = o.miniBatchSize!;
      for (let i = N - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      updates = await onlineUpdates(e, lambda, next, o.eta, N, S, N, updates, opts.signal);
      // Documents were fitted against the topics as they moved; the topics' part is the pass's end.
      bound = e.bound() + topicBound(lambda, expElogBetaT(lambda, K, V, ebT), K, V, o.eta);
    }
    passes = pass;
    const perplexity = Math.exp(-bound / words);
    perplexities.push(perplexity);
    opts.onPass?.(pass, perplexity);
    const prev = perplexities[perplexities.length - 2];
    if (prev !== undefined && Math.abs(prev - perplexity) / prev < o.tol) break;
  }
  return { lambda, passes, perplexities, restart };
}

/**
 * Topic mixtures of documents against fitted topics: γ from a uniform start (as
 * scikit-learn's `transform`), normalised. Returns rows × K, and the held-out bound's
 * document part summed over the rows.
 */
export function inferMixtures(docs: Docs, ebT: Float64Array, K: number, alpha: number): { mixtures: Float64Array; bound: number } {
  const inf = local.docInference(K, alpha);
  const out = new Float64Array(docs.rows * K);
  let bound = 0;
  for (let d = 0; d < docs.rows; d++) {
    const gamma = out.subarray(d * K, d * K + K);
    gamma.fill(1);
    bound += inf.fit(ebT, docs.indices, docs.counts, docs.indptr[d], docs.indptr[d + 1], gamma, null);
    let s = 0;
    for (let k = 0; k < K; k++) s += gamma[k];
    for (let k = 0; k < K; k++) gamma[k] /= s;
  }
  return { mixtures: out, bound };
}

/**
 * Held-out perplexity as scikit-learn's `perplexity(X)`: exp(−bound / words), the bound
 * being the documents' part plus the topics' part.
 */
export function perplexity(docs: Docs, lambda: Float64Array, K: number, alpha: number, eta: number): number {
  const ebT = expElogBetaT(lambda, K, docs.dim);
  const { bound } = inferMixtures(docs, ebT, K, alpha);
  return Math.exp(-(bound + topicBound(lambda, ebT, K, docs.dim, eta)) / totalWords(docs));
}
