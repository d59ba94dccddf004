/**
 * object2vec model.json -> ONNX: the pair network the native predictor runs, over SageMaker's
 * two token-id sequences. Inputs, per side i of 0 and 1:
 * - `in<i>` int64 [N, L<i>]: token ids, each row padded past its length as the predictor pads
 *   (with 0, to the encoder's `max_seq_len`; a row longer than that is cut, as the predictor
 *   cuts it, and a narrower L is what `infer_max_seqlens=L` asks of the predictor);
 * - `in<i>_length` int64 [N]: each row's number of tokens (1..L).
 * Outputs: `scores` [N, num_classes] (softmax probabilities) and `predicted_label` int64 [N],
 * or `score` [N] (output_layer mean_squared_error) — what a pair answers — then each
 * encoder's `in0_embeddings` / `in1_embeddings` [N, enc_dim], what a record with only that
 * side answers.
 * Encoders: `pooled_embedding` is Gather, the masked mean and MatMul; `hcnn` is width-3
 * `Conv`s (padding 1 each side, TensorFlow's "same") with Relu, masked, then ReduceMax over
 * the sequence; `bilstm` is ONNX `LSTM` with `sequence_lens` (a bidirectional node when the
 * two directions have as many units, else a forward and a reverse one), which, as the
 * native masked steps do, stops the forward state at a row's last token and starts the
 * reverse one there. The native weights [in + h, 4h] with gates i, f, g, o become ONNX's
 * W [4h, in] and R [4h, h] with gates i, o, f, c, the bias in Wb and Rb zero.
 */
import { DataType, GraphBuilder, invalid, type ExportedGraph, type ValueSpec } from '../onnx-builder/index.js';
import { readWeights } from '../neural/weights.js';
import { isO2vShape, o2vParamSpecs, type O2vShape } from './o2v-network.js';

/** The network's shape from model.json, checked as the predictor checks it. */
function shapeOf(doc: Record<string, unknown>): O2vShape {
  if (!isO2vShape(doc.shape)) invalid('object2vec model has no valid network shape');
  return doc.shape as O2vShape;
}

/** ONNX's LSTM gate order i, o, f, c as blocks of the native i, f, g, o. */
const GATES = [0, 3, 1, 2];

