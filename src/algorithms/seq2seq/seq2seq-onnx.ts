/**
 * seq2seq model.json -> ONNX: the Transformer, not the search. Beam search does not belong
 * in a graph, so the export is the network a caller decodes with, as decoders are exported
 * without a cache: inputs `source` int64 [N, S] (source ids, `<pad>` 0 after a row's end;
 * cut to `max_seq_len_source` as the predictor cuts) and `target` int64 [N, T] (each row's
 * prefix, `<s>` 2 first, anything after a row's end); outputs `log_probs` [N, T, V], the
 * log-probabilities of the next target token after each prefix position (causal, so a
 * row's position t sees only its tokens up to t, and padding after the prefix changes
 * nothing before it), and `next_log_probs` [N, V], the last position's, for a batch of
 * prefixes of one length. A greedy or beam search runs the graph once per step with the
 * prefix one token longer, as the native search does (`decode.ts`).
 *
 * Built as the native network computes (`transformer.ts`): embeddings scaled by √d plus
 * the sinusoidal positions, computed in the graph in double from the sequence's length;
 * pre-norm layers (`LayerNormalization`, ε 1e-5), multi-head attention as MatMul over
 * [N, h, L, d/h] with additive −1e9 masks (the source's `<pad>`, the causal triangle),
 * ReLU feed-forward blocks; the output layer (the target embedding transposed when
 * `weight_tying`) and `LogSoftmax`. The vocabularies, special ids and decoding settings are
 * in the metadata.
 */
import { DataType, GraphBuilder, invalid, type ExportedGraph } from '../onnx-builder/index.js';
import { readWeights } from '../neural/weights.js';
import { BOS, EOS, PAD, SPECIALS, UNK } from './seq2seq-data.js';
import { transformerParamSpecs, type TransformerShape } from './transformer.js';

/** Layer norm's ε, as `transformer.ts` adds it. */
const LN_EPS = 1e-5;
/** The additive mask of a position attention must not see. */
const MASKED = -1e9;

function checked(doc: Record<string, unknown>): { s: TransformerShape; maxSource: number; sourceVocab: string[]; targetVocab: string[] } {
  const s = doc.shape as TransformerShape | undefined;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!s || ![s.sourceVocab, s.targetVocab, s.width, s.heads, s.ffn, s.layersEncoder, s.layersDecoder, doc.maxSource, doc.maxTarget].every(positive) || s.width % s.heads !== 0) {
    invalid('seq2seq model has no valid shape');
  }
  const vocabOk = (list: unknown, n: number): list is string[] => Array.isArray(list) && list.length === n && SPECIALS.every((t, i) => list[i] === t);
  if (!vocabOk(doc.sourceVocab, s.sourceVocab) || !vocabOk(doc.targetVocab, s.targetVocab)) invalid('seq2seq model’s vocabularies do not match its shape');
  return { s, maxSource: doc.maxSource as number, sourceVocab: doc.sourceVocab, targetVocab: doc.targetVocab };
}

