import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, loadOnnxRuntime, openOnnxPredictor } from '../../onnx/index.js';
import { decodeModel } from '../onnx-builder/index.js';
import { trainQuietly } from '../test-train.js';
import { createRandom } from '../parallel/random.js';
import { classify, modelIndex, readBt, wordVector } from './bt-model.js';
import { blazingtext as bt } from './index.js';
import { tokens } from './text-corpus.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TOPICS: Record<string, string[]> = {
  sport: ['goal', 'match', 'team', 'score', 'referee', 'league', 'coach', 'stadium'],
  food: ['bread', 'cheese', 'soup', 'recipe', 'oven', 'spice', 'dinner', 'kitchen'],
  music: ['guitar', 'song', 'album', 'drums', 'concert', 'melody', 'band', 'chorus'],
};
const FILLER = ['the', 'a', 'was', 'great', 'today', 'and', 'very', 'we', 'saw'];

/** Sentences whose topic is told by their words, among filler words: `[topic, text]`. */
function topics(n: number, seed: number): [string, string][] {
  const rng = createRandom(seed);
  const names = Object.keys(TOPICS);
  return Array.from({ length: n }, () => {
    const label = names[rng.int(names.length)];
    const words = Array.from({ length: 3 + rng.int(8) }, () => (rng.next() < 0.4 ? TOPICS[label][rng.int(8)] : FILLER[rng.int(FILLER.length)]));
    return [label, words.join(' ')];
  });
}

/** `car`/`automobile` and `cat`/`kitten` share their contexts and never meet. */
function synonyms(n: number, seed: number): string[] {
  const rng = createRandom(seed);
  const vehicle = ['drive', 'road', 'engine', 'wheel', 'fuel', 'garage', 'park', 'fast'];
  const pet = ['purr', 'milk', 'fur', 'sleep', 'paw', 'mouse', 'soft', 'meow'];
  return Array.from({ length: n }, () => {
    const isVehicle = rng.next() < 0.5;
    const ctxWords = isVehicle ? vehicle : pet;
    const word = isVehicle ? (rng.next() < 0.5 ? 'car' : 'automobile') : rng.next() < 0.5 ? 'cat' : 'kitten';
    const words = Array.from({ length: 6 }, () => ctxWords[rng.int(ctxWords.length)]);
    words.splice(rng.int(7), 0, word);
    return words.join(' ');
  });
}

let run = 0;
async function train(values: Record<string, string | number | boolean>, lines: string[]): Promise<string> {
  const dir = path.join(tmp, String(run++));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.txt');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return trainQuietly(bt, { dir, file, contentType: 'text/plain', hyperparameters: values, seed: 5, threads: 2 });
}

/** Token rows padded with "" to the longest. */
function padded(docs: string[][]): { data: string[]; width: number } {
  const width = Math.max(1, ...docs.map((d) => d.length));
  return { data: docs.flatMap((d) => [...d, ...Array<string>(width - d.length).fill('')]), width };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return ab / Math.sqrt(aa * bb);
};

describe('blazingtext supervised ONNX export', () => {
  it.each([1, 2, 3])('word_ngrams %i: onnxruntime gives the predictor’s probabilities (1e-5) and best label', async (wordNgrams) => {
    // Few buckets, so n-grams share rows and a bucket the graph computes wrongly still often has one.
    const modelDir = await train({ mode: 'supervised', epochs: 8, learning_rate: 0.3, vector_dim: 12, min_count: 2, word_ngrams: wordNgrams, buckets: 5000 }, topics(1500, 1).map(([l, t]) => `__label__${l} ${t}`));
    const bytes = await exportToOnnx(modelDir, 'blazingtext');
    const decoded = decodeModel(bytes);
    const { artifact, weights } = await readBt(modelDir);
    if (wordNgrams > 1) expect(artifact.bucketIds.length).toBeGreaterThan(0);
    expect(decoded.inputs).toEqual([{ name: 'tokens', type: 'string', shape: ['N', 'L'] }]);
    expect(decoded.outputs).toEqual([
      { name: 'probabilities', type: 'float32', shape: ['N', artifact.labels.length] },
      { name: 'label', type: 'string', shape: ['N'] },
    ]);
    expect(decoded.metadata).toMatchObject({ algorithm: 'blazingtext', mode: 'supervised', word_ngrams: String(wordNgrams), labels: JSON.stringify(artifact.labels) });

    const held = topics(60, 2);
    const texts = [
      ...held.map(([, t]) => t),
      // Unknown words (a label among them) between known ones: n-grams join the known words around them.
      ...held.slice(0, 20).map(([, t]) => t.split(' ').join(' zzz ')),
      'the zzz band qqq played __label__sport a song',
      '  soup\tand   bread  ',
      'nothing here is known',
      '',
    ];
    const docs = texts.map(tokens);
    const { data, width } = padded(docs);
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    try {
      const got = await session.run({ tokens: new ort.Tensor('string', data, [docs.length, width]) });
      const L = artifact.labels.length;
      expect(got.probabilities.dims).toEqual([docs.length, L]);
      const index = modelIndex(artifact);
      const h = new Float32Array(artifact.dim);
      const p = new Float64Array(L);
      const expected = texts.flatMap((t) => (classify(artifact, weights, index, t, h, p), Array.from(p)));
      expect(maxDiff(got.probabilities.data as Float32Array, expected)).toBeLessThan(1e-5);
      // The served predictor's top labels, and the known topics of the held-out sentences.
      const predictor = await bt.load(modelDir);
      const native = (JSON.parse(predictor.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from(JSON.stringify({ instances: texts })) }).body) as { label: string[] }[]).map((r) => r.label[0]);
      const labels = got.label.data as string[];
      expect(labels).toEqual(native);
      const right = held.filter(([topic], i) => labels[i] === `__label__${topic}`).length;
      expect(right / held.length).toBeGreaterThan(0.9);
      // No known word: equal probabilities, as the predictor gives.
      const none = Array.from((got.probabilities.data as Float32Array).slice((docs.length - 1) * L));
      expect(maxDiff(none, Array<number>(L).fill(1 / L))).toBeLessThan(1e-6);
    } finally {
      await session.release();
    }
  }, 60_000);
});

