/**
 * IP Insights model (model.json + weights.bin) -> ONNX over the rows batch transform reads:
 * `features` [N, 5] float, `entity, a, b, c, d` (a numeric entity id and the address's
 * four octets), served like the other exported models. Outputs, per row, what the
 * predictor answers: `dot_product` [N, 1] (the score `predict` gives), then
 * `entity_embedding` [N, D] (the entity's row of the table) and `ip_embedding` [N, D]
 * (the encoded address), the verbose answer's two vectors.
 *
 * The graph hashes as ip-core.ts does, without bitwise operators: opset 17, which every
 * exporter writes, has none (BitwiseXor and BitwiseAnd arrived in opset 18). A 32-bit word
 * is an int64 value in [0, 2^32): a right shift is a Div by 2^s; a multiply by a constant
 * c = c_hi·2^16 + c_lo is x·c_lo + ((x·c_hi) mod 2^16)·2^16, mod 2^32 (no product reaches
 * 2^49); a ^ b with b < 2^k keeps a's bits above k and replaces the low k by the sum mod 2
 * of both operands' bits ((x / 2^i) mod 2 for each i < k, summed back with their weights).
 * The entity is hashed as its decimal text, as the predictor hashes `String(id)`: FNV-1a
 * over '-' when the id is negative, then over the digit positions from the 16th down to the
 * units ((|id| / 10^k) mod 10, as the character code 48 + digit), each step kept (Where)
 * only where the position holds a digit of the number (k = 0 or |id| ≥ 10^k), then fmix.
 * The address's /8, /16, /24 and /32 prefixes are whole-octet sums, each salted and mixed
 * as `ipRows` does, modulo the table's rows.
 *
 * Which rows: an entity id that is a whole number with |id| ≤ 2^53, whose JavaScript text
 * is its digits (a float32 input holds whole numbers exactly up to 2^24, and larger ones as
 * the predictor reads them). Other ids hash as text like "1.5" or "1e+21", which has no
 * bounded form here: such a row gives NaN in all three outputs, as do rows the predictor
 * refuses (a missing entity; an octet that is not a whole number 0–255).
 *
 * The tables stay float32 as weights.bin holds them; gathered rows are cast to double, and
 * the prefix sum, the tanh layers and the dot product run in double as the predictor's do.
 */
import { DataType, GraphBuilder, INPUT, type ExportedGraph } from '../onnx-builder/index.js';
import { PREFIXES } from './ip-core.js';
import { readIpInsights } from './ip-model.js';

/** The largest id whose digits the graph writes: whole doubles up to 2^53 print as their 16 digits at most. */
const MAX_ID = 2 ** 53;
const DIGITS = 16;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MINUS = '-'.charCodeAt(0);
const ZERO = '0'.charCodeAt(0);

/** 32-bit word arithmetic over int64 tensors holding values in [0, 2^32). */
class Words {
  constructor(private readonly g: GraphBuilder) {}

  /** An int64 scalar constant (added on first use). */
  int(v: number): string {
    const name = `i64_${v}`;
    return this.g.has(name) ? name : this.g.int64(name, [], [v]);
  }

  /** An int64 vector constant (added on first use). */
  ints(name: string, values: number[]): string {
    return this.g.has(name) ? name : this.g.int64(name, [values.length], values);
  }

  shr(x: string, s: number): string {
    return this.g.op('Div', [x, this.int(2 ** s)]);
  }

  /** x · c mod 2^32 for a constant c. */
  mul(x: string, c: number): string {
    const { g } = this;
    const lo = c % 65536;
    const hi = Math.floor(c / 65536);
    const high = g.op('Mul', [g.op('Mod', [g.op('Mul', [x, this.int(hi)]), this.int(65536)]), this.int(65536)]);
    return g.op('Mod', [g.op('Add', [g.op('Mul', [x, this.int(lo)]), high]), this.int(2 ** 32)]);
  }

