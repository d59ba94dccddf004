import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, loadOnnxRuntime, openOnnxPredictor } from '../../onnx/index.js';
import { decodeModel } from '../onnx-builder/index.js';
import type { Predictor } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { object2vec } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'o2v-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const VOCAB = 24;
const MAX_LEN = 6;

type Pair = { label: number; in0: number[]; in1: number[] };

/** Pairs of 1..8 tokens (some past max_seq_len, which both cut), labelled 1 when both sides share a token class. */
function pairs(n: number, seed: number): Pair[] {
  const rng = createRandom(seed);
  const seq = (c: number) => Array.from({ length: 1 + Math.floor(rng.next() * 8) }, () => 4 * c + Math.floor(rng.next() * 4));
  return Array.from({ length: n }, (_, i) => {
    const a = Math.floor(rng.next() * 6);
    const b = i % 2 === 0 ? a : (a + 1 + Math.floor(rng.next() * 5)) % 6;
    return { label: i % 2 === 0 ? 1 : 0, in0: seq(a), in1: seq(b) };
  });
}

/** Trains two epochs on a few pairs: trained weights, quickly. */
async function train(name: string, hp: Record<string, string | number | boolean>): Promise<string> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.jsonl');
  fs.writeFileSync(file, pairs(64, 1).map((p) => JSON.stringify(hp.output_layer === 'mean_squared_error' ? { ...p, label: p.label * 2 - 0.5 } : p)).join('\n') + '\n');
  const modelDir = path.join(dir, 'model');
  await object2vec.train({
    hyperparameters: resolveHyperparameters(object2vec, {
      enc0_vocab_size: VOCAB,
      enc0_max_seq_len: MAX_LEN,
      enc0_token_embedding_dim: 8,
      mlp_dim: 12,
      mini_batch_size: 16,
      learning_rate: 0.01,
      epochs: 2,
      ...hp,
    }),
    channels: { train: { files: [file], contentType: 'application/jsonlines' } },
    modelDir,
    checkpointDir: path.join(dir, 'checkpoints'),
    threads: 1,
    seed: 7,
    signal: new AbortController().signal,
    log: () => undefined,
    metric: () => undefined,
  });
  return modelDir;
}

function invoke(p: Predictor, instances: unknown[], contentType = 'application/json'): Record<string, number | number[]>[] {
  return (JSON.parse(p.invoke!({ contentType: contentType as 'application/json', accept: 'application/json', body: Buffer.from(JSON.stringify({ instances })) }).body) as { predictions: Record<string, number | number[]>[] }).predictions;
}

