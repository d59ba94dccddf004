/**
 * Growing one regression tree on histograms, depth-wise (XGBoost's `grow_policy=depthwise`).
 *
 * Per level: find every node's best split from its histogram; partition the rows of the
 * nodes that split (all threads, each on its own segment of every node, see kernels.ts);
 * build the histogram of the smaller child only and derive its sibling as parent − child
 * (the subtraction trick).
 */
import { binCount, type BinMatrix, type Cuts, MISSING_BIN } from './binning.js';
import { WorkerPool } from './worker-pool.js';

/** A grown tree, as flat arrays indexed by node id (root 0). Leaves have feature -1. */
export interface Tree {
  feature: Int32Array;
  /** Go left when x < threshold; NaN follows defaultLeft. */
  threshold: Float32Array;
  /** The same test on bins: bin <= splitBin goes left. */
  splitBin: Int32Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf value (eta applied), 0 for inner nodes. */
  value: Float32Array;
  /** Loss reduction of the split (inner nodes). */
  gain: Float32Array;
  /** Hessian sum of the node. */
  cover: Float32Array;
}

export interface GrowParams {
  eta: number;
  maxDepth: number;
  minChildWeight: number;
  lambda: number;
  alpha: number;
  gamma: number;
}

interface Node {
  id: number;
  /** Per thread t: its rows are positions [seg[2t], seg[2t+1]) of buffer `buf`. */
  seg: number[];
  /** Buffer of the rows: 0 (`rowIdx`), 1 or 2 (see kernels.ts). */
  buf: number;
  /** Rows in all segments. */
  count: number;
  G: number;
  H: number;
  hist: Float64Array | null;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  GL: number;
  HL: number;
}

/** L1 soft-thresholding of the gradient sum (XGBoost's ThresholdL1). */
function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/**
 * Structure score of a node, G²/(H+λ) with L1 via soft-thresholding. The split gain is
 * score(L) + score(R) − score(parent) (Chen & Guestrin 2016, eq. 7, without the factor ½
 * and with γ compared separately, as XGBoost's implementation does).
 */
function score(g: number, h: number, lambda: number, alpha: number): number {
  const t = alpha > 0 ? thresholdL1(g, alpha) : g;
  return (t * t) / (h + lambda);
}

/** Optimal leaf weight −T(G)/(H+λ) (eq. 5 with L1). */
export function leafWeight(g: number, h: number, lambda: number, alpha: number): number {
  const d = h + lambda;
  return d > 0 ? -thresholdL1(g, alpha) / d : 0;
}

/** Node arrays of the tree being grown. */
class NodeList {
  feature: number[] = [];
  splitBin: number[] = [];
  threshold: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  gain: number[] = [];
  cover: number[] = [];

  /** Adds a leaf; returns its id. */
  add(): number {
    this.feature.push(-1);
    this.splitBin.push(0);
    this.threshold.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.gain.push(0);
    this.cover.push(0);
    return this.feature.length - 1;
  }

  setSplit(id: number, split: Split, threshold: number, left: number, right: number): void {
    this.feature[id] = split.feature;
    this.splitBin[id] = split.bin;
    this.threshold[id] = threshold;
    this.defaultLeft[id] = split.defaultLeft ? 1 : 0;
    this.left[id] = left;
    this.right[id] = right;
    this.gain[id] = split.gain;
  }

  toTree(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      splitBin: Int32Array.from(this.splitBin),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float32Array.from(this.value),
      gain: Float32Array.from(this.gain),
      cover: Float32Array.from(this.cover),
    };
  }
}

