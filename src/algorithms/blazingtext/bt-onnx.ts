/**
 * blazingtext model.json + weights.bin -> ONNX. The graphs read strings, not rows of
 * numbers, so the models export but are not served as ONNX (the float-features rule
 * refuses them); run the file in your own onnxruntime.
 *
 * Word2Vec (`skipgram`, `cbow`, `batch_skipgram`):
 * - input `words` string [N]: one word each, looked up as it is (not split);
 * - output `vectors` float [N, dim]: what the endpoint and `vectors.txt` give for the word.
 * An ai.onnx.ml `LabelEncoder` maps a word to its row and any other word to an all-zero
 * row, then `Gather`. With subwords the table holds each vocabulary word's vector as the
 * predictor builds it (the mean of its own row and its character n-grams' rows); a word
 * outside the vocabulary gets zeros, where the predictor averages the rows the model has
 * for its character n-grams: hashing substrings has no ONNX operator. Metadata `subwords`
 * says whether the model has them.
 *
 * Supervised:
 * - input `tokens` string [N, L]: each document's tokens as the predictor splits a line
 *   (on runs of spaces and tabs), padded with "" to the batch's longest (L ≥ 1); "" and words
 *   outside the vocabulary (labels among them) are ignored, as the predictor ignores them;
 * - outputs `probabilities` float [N, labels] (the softmax, labels in model order, listed
 *   in the metadata `labels` as JSON) and `label` string [N], the most probable (the
 *   first on a tie, as the predictor sorts).
 * The graph rebuilds the predictor's input rows: the words' rows and, up to
 * `word_ngrams`, each run of 2..n consecutive known words hashed as `lineInputs` does
 * (h = hash(w_i), then h = (h · 116049371 + hash(w_j)) mod 2³², bucket h mod `buckets`), in
 * int64 arithmetic that never overflows (h < 2³², the factor < 2²⁷). Known words are first
 * moved to the front of each row in order (`TopK` over position keys, `GatherElements`),
 * because n-grams join the known words on either side of an unknown one. A bucket the
 * model has no row for adds nothing. Then the mean of the rows (zeros when none, which
 * gives equal probabilities, as natively), `MatMul` by the label rows and `Softmax`.
 */
import { DataType, GraphBuilder, ML_DOMAIN, invalid, type AttributeValue, type ExportedGraph, type ValueSpec } from '../onnx-builder/index.js';
import { modelIndex, readBt, wordVector, type BtArtifact, type BtWeights } from './bt-model.js';
import { hashString } from './text-corpus.js';

/** TensorProto.DataType STRING (the builder's `DataType` lists only numeric types). */
const STRING = 8;
/** fastText's word n-gram hash factor (`lineInputs`). */
const NGRAM_FACTOR = 116049371;
const TWO_32 = 2 ** 32;

const MODES = ['supervised', 'skipgram', 'cbow', 'batch_skipgram'];

/** The vocabulary is a LabelEncoder's keys: distinct, non-empty (a "" would catch the padding). */
function checkWords(a: BtArtifact): void {
  if (!a.words.every((w) => typeof w === 'string' && w.length > 0)) invalid('blazingtext model has a word that is not a non-empty string');
  if (new Set(a.words).size !== a.words.length) invalid('blazingtext model lists a word twice');
}

function checkSupervised(a: BtArtifact): void {
  if (a.labels.length < 1 || !a.labels.every((l) => typeof l === 'string')) invalid('blazingtext supervised model has no labels');
  if (!Number.isInteger(a.wordNgrams) || a.wordNgrams < 1) invalid('blazingtext model has a bad wordNgrams');
  if (!Number.isInteger(a.buckets) || a.buckets < 1) invalid('blazingtext model has a bad buckets');
  if (!a.bucketIds.every((b) => Number.isInteger(b) && b >= 0 && b < a.buckets)) invalid('blazingtext model has a bucket id outside 0..buckets-1');
  if (new Set(a.bucketIds).size !== a.bucketIds.length) invalid('blazingtext model lists a bucket twice');
}