/** Rows padded with 0 to `width` (cut past it), and their lengths, as int64 tensors' data. */
function padded(seqs: number[][], width: number): { ids: BigInt64Array; lengths: BigInt64Array } {
  const ids = new BigInt64Array(seqs.length * width);
  seqs.forEach((s, r) => s.slice(0, width).forEach((t, j) => (ids[r * width + j] = BigInt(t))));
  return { ids, lengths: BigInt64Array.from(seqs, (s) => BigInt(s.length)) };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('object2vec ONNX export', () => {
  it.each<[string, Record<string, string | number | boolean>]>([
    ['pooled_embedding and hcnn, softmax', { enc0_network: 'pooled_embedding', enc1_network: 'hcnn', enc1_layers: 2, enc_dim: 8, mlp_layers: 2, mlp_activation: 'relu' }],
    ['bilstm both sides (one bidirectional LSTM node a layer), 2 layers, tied tables', { enc0_network: 'bilstm', enc0_layers: 2, enc_dim: 8, tied_token_embedding_weight: true, comparator_list: 'hadamard,abs_diff' }],
    ['bilstm with an odd enc_dim (a forward and a reverse node) and hcnn, squared error', { enc0_network: 'bilstm', enc1_network: 'hcnn', enc_dim: 7, output_layer: 'mean_squared_error', mlp_activation: 'tanh', comparator_list: 'abs_diff' }],
  ])('%s: onnxruntime answers what the predictor answers (max abs diff < 1e-5)', async (name, hp) => {
    const modelDir = await train(name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40), hp);
    const bytes = await exportToOnnx(modelDir, 'object2vec');
    const decoded = decodeModel(bytes);
    expect(decoded.inputs).toEqual([
      { name: 'in0', type: 'int64', shape: ['N', 'L0'] },
      { name: 'in0_length', type: 'int64', shape: ['N'] },
      { name: 'in1', type: 'int64', shape: ['N', 'L1'] },
      { name: 'in1_length', type: 'int64', shape: ['N'] },
    ]);
    const mse = hp.output_layer === 'mean_squared_error';
    expect(decoded.outputs.map((o) => o.name)).toEqual([...(mse ? ['score'] : ['scores', 'predicted_label']), 'in0_embeddings', 'in1_embeddings']);
    expect(decoded.metadata).toMatchObject({ algorithm: 'object2vec', in0_max_seq_len: String(MAX_LEN), enc_dim: String(hp.enc_dim) });

    const predictor = await object2vec.load(modelDir);
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    try {
      const rows = pairs(12, 2);
      rows[0].in0 = [5];
      rows[1].in1 = [9, 9, 9, 9, 9, 9, 9, 9, 9]; // cut to max_seq_len by both
      // Padded past max_seq_len (the graph cuts, as the predictor does), and to a narrower
      // width, which the predictor is asked with infer_max_seqlens.
      for (const [width, contentType] of [
        [MAX_LEN + 3, 'application/json'],
        [4, 'application/json; infer_max_seqlens=4,4'],
      ] as const) {
        const in0 = padded(rows.map((r) => r.in0), width);
        const in1 = padded(rows.map((r) => r.in1), width);
        const n = rows.length;
        const got = await session.run({
          in0: new ort.Tensor('int64', in0.ids, [n, width]),
          in0_length: new ort.Tensor('int64', in0.lengths, [n]),
          in1: new ort.Tensor('int64', in1.ids, [n, width]),
          in1_length: new ort.Tensor('int64', in1.lengths, [n]),
        });
        const native = invoke(predictor, rows.map(({ in0, in1 }) => ({ in0, in1 })), contentType);
        if (mse) {
          expect(maxDiff(got.score.data as Float32Array, native.map((r) => r.score as number))).toBeLessThan(1e-5);
        } else {
          expect(got.scores.dims).toEqual([n, 2]);
          expect(maxDiff(got.scores.data as Float32Array, native.flatMap((r) => r.scores as number[]))).toBeLessThan(1e-5);
          expect(Array.from(got.predicted_label.data as BigInt64Array, Number)).toEqual(native.map((r) => r.predicted_label));
        }
        // Each encoder's embeddings: what records with only that side answer.
        for (const side of [0, 1] as const) {
          const embeddings = invoke(predictor, rows.map((r) => ({ [`in${side}`]: r[`in${side}`] })), contentType).flatMap((r) => r.embeddings as number[]);
          expect(got[`in${side}_embeddings`].dims).toEqual([n, hp.enc_dim]);
          expect(maxDiff(got[`in${side}_embeddings`].data as Float32Array, embeddings)).toBeLessThan(1e-5);
        }
      }
    } finally {
      await session.release();
    }
  }, 60_000);

  it('is refused by the float-features serving rule, naming its inputs', async () => {
    const modelDir = await train('refused', { enc0_network: 'pooled_embedding', enc_dim: 4, mlp_layers: 1 });
    const file = path.join(tmp, 'refused.onnx');
    fs.writeFileSync(file, await exportToOnnx(modelDir, 'object2vec'));
    await expect(openOnnxPredictor(file)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/in0 int64 \[N, L0\], in0_length int64 \[N\]/) });
  }, 30_000);
});