describe('blazingtext Word2Vec ONNX export', () => {
  it.each([
    ['skipgram', false],
    ['cbow', true],
  ] as const)('%s (subwords %s): the vocabulary’s vectors are the predictor’s; a word outside it gets zeros', async (mode, subwords) => {
    const modelDir = await train({ mode, epochs: 4, vector_dim: 16, window_size: 3, min_count: 2, sampling_threshold: 0.001, subwords }, synonyms(2000, 3));
    const bytes = await exportToOnnx(modelDir, 'blazingtext');
    const decoded = decodeModel(bytes);
    expect(decoded.inputs).toEqual([{ name: 'words', type: 'string', shape: ['N'] }]);
    expect(decoded.outputs).toEqual([{ name: 'vectors', type: 'float32', shape: ['N', 16] }]);
    expect(decoded.metadata).toMatchObject({ mode, subwords: String(subwords) });
    const { artifact, weights } = await readBt(modelDir);
    const words = ['car', 'automobile', 'cat', 'kitten', 'automobiles', '', ...artifact.words];
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    try {
      const got = (await session.run({ words: new ort.Tensor('string', words, [words.length]) })).vectors;
      expect(got.dims).toEqual([words.length, 16]);
      const vectors = got.data as Float32Array;
      const row = (i: number) => vectors.subarray(i * 16, (i + 1) * 16);
      const index = modelIndex(artifact);
      const v = new Float32Array(16);
      words.forEach((word, i) => {
        const known = index.words.has(word);
        wordVector(artifact, weights.input, index, word, v);
        if (known) expect(maxDiff(row(i), v)).toBeLessThan(1e-6);
        else {
          expect(Array.from(row(i)).every((x) => x === 0)).toBe(true);
          // With subwords the predictor builds a vector from character n-grams; the graph cannot.
          if (word === 'automobiles') expect(v.some((x) => x !== 0)).toBe(subwords);
        }
      });
      // What vectors.txt holds (six digits) and the synonyms the corpus was made of.
      const file = fs.readFileSync(path.join(modelDir, 'vectors.txt'), 'utf8').trim().split('\n').slice(1);
      const fromFile = new Map(file.map((l) => [l.split(' ')[0], l.split(' ').slice(1).map(Number)]));
      expect(maxDiff(row(0), fromFile.get('car')!)).toBeLessThan(1e-5);
      expect(cosine(row(0), row(1))).toBeGreaterThan(cosine(row(0), row(3)) + 0.2);
      expect(cosine(row(2), row(3))).toBeGreaterThan(cosine(row(2), row(1)) + 0.2);
    } finally {
      await session.release();
    }
  }, 60_000);
});

describe('blazingtext ONNX export: serving and bad models', () => {
  it('is refused by the float-features serving rule, naming its input', async () => {
    const modelDir = await train({ mode: 'supervised', epochs: 1, vector_dim: 4, min_count: 1 }, topics(50, 4).map(([l, t]) => `__label__${l} ${t}`));
    const file = path.join(tmp, 'refused.onnx');
    fs.writeFileSync(file, await exportToOnnx(modelDir, 'blazingtext'));
    await expect(openOnnxPredictor(file)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining(`The input 'tokens' is string`) });

    const edit = (change: (doc: Record<string, unknown>) => void) => {
      const dir = path.join(tmp, `bad-${run++}`);
      fs.cpSync(modelDir, dir, { recursive: true });
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      change(doc);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(doc));
      return exportToOnnx(dir, 'blazingtext');
    };
    await expect(edit((d) => (d.version = '2.0.0'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(edit((d) => (d.format = 'orchard-knn'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(edit((d) => (d.dim = 5))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('weights.bin') });
    await expect(edit((d) => ((d.words as string[])[1] = (d.words as string[])[0]))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('twice') });
    await expect(edit((d) => (d.mode = 'glove'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('mode') });
    await expect(edit((d) => (d.bucketIds = [-1, ...(d.bucketIds as number[]).slice(1)]))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('bucket') });
    fs.rmSync(path.join(modelDir, 'weights.bin'));
    await expect(exportToOnnx(modelDir, 'blazingtext')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('weights.bin') });
  }, 60_000);
});