  /** a ^ b, for b < 2^bits (either may be a constant or broadcast). */
  xor(a: string, b: string, bits: number): string {
    const { g } = this;
    const pow2 = this.ints(`pow2_${bits}`, Array.from({ length: bits }, (_, i) => 2 ** i));
    const last = this.ints('axis_last', [-1]);
    const bitsOf = (x: string) => g.op('Mod', [g.op('Div', [g.op('Unsqueeze', [x, last]), pow2]), this.int(2)]);
    const low = bits === 32 ? a : g.op('Mod', [a, this.int(2 ** bits)]);
    const odd = g.op('Mod', [g.op('Add', [bitsOf(low), bitsOf(b)]), this.int(2)]);
    const mixed = g.op('ReduceSum', [g.op('Mul', [odd, pow2]), last], { keepdims: 0 });
    return bits === 32 ? mixed : g.op('Add', [g.op('Sub', [a, low]), mixed]);
  }

  /** murmur3's 32-bit finaliser, as ip-core.ts's `fmix`. */
  fmix(h: string): string {
    h = this.xor(h, this.shr(h, 16), 16);
    h = this.mul(h, 0x85ebca6b);
    h = this.xor(h, this.shr(h, 13), 19);
    h = this.mul(h, 0xc2b2ae35);
    return this.xor(h, this.shr(h, 16), 16);
  }
}

