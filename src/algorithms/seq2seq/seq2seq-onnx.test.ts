import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, loadOnnxRuntime, openOnnxPredictor } from '../../onnx/index.js';
import { decodeModel } from '../onnx-builder/index.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { neuralEngine, weightTensors } from '../neural/index.js';
import { createRandom } from '../parallel/random.js';
import { beamSearch } from './decode.js';
import { seq2seq } from './index.js';
import { BOS, EOS, encodeTokens, maxOutputLength, padded, type Vocab } from './seq2seq-data.js';
import { readSeq2Seq } from './seq2seq-model.js';
import { decodeLogits, encode, sourceBias, transformerParamSpecs } from './transformer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seq2seq-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Source words `aN` translated to `bN` and reversed (as in seq2seq.test.ts), 2..5 words. */
function pairs(n: number, seed: number): { source: string; target: string }[] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => {
    const words = Array.from({ length: 2 + Math.floor(rng.next() * 4) }, () => Math.floor(rng.next() * 6));
    return { source: words.map((w) => `a${w}`).join(' '), target: [...words].reverse().map((w) => `b${w}`).join(' ') };
  });
}

/** A small model trained for a few epochs: trained weights, and answers with some tokens right. */
async function train(name: string, hp: Record<string, string | number | boolean>): Promise<string> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.txt');
  fs.writeFileSync(file, pairs(240, 1).map((p) => `${p.source}\t${p.target}`).join('\n') + '\n');
  const modelDir = path.join(dir, 'model');
  await seq2seq.train({
    hyperparameters: resolveHyperparameters(seq2seq, {
      num_embed_source: 16,
      num_embed_target: 16,
      transformer_attention_heads: 2,
      transformer_feed_forward_num_hidden: 32,
      batch_size: 32,
      learning_rate: 0.01,
      max_num_epochs: 6,
      label_smoothing: 0,
      max_seq_len_source: 4,
      ...hp,
    }),
    channels: { train: { files: [file], contentType: 'text/plain' } },
    modelDir,
    checkpointDir: path.join(dir, 'checkpoints'),
    threads: 1,
    seed: 5,
    signal: new AbortController().signal,
    log: () => undefined,
    metric: () => undefined,
  });
  return modelDir;
}

const vocabOf = (list: string[]): Vocab => ({ tokens: list, index: new Map(list.map((t, i) => [t, i])) });
const int64 = (ids: ArrayLike<number>) => BigInt64Array.from(Array.from(ids), (v) => BigInt(v));