/** Shared state of the tree builder, reused across trees. */
export class TreeGrower {
  private readonly T: number;
  private readonly histSize: number;
  private readonly rows1: Uint32Array;
  private readonly rows2: Uint32Array;
  private readonly tasks: Int32Array;
  private readonly counts: Int32Array;
  private scratch: Float64Array;
  private slots: number;
  private readonly nbins: Int32Array;
  private readonly leafValues: Float32Array;
  private freeHists: Float64Array[] = [];
  /** Whether the histogram kernel runs in wasm (all its arrays are in the pool's heap). */
  private readonly wasm: boolean;
  /** Whether the partition kernel runs in wasm. */
  private readonly wasmPart: boolean;

  constructor(
    private readonly pool: WorkerPool,
    private readonly bins: BinMatrix,
    private readonly rows: number,
    private readonly cols: number,
    private readonly cuts: Cuts,
    /** Row ids of the tree being grown (all or a sample), in shared memory, not written here. */
    readonly rowIdx: Uint32Array,
    /** Gradient pairs, in shared memory (shared as 'gh'). */
    readonly gh: Float32Array,
    private readonly params: GrowParams,
  ) {
    this.T = pool.size;
    this.histSize = bins.stride * 512;
    this.rows1 = pool.alloc(Uint32Array, rows);
    this.rows2 = pool.alloc(Uint32Array, rows);
    const maxNodes = 2 ** Math.min(params.maxDepth, 20);
    this.tasks = WorkerPool.shared(Int32Array, maxNodes * (2 * this.T + 4));
    this.counts = WorkerPool.shared(Int32Array, maxNodes * this.T);
    this.leafValues = WorkerPool.shared(Float32Array, Math.min(2 * maxNodes, 2 ** 21));
    this.slots = Math.min(64, 2 ** Math.max(0, params.maxDepth - 1));
    this.scratch = pool.alloc(Float64Array, this.T * this.slots * this.histSize);
    this.nbins = Int32Array.from({ length: cols }, (_, f) => binCount(cuts, f));
    pool.share('bins', bins.rowMajor);
    const rm = bins.rowMajor;
    pool.share('binWords', new Uint32Array(rm.buffer, rm.byteOffset, rm.length >>> 2));
    this.wasm = pool.heapHolds(rm, rowIdx, this.rows1, this.rows2, gh, this.scratch);
    this.wasmPart = pool.heapHolds(bins.colMajor, rowIdx, this.rows1, this.rows2);
    pool.share('binsT', bins.colMajor);
    pool.share('rows0', rowIdx);
    pool.share('rows1', this.rows1);
    pool.share('rows2', this.rows2);
    pool.share('gh', gh);
    pool.share('tasks', this.tasks);
    pool.share('counts', this.counts);
    pool.share('scratch', this.scratch);
    pool.share('leafValues', this.leafValues);
  }

  private takeHist(): Float64Array {
    return this.freeHists.pop() ?? new Float64Array(this.histSize);
  }

  private release(h: Float64Array | null): void {
    if (h) this.freeHists.push(h);
  }

  /** Histograms of the given nodes (all threads), summed over the threads' partial histograms. */
  private async buildHists(nodes: Node[]): Promise<void> {
    const { T, histSize } = this;
    const R = 2 * T + 2;
    for (let at = 0; at < nodes.length; at += this.slots) {
      const batch = nodes.slice(at, at + this.slots);
      batch.forEach((n, k) => {
        this.tasks.set(n.seg, k * R);
        this.tasks[k * R + 2 * T] = k;
        this.tasks[k * R + 2 * T + 1] = n.buf;
      });
      const slots = this.slots;
      await this.pool.run('kBuildHist', (t) => [
        { ref: 'binWords' }, this.bins.stride / 4, { ref: 'gh' }, { ref: 'rows0' }, { ref: 'rows1' }, { ref: 'rows2' }, { ref: 'tasks' }, batch.length, t, T, { ref: 'scratch' }, t * slots,
        this.wasm ? { ref: 'histWasm' } : 0,
      ]);
      const s = this.scratch;
      batch.forEach((n, k) => {
        const h = this.takeHist();
        const o0 = k * histSize;
        if (T === 2) {
          // One pass over both partial histograms.
          const o1 = (slots + k) * histSize;
          for (let i = 0; i < histSize; i++) h[i] = s[o0 + i] + s[o1 + i];
        } else {
          h.set(s.subarray(o0, o0 + histSize));
          for (let t = 1; t < T; t++) {
            const off = (t * slots + k) * histSize;
            for (let i = 0; i < histSize; i++) h[i] += s[off + i];
          }
        }
        n.hist = h;
      });
    }
  }