export async function exportIpInsights(modelDir: string): Promise<ExportedGraph> {
  const { artifact, net } = await readIpInsights(modelDir);
  const { D } = net;
  const g = new GraphBuilder();
  const w = new Words(g);
  const dbl = (v: number) => {
    const name = `f64_${v}`;
    return g.has(name) ? name : g.double(name, [], [v]);
  };
  const axes1 = w.ints('axes_1', [1]);

  // Columns: the entity [N, 1] and the octets [N, 4], as doubles (exact for float32).
  const column = (from: number, to: number, out: string) => g.op('Cast', [g.op('Slice', [INPUT, w.ints(`from_${from}`, [from]), w.ints(`to_${to}`, [to]), axes1])], { to: DataType.DOUBLE }, out);
  const entity = column(0, 1, 'entity_id');
  const octetsIn = column(1, 5, 'octets_in');

  // Rows the graph answers as the predictor does; the others are hashed as 0 and answered NaN.
  const whole = (x: string) => g.op('Equal', [g.op('Floor', [x]), x]);
  const not = (x: string) => g.op('Not', [x]);
  const and = (a: string, b: string) => g.op('And', [a, b]);
  const absId = g.op('Abs', [entity]);
  const entityOk = and(whole(entity), not(g.op('Greater', [absId, dbl(MAX_ID)])));
  const octetOk = and(whole(octetsIn), and(not(g.op('Less', [octetsIn, dbl(0)])), not(g.op('Greater', [octetsIn, dbl(255)]))));
  const allOctetsOk = g.op('Equal', [g.op('ReduceMin', [g.op('Cast', [octetOk], { to: DataType.DOUBLE })], { axes: { ints: [1] }, keepdims: 1 }), dbl(1)]);
  const valid = g.op('And', [entityOk, allOctetsOk], undefined, 'valid');
  const id = g.op('Cast', [g.op('Where', [valid, absId, dbl(0)])], { to: DataType.INT64 }, 'abs_id');
  const negative = and(valid, g.op('Less', [entity, dbl(0)]));
  const octets = g.op('Cast', [g.op('Where', [valid, octetsIn, dbl(0)])], { to: DataType.INT64 }, 'octets');

  // The entity's row: FNV-1a over String(id), then fmix, modulo the table.
  const fnvStep = (h: number, c: number) => Math.imul(h ^ c, FNV_PRIME) >>> 0;
  let hash = g.op('Where', [negative, w.int(fnvStep(FNV_OFFSET, MINUS)), w.int(FNV_OFFSET)], undefined, 'fnv_sign');
  const pow10 = Array.from({ length: DIGITS }, (_, k) => 10 ** k);
  const digits = g.op('Mod', [g.op('Div', [id, w.ints('pow10', pow10)]), w.int(10)], undefined, 'digits');
  // Position k holds a digit when k = 0 or |id| ≥ 10^k.
  const present = not(g.op('Less', [id, w.ints('digit_from', pow10.map((p, k) => (k === 0 ? 0 : p)))]));
  for (let k = DIGITS - 1; k >= 0; k--) {
    const at = w.ints(`digit_${k}`, [k]);
    const code = g.op('Add', [g.op('Gather', [digits, at], { axis: 1 }), w.int(ZERO)]);
    const next = w.mul(w.xor(hash, code, 6), FNV_PRIME);
    hash = k === 0 ? next : g.op('Where', [g.op('Gather', [present, at], { axis: 1 }), next, hash]);
  }
  const entityRow = g.op('Squeeze', [g.op('Mod', [w.fmix(hash), w.int(net.numEntityVectors)]), axes1], undefined, 'entity_row');

  // The address's prefix rows, as ipRows: prefix l is the first l + 1 octets as a number.
  const L = PREFIXES.length;
  const place = new Array<number>(L * L).fill(0);
  for (let j = 0; j < L; j++) for (let l = j; l < L; l++) place[j * L + l] = 256 ** (l - j);
  const prefixes = g.op('ReduceSum', [g.op('Mul', [g.op('Unsqueeze', [octets, w.ints('axes_2', [2])]), g.int64('octet_place', [L, L], place)]), axes1], { keepdims: 0 }, 'prefixes');
  const salt = PREFIXES.map((_, l) => Math.imul(l + 1, 0x9e3779b9) >>> 0);
  const salted = w.xor(prefixes, w.ints('prefix_salt', salt), 32);
  const levels = g.op('Mod', [g.op('Add', [w.fmix(salted), w.ints('prefix_level', PREFIXES.map((_, l) => l))]), w.int(2 ** 32)]);
  const ipRows = g.op('Mod', [w.fmix(levels), w.int(net.buckets)], undefined, 'ip_rows');

  // The encoder: the prefix embeddings' sum, then the tanh layers (y = tanh(W x + b)).
  const ipTable = g.float('ip_table', [net.buckets, D], net.ip);
  let v = g.op('ReduceSum', [g.op('Cast', [g.op('Gather', [ipTable, ipRows], { axis: 0 })], { to: DataType.DOUBLE }), axes1], { keepdims: 0 }, 'ip_prefix_sum');
  for (let l = 0; l < net.layers; l++) {
    const W = net.W[l];
    const wt = new Float64Array(D * D);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) wt[j * D + i] = W[i * D + j];
    v = g.op('Tanh', [g.op('Add', [g.op('MatMul', [v, g.double(`layer${l}_wt`, [D, D], wt)]), g.double(`layer${l}_b`, [D], net.b[l])])]);
  }
  const entityVec = g.op('Gather', [g.float('entity_table', [net.numEntityVectors, D], net.entity), entityRow], { axis: 0 }, 'entity_vector');
  const dot = g.op('ReduceSum', [g.op('Mul', [g.op('Cast', [entityVec], { to: DataType.DOUBLE }), v]), axes1], { keepdims: 1 });

  const nanF = g.float('nan_f', [], [NaN]);
  g.op('Cast', [g.op('Where', [valid, dot, dbl(NaN)])], { to: DataType.FLOAT }, 'dot_product');
  g.op('Where', [valid, entityVec, nanF], undefined, 'entity_embedding');
  g.op('Cast', [g.op('Where', [valid, v, dbl(NaN)])], { to: DataType.FLOAT }, 'ip_embedding');
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    outputs: [
      { name: 'dot_product', elemType: DataType.FLOAT, shape: ['N', 1] },
      { name: 'entity_embedding', elemType: DataType.FLOAT, shape: ['N', D] },
      { name: 'ip_embedding', elemType: DataType.FLOAT, shape: ['N', D] },
    ],
    numFeatures: 5,
    metadata: {
      vector_dim: String(D),
      num_entity_vectors: String(net.numEntityVectors),
      ip_prefix_rows: String(net.buckets),
      num_ip_encoder_layers: String(net.layers),
      columns: 'entity,a,b,c,d',
      entity_ids: 'whole numbers with |id| <= 2^53; other rows give NaN',
      seed: String(artifact.seed),
    },
  };
}
