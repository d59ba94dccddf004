import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { checkHyperparameters, resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { blazingtext as bt, trainWord2Vec } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function context(values: Record<string, string | number | boolean>, channels: Record<string, string>, modelDir: string, type = 'text/plain', threads = 2) {
  const metrics: Record<string, number[]> = {};
  const log: string[] = [];
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(bt, values),
    channels: Object.fromEntries(Object.entries(channels).map(([k, file]) => [k, { files: [file], contentType: type }])),
    modelDir,
    checkpointDir: path.join(tmp, 'ckpt'),
    threads,
    seed: 11,
    signal: new AbortController().signal,
    log: (line) => log.push(line),
    metric: (name, value) => (metrics[name] ??= []).push(value),
  };
  return { ctx, metrics, log };
}

async function invoke(modelDir: string, body: unknown, contentType: 'application/json' | 'application/jsonlines' = 'application/json') {
  const p = await bt.load(modelDir);
  const answer = p.invoke!({ contentType, accept: undefined, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });
  return { contentType: answer.contentType, doc: contentType === 'application/json' ? JSON.parse(answer.body) : answer.body.trim().split('\n').map((l) => JSON.parse(l)) };
}

/** Sentences whose topic (sport, food, music) is told by its words, with shared filler words. */
function topics(n: number, seed: number): string[] {
  const rng = createRandom(seed);
  const vocab: Record<string, string[]> = {
    sport: ['goal', 'match', 'team', 'score', 'referee', 'league', 'coach', 'stadium'],
    food: ['bread', 'cheese', 'soup', 'recipe', 'oven', 'spice', 'dinner', 'kitchen'],
    music: ['guitar', 'song', 'album', 'drums', 'concert', 'melody', 'band', 'chorus'],
  };
  const filler = ['the', 'a', 'was', 'great', 'today', 'and', 'very', 'we', 'saw'];
  const names = Object.keys(vocab);
  return Array.from({ length: n }, () => {
    const label = names[rng.int(names.length)];
    const words = Array.from({ length: 8 }, () => (rng.next() < 0.4 ? vocab[label][rng.int(8)] : filler[rng.int(filler.length)]));
    return `__label__${label} ${words.join(' ')}`;
  });
}

describe('blazingtext supervised', () => {
  it('learns separable topics: validation accuracy, top-k answers in SageMaker’s shape', async () => {
    const train = write('topics-train.txt', topics(3000, 1));
    const validation = write('topics-val.txt', topics(500, 2));
    const dir = path.join(tmp, 'sup');
    const { ctx, metrics } = context({ mode: 'supervised', epochs: 10, learning_rate: 0.3, vector_dim: 20, min_count: 1 }, { train, validation }, dir);
    await bt.train(ctx);
    expect(metrics['validation:accuracy'].at(-1)).toBeGreaterThan(0.95);
    expect(metrics['train:loss'].at(-1)).toBeLessThan(metrics['train:loss'][0]);
    const { doc } = await invoke(dir, { instances: ['the band played a song at the concert', 'soup and bread for dinner'], configuration: { k: 2 } });
    expect(doc).toHaveLength(2);
    expect(doc[0].label).toHaveLength(2);
    expect(doc[0].label[0]).toBe('__label__music');
    expect(doc[1].label[0]).toBe('__label__food');
    expect(doc[0].prob[0]).toBeGreaterThan(doc[0].prob[1]);
    const lines = await invoke(dir, '{"source": "the referee and the team"}\n', 'application/jsonlines');
    expect(lines.contentType).toBe('application/jsonlines');
    expect(lines.doc[0].label).toEqual(['__label__sport']);
  });

  it('early stopping keeps the best epoch and stops after `patience` epochs without improvement', async () => {
    const train = write('es-train.txt', topics(600, 3));
    const validation = write('es-val.txt', topics(200, 4));
    const dir = path.join(tmp, 'es');
    const { ctx, metrics, log } = context({ mode: 'supervised', epochs: 200, learning_rate: 0.5, vector_dim: 10, min_count: 1, early_stopping: true, patience: 2, min_epochs: 3 }, { train, validation }, dir);
    await bt.train(ctx);
    expect(metrics['validation:accuracy'].length).toBeLessThan(200);
    expect(log.some((l) => l.startsWith('early stopping'))).toBe(true);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(saved.metrics['validation:accuracy']).toBe(Math.max(...metrics['validation:accuracy']));
  });
});

/**
 * A corpus where `car` and `automobile` (and `cat` and `kitten`) are used in the same
 * contexts and never together: their vectors should end up close, and far from the other pair.
 */
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

const cosine = (a: number[], b: number[]) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return ab / Math.sqrt(aa * bb);
};