  private findSplit(node: Node, featureMask: Uint8Array | null): Split | null {
    const { lambda, alpha, minChildWeight, gamma } = this.params;
    const hist = node.hist!;
    const { G, H } = node;
    if (H < 2 * minChildWeight) return null;
    const parent = score(G, H, lambda, alpha);
    let best: Split | null = null;
    let bestGain = Math.max(gamma, 1e-6);
    for (let f = 0; f < this.cols; f++) {
      if (featureMask && !featureMask[f]) continue;
      const base = f << 9;
      const nb = this.nbins[f];
      const gm = hist[base + (MISSING_BIN << 1)];
      const hm = hist[base + (MISSING_BIN << 1) + 1];
      const hasMissing = hm > 0;
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < nb; b++) {
        const bg = hist[base + (b << 1)];
        const bh = hist[base + (b << 1) + 1];
        // An empty bin gives the same partition as the bin before it.
        if (bh === 0 && bg === 0 && b > 0 && b < nb - 1) continue;
        gl += bg;
        hl += bh;
        if (b === nb - 1 && !hasMissing) break;
        // Missing values to the right.
        let HR = H - hl;
        if (hl >= minChildWeight && HR >= minChildWeight) {
          const gain = score(gl, hl, lambda, alpha) + score(G - gl, HR, lambda, alpha) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: false, GL: gl, HL: hl };
          }
        }
        // Missing values to the left.
        if (hasMissing && b < nb - 1) {
          const GL = gl + gm;
          const HL = hl + hm;
          HR = H - HL;
          if (HL >= minChildWeight && HR >= minChildWeight) {
            const gain = score(GL, HL, lambda, alpha) + score(G - GL, HR, lambda, alpha) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              best = { gain, feature: f, bin: b, defaultLeft: true, GL, HL };
            }
          }
        }
      }
    }
    return best;
  }

  private threshold(f: number, bin: number): number {
    const i = this.cuts.start[f] + bin;
    return i < this.cuts.start[f + 1] ? this.cuts.values[i] : 3.4028234663852886e38;
  }

  /**
   * Partitions the rows of the splitting nodes (all threads, each on its own segments)
   * into the next buffer; returns each node's two children's segments.
   */
  private async partition(splitting: { node: Node; split: Split }[]): Promise<{ left: number[]; right: number[]; nl: number }[]> {
    const T = this.T;
    const R = 2 * T + 4;
    splitting.forEach(({ node, split }, k) => {
      this.tasks.set(node.seg, k * R);
      this.tasks.set([split.feature, split.bin, split.defaultLeft ? 1 : 0, node.buf], k * R + 2 * T);
    });
    await this.pool.run('kPartition', (t) => [
      { ref: 'binsT' }, this.rows, { ref: 'rows0' }, { ref: 'rows1' }, { ref: 'rows2' }, { ref: 'tasks' }, splitting.length, t, T, { ref: 'counts' },
      this.wasmPart ? { ref: 'partWasm' } : 0,
    ]);
    return splitting.map(({ node }, k) => {
      const left: number[] = [];
      const right: number[] = [];
      let nl = 0;
      for (let t = 0; t < T; t++) {
        const b = node.seg[2 * t];
        const e = node.seg[2 * t + 1];
        const c = this.counts[k * T + t];
        left.push(b, b + c);
        right.push(b + c, e);
        nl += c;
      }
      return { left, right, nl };
    });
  }

  /**
   * Grows a tree over rowIdx[0, n) with the gradients in `gh`, then adds its leaf values
   * to `margin` for those rows (shared as `marginName`) when `updateMargin`.
   */
  async grow(n: number, featureMask: Uint8Array | null, margin: { name: string } | null): Promise<Tree> {
    const p = this.params;
    const T = this.T;
    const nodes = new NodeList();
    nodes.add();
    const seg: number[] = [];
    for (let t = 0; t < T; t++) seg.push(Math.floor((n * t) / T), Math.floor((n * (t + 1)) / T));
    const root: Node = { id: 0, seg, buf: 0, count: n, G: 0, H: 0, hist: null };
    await this.buildHists([root]);
    for (let b = 0; b < 256; b++) {
      root.G += root.hist![b << 1];
      root.H += root.hist![(b << 1) + 1];
    }
    let level: Node[] = [root];
    const leaves: Node[] = [];
    for (let depth = 0; level.length > 0; depth++) {
      const splitting: { node: Node; split: Split }[] = [];
      for (const node of level) {
        nodes.cover[node.id] = node.H;
        const split = depth < p.maxDepth ? this.findSplit(node, featureMask) : null;
        if (split) splitting.push({ node, split });
        else {
          leaves.push(node);
          this.release(node.hist);
          node.hist = null;
        }
      }
      if (splitting.length === 0) break;
      const parts = await this.partition(splitting);
      const next: Node[] = [];
      const toBuild: Node[] = [];
      const siblings: { built: Node; other: Node; parent: Float64Array }[] = [];
      splitting.forEach(({ node, split }, k) => {
        const { left, right, nl } = parts[k];
        const buf = node.buf === 1 ? 2 : 1;
        const l: Node = { id: nodes.add(), seg: left, buf, count: nl, G: split.GL, H: split.HL, hist: null };
        const r: Node = { id: nodes.add(), seg: right, buf, count: node.count - nl, G: node.G - split.GL, H: node.H - split.HL, hist: null };
        nodes.setSplit(node.id, split, this.threshold(split.feature, split.bin), l.id, r.id);
        next.push(l, r);
        if (depth + 1 < p.maxDepth) {
          const small = l.count <= r.count ? l : r;
          toBuild.push(small);
          siblings.push({ built: small, other: small === l ? r : l, parent: node.hist! });
        } else this.release(node.hist);
        node.hist = null;
      });
      if (toBuild.length > 0) {
        await this.buildHists(toBuild);
        for (const { built, other, parent } of siblings) {
          const child = built.hist!;
          for (let i = 0; i < parent.length; i++) parent[i] -= child[i];
          other.hist = parent;
        }
      }
      level = next;
    }
    for (const leaf of leaves) nodes.value[leaf.id] = Math.fround(p.eta * leafWeight(leaf.G, leaf.H, p.lambda, p.alpha));
    if (margin) await this.addLeaves(leaves, nodes.value, margin.name);
    return nodes.toTree();
  }

  private async addLeaves(leaves: Node[], value: number[], marginName: string): Promise<void> {
    const T = this.T;
    const R = 2 * T + 2;
    const batchSize = Math.min(this.leafValues.length, Math.floor(this.tasks.length / R));
    for (let at = 0; at < leaves.length; at += batchSize) {
      const batch = leaves.slice(at, at + batchSize);
      batch.forEach((leaf, k) => {
        this.tasks.set(leaf.seg, k * R);
        this.tasks[k * R + 2 * T] = k;
        this.tasks[k * R + 2 * T + 1] = leaf.buf;
        this.leafValues[k] = value[leaf.id];
      });
      await this.pool.run('kAddLeaves', (t) => [{ ref: 'rows0' }, { ref: 'rows1' }, { ref: 'rows2' }, { ref: 'tasks' }, batch.length, { ref: 'leafValues' }, { ref: marginName }, t, T]);
    }
  }
}