describe('seq2seq ONNX export', () => {
  it.each<[string, Record<string, string | number | boolean>]>([
    ['one layer a side', {}],
    ['two layers a side, tied output weights', { num_layers_encoder: 2, num_layers_decoder: 2, weight_tying: true }],
  ])('%s: the network’s log-probabilities within 1e-4, and a greedy decode over onnxruntime gives the native greedy tokens', async (name, hp) => {
    const modelDir = await train(name.replace(/[^a-z0-9]+/gi, '-'), hp);
    const bytes = await exportToOnnx(modelDir, 'seq2seq');
    const decoded = decodeModel(bytes);
    expect(decoded.inputs).toEqual([
      { name: 'source', type: 'int64', shape: ['N', 'S'] },
      { name: 'target', type: 'int64', shape: ['N', 'T'] },
    ]);
    const a = await readSeq2Seq(modelDir);
    const V = a.shape.targetVocab;
    expect(decoded.outputs).toEqual([
      { name: 'log_probs', type: 'float32', shape: ['N', 'T', V] },
      { name: 'next_log_probs', type: 'float32', shape: ['N', V] },
    ]);
    expect(JSON.parse(decoded.metadata.target_vocabulary)).toEqual(a.targetVocab);
    expect(decoded.metadata).toMatchObject({ bos_id: String(BOS), eos_id: String(EOS), pad_id: '0', max_seq_len_source: '4' });

    const tf = await neuralEngine();
    const w: Record<string, Tf.Tensor> = weightTensors(tf, a.weights, transformerParamSpecs(a.shape));
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    try {
      // Sources of 2..6 words (the model reads 4 at most), unknown words among them.
      const held = pairs(10, 2);
      held[0].source = 'a1 zz a3';
      held[1].source = 'a5 a4 a3 a2 a1 a0';
      const sources = held.map((p) => encodeTokens(vocabOf(a.sourceVocab), p.source.split(' '), Infinity));
      const targets = held.map((p) => encodeTokens(vocabOf(a.targetVocab), p.target.split(' '), a.maxTarget));
      const n = held.length;

      // Teacher-forced: padded sources (longer than the model reads: the graph cuts them as the predictor does) and <s> + target prefixes.
      const src = padded(sources, 'none');
      const srcCut = padded(sources.map((s) => s.subarray(0, a.maxSource)), 'none');
      const trg = padded(targets, 'bos');
      const native = tf.tidy(() => {
        const memory = encode(tf, w, a.shape, srcCut.ids, n, srcCut.length);
        const logits = decodeLogits(tf, w, a.shape, memory, sourceBias(tf, srcCut.ids, n, srcCut.length), trg.ids, n, trg.length);
        return tf.logSoftmax(logits).dataSync() as Float32Array;
      });
      const got = await session.run({ source: new ort.Tensor('int64', int64(src.ids), [n, src.length]), target: new ort.Tensor('int64', int64(trg.ids), [n, trg.length]) });
      expect(got.log_probs.dims).toEqual([n, trg.length, V]);
      const lp = got.log_probs.data as Float32Array;
      let diff = 0;
      for (let i = 0; i < lp.length; i++) diff = Math.max(diff, Math.abs(lp[i] - native[i]));
      expect(diff).toBeLessThan(1e-4);
      const last = got.next_log_probs.data as Float32Array;
      expect(Array.from(last.subarray(0, V))).toEqual(Array.from(lp.subarray((trg.length - 1) * V, trg.length * V)));

      // Greedy decode over the ONNX model, the whole batch a step; each row ends at </s> or its length bound.
      const cut = sources.map((s) => s.subarray(0, a.maxSource));
      const bound = cut.map((s) => maxOutputLength(s.length, a.lengthRatio, a.maxTarget));
      const answers: number[][] = cut.map(() => []);
      const done = cut.map(() => false);
      const prefix: number[][] = cut.map(() => [BOS]);
      for (let step = 1; done.some((x) => !x); step++) {
        for (let r = 0; r < n; r++) if (step > bound[r]) done[r] = true;
        if (!done.some((x) => !x)) break;
        const out = await session.run({ source: new ort.Tensor('int64', int64(src.ids), [n, src.length]), target: new ort.Tensor('int64', int64(prefix.flat()), [n, step]) });
        const next = out.next_log_probs.data as Float32Array;
        for (let r = 0; r < n; r++) {
          let best = 0;
          for (let v = 1; v < V; v++) if (next[r * V + v] > next[r * V + best]) best = v;
          if (!done[r]) {
            if (best === EOS) done[r] = true;
            else answers[r].push(best);
          }
          prefix[r].push(best);
        }
      }
      const greedy = cut.map((s) => beamSearch(tf, w, a.shape, s, { beam: 1, maxLength: maxOutputLength(s.length, a.lengthRatio, a.maxTarget), alpha: a.alpha }));
      expect(answers).toEqual(greedy);
      // A trained model: most answers are not empty.
      expect(answers.filter((x) => x.length > 0).length).toBeGreaterThan(n / 2);
    } finally {
      await session.release();
      Object.values(w).forEach((t) => t.dispose());
    }
  }, 60_000);

  it('is refused by the float-features serving rule, naming its inputs', async () => {
    const file = path.join(tmp, 'refused.onnx');
    fs.writeFileSync(file, await exportToOnnx(await train('refused', { max_num_epochs: 1 }), 'seq2seq'));
    await expect(openOnnxPredictor(file)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/source int64 \[N, S\], target int64 \[N, T\]/) });
  });
});