export async function exportBlazingText(doc: Record<string, unknown>, modelDir: string): Promise<ExportedGraph> {
  // The mode says how many rows weights.bin holds, so it is checked before the file is read.
  if (!MODES.includes(doc.mode as string)) invalid(`blazingtext model has an unknown mode ${JSON.stringify(doc.mode)}`);
  const { artifact: a, weights: w } = await readBt(modelDir);
  checkWords(a);
  if (a.mode === 'supervised') {
    checkSupervised(a);
    return supervisedGraph(a, w);
  }
  return word2vecGraph(a, w);
}

/** Adds an ai.onnx.ml node; answers its output. */
function ml(g: GraphBuilder, op: string, inputs: string[], attributes: Record<string, AttributeValue>): string {
  const output = g.name(op.toLowerCase());
  g.nodes.push({ op, domain: ML_DOMAIN, inputs, outputs: [output], attributes });
  return output;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function word2vecGraph(a: BtArtifact, w: BtWeights): ExportedGraph {
  const V = a.words.length;
  const d = a.dim;
  // Row V stays zero: the vector of a word outside the vocabulary.
  const table = new Float32Array((V + 1) * d);
  const index = modelIndex(a);
  const v = new Float32Array(d);
  for (let i = 0; i < V; i++) {
    wordVector(a, w.input, index, a.words[i], v);
    table.set(v, i * d);
  }
  const g = new GraphBuilder();
  g.float('word_vectors', [V + 1, d], table);
  const ids = ml(g, 'LabelEncoder', ['words'], { keys_strings: { strings: a.words }, values_int64s: { ints: range(V) }, default_int64: V });
  g.op('Gather', ['word_vectors', ids], undefined, 'vectors');
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    usesMl: true,
    inputs: [{ name: 'words', elemType: STRING, shape: ['N'] }],
    outputs: [{ name: 'vectors', elemType: DataType.FLOAT, shape: ['N', d] }],
    metadata: { mode: a.mode, dim: String(d), vocabulary_size: String(V), subwords: String(a.subwords !== null) },
  };
}

