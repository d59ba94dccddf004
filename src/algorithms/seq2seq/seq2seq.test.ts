import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { corpusBleu } from './decode.js';
import { checkSeq2SeqHyperparameters } from './hyperparameters.js';
import { seq2seq } from './index.js';
import { readSeq2Seq } from './seq2seq-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seq2seq-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A translation with a known answer: each source word `aN` has its own target word `bN`,
 * and the target is the source's words translated and reversed (so the network must
 * attend to positions, not copy in order).
 */
function pairs(n: number, seed: number): { source: string; target: string }[] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => {
    const len = 2 + Math.floor(rng.next() * 3);
    const words = Array.from({ length: len }, () => Math.floor(rng.next() * 6));
    return { source: words.map((w) => `a${w}`).join(' '), target: [...words].reverse().map((w) => `b${w}`).join(' ') };
  });
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function context(values: Record<string, string | number>, channels: Record<string, string>, name: string) {
  const points: Record<string, number[]> = {};
  const lines: string[] = [];
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(seq2seq, values),
    channels: Object.fromEntries(Object.entries(channels).map(([k, file]) => [k, { files: [file], contentType: 'text/plain' }])),
    modelDir: path.join(tmp, name, 'model'),
    checkpointDir: path.join(tmp, name, 'checkpoints'),
    threads: 1,
    seed: 5,
    signal: new AbortController().signal,
    log: (l) => lines.push(l),
    metric: (metric, value) => (points[metric] ??= []).push(value),
  };
  return { ctx, points, lines };
}

const HP = { num_embed_source: 32, num_embed_target: 32, transformer_attention_heads: 2, transformer_feed_forward_num_hidden: 64, batch_size: 32, learning_rate: 0.005, max_num_epochs: 16, label_smoothing: 0, beam_size: 3, bleu_sample_size: 10 };

describe('seq2seq', () => {
  const train = pairs(500, 1);
  const held = pairs(60, 2);
  // Tab-separated pairs and JSON records in the same text dataset.
  const trainFile = write('train.txt', train.map((p, i) => (i % 2 ? JSON.stringify(p) : `${p.source}\t${p.target}`)).join('\n') + '\n');
  const validFile = write('valid.txt', held.map((p) => `${p.source}\t${p.target}`).join('\n'));

  it('learns a reversing translation: beam search answers held-out sentences, BLEU and accuracy rise', async () => {
    const { ctx, points, lines } = context({ ...HP, rnn_num_hidden: 512 }, { train: trainFile, validation: validFile }, 'reverse');
    await seq2seq.train(ctx);
    const loss = points['train:loss'];
    expect(loss.at(-1)!).toBeLessThan(0.3 * loss[0]);
    expect(points['validation:accuracy'].at(-1)!).toBeGreaterThan(0.9);
    expect(points['validation:bleu'].at(-1)!).toBeGreaterThan(0.6);
    expect(points['validation:perplexity'].at(-1)!).toBeLessThan(points['validation:perplexity'][0]);
    expect(lines.some((l) => l.includes('rnn_num_hidden'))).toBe(true);

    const predictor = await seq2seq.load(ctx.modelDir);
    const answer = predictor.invoke!({ contentType: 'application/json', accept: 'application/json', body: Buffer.from(JSON.stringify({ instances: held.map((p) => ({ data: p.source })) })) });
    const predictions = (JSON.parse(answer.body) as { predictions: { target: string }[] }).predictions;
    const exact = predictions.filter((p, i) => p.target === held[i].target).length / held.length;
    expect(exact).toBeGreaterThan(0.85);

    // JSON Lines and batch transform's records answer the same.
    const lines2 = predictor.invoke!({ contentType: 'application/jsonlines', accept: undefined, body: Buffer.from(held.slice(0, 3).map((p) => JSON.stringify({ source: p.source })).join('\n')) });
    expect(lines2.body.trim().split('\n').map((l) => JSON.parse(l).target)).toEqual(predictions.slice(0, 3).map((p) => p.target));
    expect(predictor.answerRecords!([held[0].source, JSON.stringify({ source: held[1].source })]).map((l) => JSON.parse(l).target)).toEqual(predictions.slice(0, 2).map((p) => p.target));
    // Unknown words read as <unk>; an empty sentence is refused.
    expect(() => predictor.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from('{"instances":[{"data":"   "}]}') })).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INPUT_INVALID' }));
    expect(() => predictor.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from('{"instances":[{"text":"a1"}]}') })).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INPUT_INVALID' }));
    const artifact = await readSeq2Seq(ctx.modelDir);
    expect(artifact.sourceVocab.slice(0, 4)).toEqual(['<pad>', '<unk>', '<s>', '</s>']);
  }, 240_000);

  it('resumes from its checkpoint after the last completed epoch', async () => {
    const first = context({ ...HP, max_num_epochs: 2 }, { train: trainFile }, 'resume');
    await seq2seq.train(first.ctx);
    const again = context({ ...HP, max_num_epochs: 3 }, { train: trainFile }, 'resume');
    await seq2seq.train(again.ctx);
    expect(again.lines.some((l) => l.includes('resumed from the checkpoint after epoch 2'))).toBe(true);
    expect(again.points['train:loss'].length).toBe(1);
  }, 120_000);

  it('refuses bad input with the field named', async () => {
    const noTab = write('bad.txt', 'a1 a2 b2 b1\n');
    await expect(seq2seq.train(context(HP, { train: noTab }, 'bad').ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', details: { line: 1 } });
    const emptyTarget = write('empty.txt', 'a1\tb1\na2\t  \n');
    await expect(seq2seq.train(context(HP, { train: emptyTarget }, 'empty').ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', details: { line: 2, field: 'target' } });
    const csv = { ...context(HP, { train: trainFile }, 'csv').ctx };
    csv.channels = { train: { files: [trainFile], contentType: 'text/csv' } };
    await expect(seq2seq.train(csv)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    expect(checkSeq2SeqHyperparameters({ ...resolveHyperparameters(seq2seq, {}), num_embed_source: 30, num_embed_target: 32, transformer_attention_heads: 4 }).map((p) => p.field)).toEqual(['num_embed_target', 'transformer_attention_heads']);
  });

  it('scores BLEU as corpus BLEU-4 with the brevity penalty', () => {
    const ref = 'the cat sat on the mat today'.split(' ');
    expect(corpusBleu([ref], [ref])).toBeCloseTo(1, 10);
    expect(corpusBleu([['the', 'cat']], [ref])).toBe(0);
    const short = ref.slice(0, 5);
    expect(corpusBleu([short], [ref])).toBeCloseTo(Math.exp(1 - 7 / 5), 10);
  });
});