describe('blazingtext word2vec', () => {
  const corpus = () => write('synonyms.txt', synonyms(4000, 5));
  for (const [mode, kernel] of [['skipgram', 'auto'], ['cbow', 'auto'], ['batch_skipgram', 'auto'], ['skipgram', 'js'], ['cbow', 'js'], ['batch_skipgram', 'js']] as const) {
    it(`${mode} (${kernel === 'js' ? 'JavaScript' : 'WebAssembly SIMD'} kernel): synonyms end up nearer each other than unrelated words; vectors.txt in word2vec's format`, async () => {
      const dir = path.join(tmp, kernel === 'js' ? `${mode}-js` : mode);
      const { ctx, metrics, log } = context({ mode, epochs: 5, vector_dim: 16, window_size: 3, min_count: 2, sampling_threshold: 0.001 }, { train: corpus() }, dir);
      if (kernel === 'js') await trainWord2Vec(ctx, 'js');
      else await bt.train(ctx);
      expect(log[0]).toContain(kernel === 'js' ? 'JavaScript kernel' : 'WebAssembly SIMD kernel');
      expect(metrics['train:loss']).toHaveLength(5);
      const { doc } = await invoke(dir, { instances: ['car', 'automobile', 'cat', 'kitten', 'nosuchword'] });
      const [car, auto, cat, kitten, none] = doc as { vector: number[]; word: string }[];
      expect(car.word).toBe('car');
      expect(cosine(car.vector, auto.vector)).toBeGreaterThan(cosine(car.vector, kitten.vector) + 0.2);
      expect(cosine(cat.vector, kitten.vector)).toBeGreaterThan(cosine(cat.vector, auto.vector) + 0.2);
      expect(none.vector.every((v: number) => v === 0)).toBe(true);
      const vectors = fs.readFileSync(path.join(dir, 'vectors.txt'), 'utf8').trim().split('\n');
      expect(vectors[0]).toBe(`${vectors.length - 1} 16`);
      expect(vectors[1].split(' ')).toHaveLength(17);
    });
  }

  it('subwords give a word outside the vocabulary a vector near its relatives', async () => {
    const dir = path.join(tmp, 'subwords');
    const { ctx, log } = context({ mode: 'skipgram', epochs: 5, vector_dim: 16, window_size: 3, min_count: 2, subwords: true }, { train: corpus() }, dir);
    await bt.train(ctx);
    expect(log[0]).toContain('WebAssembly SIMD kernel');
    const { doc } = await invoke(dir, { instances: ['automobiles', 'automobile', 'kitten'] });
    expect(doc[0].vector.some((v: number) => v !== 0)).toBe(true);
    expect(cosine(doc[0].vector, doc[1].vector)).toBeGreaterThan(cosine(doc[0].vector, doc[2].vector));
  });
});

describe('blazingtext bad input', () => {
  it('refuses hyperparameters that do not fit the mode, each naming its field', () => {
    const { problems } = checkHyperparameters(bt, { mode: 'cbow', early_stopping: true, min_char: 5, max_char: 3, vector_dim: 0 });
    expect(problems.map((p) => p.field).sort()).toEqual(['early_stopping', 'min_char', 'vector_dim']);
    expect(checkHyperparameters(bt, {}).problems.map((p) => p.field)).toEqual(['mode']);
    expect(checkHyperparameters(bt, { mode: 'word2vec' }).problems[0].code).toBe('ORCH_HYPERPARAMETER_INVALID');
  });

  it('fails clearly on an empty vocabulary, lines without labels, a CSV channel and a missing validation channel', async () => {
    const rare = write('rare.txt', ['each word once', 'never seen twice']);
    const dir = path.join(tmp, 'bad');
    const err = (p: Promise<unknown>) => p.then(() => null, (e: { code: string; message: string }) => e);
    const empty = await err(bt.train(context({ mode: 'skipgram', min_count: 5 }, { train: rare }, dir).ctx));
    expect(empty).toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    expect(empty!.message).toContain('min_count');
    const unlabelled = await err(bt.train(context({ mode: 'supervised', min_count: 1 }, { train: rare }, dir).ctx));
    expect(unlabelled).toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    expect(unlabelled!.message).toContain('__label__');
    const csv = await err(bt.train(context({ mode: 'cbow' }, { train: rare }, dir, 'text/csv').ctx));
    expect(csv).toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    const noValidation = await err(bt.train(context({ mode: 'supervised', early_stopping: true }, { train: rare }, dir).ctx));
    expect(noValidation).toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
  });

  it('answers a bad request with ORCH_MODEL_INPUT_INVALID naming what is wrong', async () => {
    const dir = path.join(tmp, 'cbow');
    expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
    const p = await bt.load(dir);
    const call = (body: string, contentType: 'application/json' | 'application/jsonlines' | 'text/csv' = 'application/json') => {
      try {
        p.invoke!({ contentType, accept: undefined, body: Buffer.from(body) });
        return null;
      } catch (e) {
        return e as { code: string; message: string };
      }
    };
    expect(call('not json')).toMatchObject({ code: 'ORCH_MODEL_INPUT_INVALID' });
    expect(call('{"instances": "car"}')!.message).toContain('instances');
    expect(call('{"instances": ["car", 3]}')!.message).toContain('instances[1]');
    expect(call('{"instances": ["car"], "configuration": {"k": 0}}')!.message).toContain('configuration.k');
    expect(call('car\n', 'text/csv')).toMatchObject({ code: 'ORCH_MODEL_INPUT_INVALID' });
    expect(call('{"text": "car"}\n', 'application/jsonlines')!.message).toContain('Line 1');
    await expect(bt.load(path.join(tmp, 'nothing-here'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
  });
});