function supervisedGraph(a: BtArtifact, w: BtWeights): ExportedGraph {
  const V = a.words.length;
  const d = a.dim;
  const labels = a.labels.length;
  const n = a.wordNgrams;
  // Rows: the words', the buckets', then a zero row (index R) for "no row".
  const R = V + a.bucketIds.length;
  const g = new GraphBuilder();
  const table = new Float32Array((R + 1) * d);
  table.set(w.input.subarray(0, R * d));
  g.float('input_rows', [R + 1, d], table);
  const outT = new Float32Array(d * labels);
  for (let j = 0; j < labels; j++) for (let k = 0; k < d; k++) outT[k * labels + j] = w.output![j * d + k];
  g.float('label_rows_t', [d, labels], outT);
  const zero = g.int64('zero', [], [0]);
  const none = g.int64('no_row', [], [R]);
  const axes1 = g.int64('axes_1', [1], [1]);

  // Word ids, −1 for "" and unknown tokens.
  const ids = ml(g, 'LabelEncoder', ['tokens'], { keys_strings: { strings: a.words }, values_int64s: { ints: range(V) }, default_int64: -1 });
  const rowParts: string[] = [];
  if (n <= 1) rowParts.push(g.op('Where', [g.op('GreaterOrEqual', [ids, zero]), ids, none]));
  else {
    // Known words to the front of each row, in order: keys L − pos for known, −pos for the others.
    const width = g.op('Shape', ['tokens'], { start: 1, end: 2 }, 'width');
    const first = g.int64('first', [1], [0]);
    const positions = g.op('Cast', [g.op('Range', [zero, g.op('Squeeze', [width, first]), g.int64('one', [], [1])])], { to: DataType.FLOAT });
    const known = g.op('Cast', [g.op('GreaterOrEqual', [ids, zero])], { to: DataType.FLOAT });
    const keys = g.op('Sub', [g.op('Mul', [known, g.op('Cast', [width], { to: DataType.FLOAT })]), positions]);
    const [, order] = g.opMany('TopK', [keys, width], [g.name('sorted'), g.name('order')], { axis: 1, largest: 1, sorted: 1 });
    const compact = g.op('GatherElements', [ids, order], { axis: 1 }, 'known_ids');
    rowParts.push(g.op('Where', [g.op('GreaterOrEqual', [compact, zero]), compact, none]));
    // Padded with n − 1 unknowns so every start position has its n − 1 successors.
    const padded = g.op('Pad', [compact, g.int64('pads', [4], [0, 0, 0, n - 1]), g.int64('pad_value', [], [-1])]);
    g.int64('word_hashes', [V], Uint32Array.from(a.words, hashString));
    const hashes = g.op('Gather', ['word_hashes', g.op('Max', [padded, zero])]);
    const present = g.op('GreaterOrEqual', [padded, zero]);
    const factor = g.int64('ngram_factor', [], [NGRAM_FACTOR]);
    const two32 = g.int64('two_32', [], [TWO_32]);
    const buckets = g.int64('buckets', [], [a.buckets]);
    let h = g.op('Slice', [hashes, first, width, axes1]);
    for (let k = 1; k < n; k++) {
      const start = g.int64(`shift_${k}`, [1], [k]);
      const end = g.op('Add', [width, start]);
      h = g.op('Mod', [g.op('Add', [g.op('Mul', [h, factor]), g.op('Slice', [hashes, start, end, axes1])]), two32]);
      const row = ml(g, 'LabelEncoder', [g.op('Mod', [h, buckets])], { keys_int64s: { ints: a.bucketIds }, values_int64s: { ints: range(a.bucketIds.length, V) }, default_int64: -1 });
      // The n-gram ending k words on exists when that word is known (known words are contiguous).
      const ok = g.op('And', [g.op('Slice', [present, start, end, axes1]), g.op('GreaterOrEqual', [row, zero])]);
      rowParts.push(g.op('Where', [ok, row, none]));
    }
  }
  const rows = rowParts.length === 1 ? rowParts[0] : g.op('Concat', rowParts, { axis: 1 });
  const count = g.op('ReduceSum', [g.op('Cast', [g.op('Less', [rows, none])], { to: DataType.FLOAT }), axes1], { keepdims: 1 });
  const sum = g.op('ReduceSum', [g.op('Gather', ['input_rows', rows]), axes1], { keepdims: 0 });
  const hidden = g.op('Div', [sum, g.op('Max', [count, g.float('one_f', [], [1])])]);
  const probabilities = g.op('Softmax', [g.op('MatMul', [hidden, 'label_rows_t'])], { axis: 1 }, 'probabilities');
  const best = g.op('ArgMax', [probabilities], { axis: 1, keepdims: 0 });
  g.nodes.push({ op: 'LabelEncoder', domain: ML_DOMAIN, inputs: [best], outputs: ['label'], attributes: { keys_int64s: { ints: range(labels) }, values_strings: { strings: a.labels }, default_string: '' } });
  const outputs: ValueSpec[] = [
    { name: 'probabilities', elemType: DataType.FLOAT, shape: ['N', labels] },
    { name: 'label', elemType: STRING, shape: ['N'] },
  ];
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    usesMl: true,
    inputs: [{ name: 'tokens', elemType: STRING, shape: ['N', 'L'] }],
    outputs,
    metadata: { mode: a.mode, dim: String(d), vocabulary_size: String(V), word_ngrams: String(n), buckets: String(a.buckets), labels: JSON.stringify(a.labels) },
  };
}