export function exportObject2Vec(doc: Record<string, unknown>): ExportedGraph {
  const s = shapeOf(doc);
  const specs = o2vParamSpecs(s);
  const w = readWeights(doc.weights, specs);
  const dims = (name: string) => specs.find((p) => p.name === name)!.shape;
  const g = new GraphBuilder();
  const weight = (name: string) => g.float(name, dims(name), w[name]);
  // Constants are added on first use, so the graph holds none it does not read.
  const axes = (name: string, values: number[]) => (g.has(name) ? name : g.int64(name, [values.length], values));
  const zero = g.int64('zero', [], [0]);
  const one = g.int64('one', [], [1]);
  const axes0 = axes('axes_0', [0]);
  const axes1 = axes('axes_1', [1]);
  const inputs: ValueSpec[] = [];

  const encoder = (i: 0 | 1): string => {
    const e = s.enc[i];
    const p = `e${i}_`;
    inputs.push({ name: `in${i}`, elemType: DataType.INT64, shape: ['N', `L${i}`] }, { name: `in${i}_length`, elemType: DataType.INT64, shape: ['N'] });
    // Cut to max_seq_len as the predictor does; lengths within the width.
    const ids = g.op('Slice', [`in${i}`, axes(`${p}start`, [0]), axes(`${p}end`, [e.maxSeqLen]), axes1], undefined, `${p}ids`);
    const width = g.op('Shape', [ids], { start: 1, end: 2 }, `${p}width`);
    const lengths = g.op('Min', [`in${i}_length`, width], undefined, `${p}lengths`);
    const positions = g.op('Range', [zero, g.op('Squeeze', [width, axes0]), one]);
    const inside = g.op('Less', [g.op('Unsqueeze', [positions, axes0]), g.op('Unsqueeze', [lengths, axes1])]);
    const mask = g.op('Cast', [inside], { to: DataType.FLOAT }, `${p}mask`);
    const table = s.tied ? 'emb0' : `emb${i}`;
    if (!g.has(table)) weight(table);
    const x = g.op('Gather', [table, ids], undefined, `${p}tokens`);

    if (e.network === 'pooled_embedding') {
      const sum = g.op('ReduceSum', [g.op('Mul', [x, g.op('Unsqueeze', [mask, axes('axes_2', [2])])]), axes1], { keepdims: 0 });
      const oneF = g.has('one_f') ? 'one_f' : g.float('one_f', [], [1]);
      const count = g.op('Max', [g.op('ReduceSum', [mask, axes1], { keepdims: 1 }), oneF]);
      return g.op('Add', [g.op('MatMul', [g.op('Div', [sum, count]), weight(`${p}proj_w`)]), weight(`${p}proj_b`)]);
    }

    if (e.network === 'hcnn') {
      // [N, L, E] -> [N, E, L]; TensorFlow's filter [3, in, out] -> ONNX's [out, in, 3].
      let h = g.op('Transpose', [x], { perm: { ints: [0, 2, 1] } });
      const maskC = g.op('Unsqueeze', [mask, axes1]);
      for (let l = 0; l < e.layers; l++) {
        const name = `${p}conv${l}_w`;
        const [k, cin, cout] = dims(name);
        const tf = w[name];
        const filter = new Float32Array(cout * cin * k);
        for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) for (let t = 0; t < k; t++) filter[(o * cin + c) * k + t] = tf[(t * cin + c) * cout + o];
        g.float(`${name}_oik`, [cout, cin, k], filter);
        const conv = g.op('Conv', [h, `${name}_oik`, weight(`${p}conv${l}_b`)], { kernel_shape: { ints: [k] }, pads: { ints: [1, 1] } });
        h = g.op('Mul', [g.op('Relu', [conv]), maskC]);
      }
      // ReLU outputs are ≥ 0 and padding is 0, so padding never wins the max.
      return g.op('ReduceMax', [h], { axes: { ints: [2] }, keepdims: 0 });
    }

    // bilstm: time-major [L, N, in], sequence_lens int32.
    const hf = Math.ceil(s.encDim / 2);
    const hb = Math.floor(s.encDim / 2);
    const seqLens = g.op('Cast', [lengths], { to: DataType.INT32 });
    let steps = g.op('Transpose', [x], { perm: { ints: [1, 0, 2] } });
    let last = '';
    /** One LSTM node's W, R and B for the native directions `names` (h units each). */
    const lstmWeights = (names: string[], h: number, widthIn: number, at: string) => {
      const W = new Float32Array(names.length * 4 * h * widthIn);
      const R = new Float32Array(names.length * 4 * h * h);
      const B = new Float32Array(names.length * 8 * h);
      names.forEach((name, d) => {
        const nw = w[`${name}_w`]; // [widthIn + h, 4h]
        const nb = w[`${name}_b`];
        for (let gate = 0; gate < 4; gate++) {
          const from = GATES[gate] * h;
          for (let j = 0; j < h; j++) {
            const row = (d * 4 + gate) * h + j;
            for (let c = 0; c < widthIn; c++) W[row * widthIn + c] = nw[c * 4 * h + from + j];
            for (let c = 0; c < h; c++) R[row * h + c] = nw[(widthIn + c) * 4 * h + from + j];
            B[d * 8 * h + gate * h + j] = nb[from + j];
          }
        }
      });
      return [g.float(`${at}_W`, [names.length, 4 * h, widthIn], W), g.float(`${at}_R`, [names.length, 4 * h, h], R), g.float(`${at}_B`, [names.length, 8 * h], B)];
    };
    let widthIn = e.embeddingDim;
    for (let l = 0; l < e.layers; l++) {
      const at = `${p}lstm${l}`;
      if (hf === hb) {
        const [Y, Yh] = g.opMany('LSTM', [steps, ...lstmWeights([`${at}f`, `${at}b`], hf, widthIn, at), seqLens], [`${at}_Y`, `${at}_Yh`], {
          direction: 'bidirectional',
          hidden_size: hf,
        });
        // Y [L, 2, N, h] -> [L, N, 2h]: forward then backward units, as the native concat.
        steps = g.op('Reshape', [g.op('Transpose', [Y], { perm: { ints: [0, 2, 1, 3] } }), axes(`${at}_steps_shape`, [0, 0, -1])]);
        last = g.op('Reshape', [g.op('Transpose', [Yh], { perm: { ints: [1, 0, 2] } }), axes(`${at}_last_shape`, [0, -1])]);
      } else {
        const run = (dir: 'f' | 'b', units: number) => {
          const name = `${at}${dir}`;
          return g.opMany('LSTM', [steps, ...lstmWeights([name], units, widthIn, name), seqLens], [`${name}_Y`, `${name}_Yh`], {
            direction: dir === 'f' ? 'forward' : 'reverse',
            hidden_size: units,
          });
        };
        const [Yf, Yhf] = run('f', hf);
        const [Yb, Yhb] = run('b', hb);
        steps = g.op('Concat', [g.op('Squeeze', [Yf, axes1]), g.op('Squeeze', [Yb, axes1])], { axis: 2 });
        last = g.op('Concat', [g.op('Squeeze', [Yhf, axes0]), g.op('Squeeze', [Yhb, axes0])], { axis: 1 });
      }
      widthIn = hf + hb;
    }
    return last;
  };

  const e0 = g.op('Identity', [encoder(0)], undefined, 'in0_embeddings');
  const e1 = g.op('Identity', [encoder(1)], undefined, 'in1_embeddings');
  const parts = s.comparators.flatMap((c) => (c === 'hadamard' ? [g.op('Mul', [e0, e1])] : c === 'concat' ? [e0, e1] : [g.op('Abs', [g.op('Sub', [e0, e1])])]));
  let h = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 1 });
  for (let k = 0; k < s.mlpLayers; k++) {
    h = g.op('Gemm', [h, weight(`mlp${k}_w`), weight(`mlp${k}_b`)]);
    if (s.mlpActivation !== 'linear') h = g.op(s.mlpActivation === 'relu' ? 'Relu' : 'Tanh', [h]);
  }
  const out = g.op('Gemm', [h, weight('out_w'), weight('out_b')]);
  const embeddings: ValueSpec[] = [0, 1].map((i) => ({ name: `in${i}_embeddings`, elemType: DataType.FLOAT, shape: ['N', s.encDim] }));
  const answers: ValueSpec[] = [];
  if (s.output === 'softmax') {
    const scores = g.op('Softmax', [out], { axis: 1 }, 'scores');
    g.op('ArgMax', [scores], { axis: 1, keepdims: 0 }, 'predicted_label');
    answers.push({ name: 'scores', elemType: DataType.FLOAT, shape: ['N', s.numClasses] }, { name: 'predicted_label', elemType: DataType.INT64, shape: ['N'] });
  } else {
    g.op('Squeeze', [out, axes1], undefined, 'score');
    answers.push({ name: 'score', elemType: DataType.FLOAT, shape: ['N'] });
  }
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs: [...answers, ...embeddings],
    metadata: {
      output_layer: s.output,
      enc_dim: String(s.encDim),
      in0_network: s.enc[0].network,
      in1_network: s.enc[1].network,
      in0_max_seq_len: String(s.enc[0].maxSeqLen),
      in1_max_seq_len: String(s.enc[1].maxSeqLen),
      in0_vocab_size: String(s.enc[0].vocabSize),
      in1_vocab_size: String(s.enc[1].vocabSize),
    },
  };
}