export function exportSeq2Seq(doc: Record<string, unknown>): ExportedGraph {
  const { s, maxSource, sourceVocab, targetVocab } = checked(doc);
  const specs = transformerParamSpecs(s);
  const w = readWeights(doc.weights, specs);
  const dims = (name: string) => specs.find((p) => p.name === name)!.shape;
  const g = new GraphBuilder();
  const weight = (name: string) => (g.has(name) ? name : g.float(name, dims(name), w[name]));
  const ints = (name: string, values: number[]) => g.int64(name, [values.length], values);
  const d = s.width;
  const dk = d / s.heads;
  const zero = g.int64('zero', [], [0]);
  const one = g.int64('one', [], [1]);
  const axes0 = ints('axes_0', [0]);
  const axes1 = ints('axes_1', [1]);
  const splitShape = ints('split_heads', [0, 0, s.heads, dk]);
  const joinShape = ints('join_heads', [0, 0, d]);
  const scale = g.float('attention_scale', [], [1 / Math.sqrt(dk)]);
  const masked = g.float('masked', [], [MASKED]);
  const open = g.float('open', [], [0]);

  // Sinusoidal positions [L, d] for a length L (a [1] int64), in double as the native table.
  const denominators = new Float64Array(d);
  const even = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    denominators[j] = 10000 ** ((j - (j % 2)) / d);
    even[j] = j % 2 === 0 ? 1 : 0;
  }
  g.double('position_denominators', [1, d], denominators);
  g.double('position_sin', [1, d], even);
  g.double('position_cos', [1, d], Float64Array.from(even, (v) => 1 - v));
  const range = (length: string) => g.op('Range', [zero, g.op('Squeeze', [length, axes0]), one]);
  const positions = (length: string, name: string) => {
    const angle = g.op('Div', [g.op('Unsqueeze', [g.op('Cast', [range(length)], { to: DataType.DOUBLE }), axes1]), 'position_denominators']);
    const mixed = g.op('Add', [g.op('Mul', [g.op('Sin', [angle]), 'position_sin']), g.op('Mul', [g.op('Cos', [angle]), 'position_cos'])]);
    return g.op('Cast', [mixed], { to: DataType.FLOAT }, name);
  };
  const sqrtD = g.float('embed_scale', [], [Math.sqrt(d)]);
  const embed = (table: string, ids: string, length: string, name: string) => g.op('Add', [g.op('Mul', [g.op('Gather', [weight(table), ids]), sqrtD]), positions(length, `${name}_positions`)], undefined, name);

  const layerNorm = (name: string, x: string) => g.op('LayerNormalization', [x, weight(`${name}_g`), weight(`${name}_b`)], { axis: -1, epsilon: LN_EPS });
  const dense = (x: string, wName: string, bName?: string) => {
    const y = g.op('MatMul', [x, weight(wName)]);
    return bName ? g.op('Add', [y, weight(bName)]) : y;
  };
  const heads = (x: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, splitShape])], { perm: { ints: perm } });
  const attention = (name: string, xq: string, xkv: string, bias: string) => {
    const q = heads(dense(xq, `${name}_q`), [0, 2, 1, 3]);
    const kT = heads(dense(xkv, `${name}_k`), [0, 2, 3, 1]);
    const v = heads(dense(xkv, `${name}_v`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, kT]), scale]), bias]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    return dense(g.op('Reshape', [g.op('Transpose', [context], { perm: { ints: [0, 2, 1, 3] } }), joinShape]), `${name}_o`);
  };
  const feed = (name: string, x: string) => dense(g.op('Relu', [dense(x, `${name}_w1`, `${name}_b1`)]), `${name}_w2`, `${name}_b2`);

  // Encoder: the source cut to max_seq_len_source; −1e9 on its padding [N, 1, 1, S].
  const source = g.op('Slice', ['source', ints('source_start', [0]), ints('source_end', [maxSource]), axes1], undefined, 'source_ids');
  const sourceLength = g.op('Shape', [source], { start: 1, end: 2 }, 'source_length');
  const padding = g.op('Equal', [source, g.int64('pad', [], [PAD])]);
  const sourceBias = g.op('Unsqueeze', [g.op('Where', [padding, masked, open]), ints('axes_1_2', [1, 2])], undefined, 'source_bias');
  let x = embed('src_embed', source, sourceLength, 'source_embedded');
  for (let i = 0; i < s.layersEncoder; i++) {
    const a = layerNorm(`enc${i}_ln1`, x);
    x = g.op('Add', [x, attention(`enc${i}_self`, a, a, sourceBias)]);
    x = g.op('Add', [x, feed(`enc${i}_ff`, layerNorm(`enc${i}_ln2`, x))]);
  }
  const memory = g.op('Identity', [layerNorm('enc_ln', x)], undefined, 'memory');

  // Decoder: causal −1e9 above the diagonal [T, T].
  const targetLength = g.op('Shape', ['target'], { start: 1, end: 2 }, 'target_length');
  const t = range(targetLength);
  const future = g.op('Less', [g.op('Unsqueeze', [t, axes1]), g.op('Unsqueeze', [t, axes0])]);
  const causal = g.op('Where', [future, masked, open], undefined, 'causal_bias');
  let y = embed('trg_embed', 'target', targetLength, 'target_embedded');
  for (let i = 0; i < s.layersDecoder; i++) {
    const a = layerNorm(`dec${i}_ln1`, y);
    y = g.op('Add', [y, attention(`dec${i}_self`, a, a, causal)]);
    y = g.op('Add', [y, attention(`dec${i}_cross`, layerNorm(`dec${i}_ln2`, y), memory, sourceBias)]);
    y = g.op('Add', [y, feed(`dec${i}_ff`, layerNorm(`dec${i}_ln3`, y))]);
  }
  const h = layerNorm('dec_ln', y);
  let logits: string;
  if (s.weightTying) {
    // h · trg_embedᵀ: the table transposed once here.
    const table = w.trg_embed;
    const V = s.targetVocab;
    const transposed = new Float32Array(d * V);
    for (let v = 0; v < V; v++) for (let j = 0; j < d; j++) transposed[j * V + v] = table[v * d + j];
    logits = g.op('MatMul', [h, g.float('trg_embed_t', [d, V], transposed)]);
  } else {
    logits = g.op('MatMul', [h, weight('out_w')]);
  }
  const logProbs = g.op('LogSoftmax', [g.op('Add', [logits, weight('out_b')])], { axis: -1 }, 'log_probs');
  g.op('Gather', [logProbs, g.int64('last', [], [-1])], { axis: 1 }, 'next_log_probs');

  const ratio = doc.lengthRatio as { mean?: unknown; std?: unknown } | undefined;
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [
      { name: 'source', elemType: DataType.INT64, shape: ['N', 'S'] },
      { name: 'target', elemType: DataType.INT64, shape: ['N', 'T'] },
    ],
    outputs: [
      { name: 'log_probs', elemType: DataType.FLOAT, shape: ['N', 'T', s.targetVocab] },
      { name: 'next_log_probs', elemType: DataType.FLOAT, shape: ['N', s.targetVocab] },
    ],
    metadata: {
      source_vocabulary: JSON.stringify(sourceVocab),
      target_vocabulary: JSON.stringify(targetVocab),
      pad_id: String(PAD),
      unk_id: String(UNK),
      bos_id: String(BOS),
      eos_id: String(EOS),
      max_seq_len_source: String(maxSource),
      max_seq_len_target: String(doc.maxTarget),
      length_ratio_mean: String(ratio?.mean ?? ''),
      length_ratio_std: String(ratio?.std ?? ''),
      beam_size: String(doc.beam ?? ''),
      length_penalty_alpha: String(doc.alpha ?? ''),
    },
  };
}
