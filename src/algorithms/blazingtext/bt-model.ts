/**
 * The BlazingText artifact and its predictor. Every model has `model.json` (header,
 * mode, vocabulary, labels, the hash buckets in use) and `weights.bin` (little-endian
 * float32: the input rows, then for supervised the label rows). Word2Vec models also
 * have `vectors.txt`, the word2vec text format SageMaker writes (`<words> <dim>` then
 * `word v1 … vd` a line), which gensim and fastText read.
 *
 * Inference (SageMaker's documents): supervised `{"instances": ["a sentence", …],
 * "configuration": {"k": 2}}` → `[{"label": ["__label__x", …], "prob": [p, …]}]`, JSON
 * Lines `{"source": "a sentence"}` a line; Word2Vec `{"instances": ["word", …]}` →
 * `[{"vector": […], "word": "word"}]` (zeros for a word it cannot build a vector for).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { badInput } from '../data/instances.js';
import { invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import type { BtMode } from './hyperparameters.js';
import { charNgramBuckets, hashString, lineInputs, tokens } from './text-corpus.js';

export const BT_FORMAT = 'orchard-blazingtext';
export const BT_VERSION = '1.0.0';
export const WEIGHTS_FILE = 'weights.bin';
export const VECTORS_FILE = 'vectors.txt';
/** Largest request a model answers at once. */
const MAX_INSTANCES = 100_000;

export interface BtArtifact {
  format: typeof BT_FORMAT;
  algorithm: 'blazingtext';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  mode: BtMode;
  dim: number;
  words: string[];
  /** supervised: the labels, `__label__` prefix kept. */
  labels: string[];
  /** Hash buckets with a row, in row order after the words' rows (word n-grams or character n-grams). */
  bucketIds: number[];
  buckets: number;
  wordNgrams: number;
  subwords: { minChar: number; maxChar: number } | null;
  metrics: Record<string, number>;
}

export interface BtWeights {
  /** (words + bucketIds) × dim. */
  input: Float32Array;
  /** supervised: labels × dim. */
  output: Float32Array | null;
}

export async function saveBt(modelDir: string, a: BtArtifact, w: BtWeights): Promise<void> {
  await writeModelFile(modelDir, a);
  const parts = [Buffer.from(w.input.buffer, w.input.byteOffset, w.input.byteLength)];
  if (w.output) parts.push(Buffer.from(w.output.buffer, w.output.byteOffset, w.output.byteLength));
  await fs.writeFile(path.join(modelDir, WEIGHTS_FILE), Buffer.concat(parts));
  if (a.mode !== 'supervised') await writeVectors(path.join(modelDir, VECTORS_FILE), a, w.input);
}

/**
 * `String(Number(x.toPrecision(6)))` without parsing the digits back: the shortest decimal
 * of the double nearest a six-digit decimal is that decimal without its trailing zeros
 * (fixed notation has the same range in both, exponents go the long way).
 */
export function sixDigits(x: number): string {
  const s = x.toPrecision(6);
  if (s.includes('e')) return String(Number(s));
  if (!s.includes('.')) return s === '-0' ? '0' : s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  const t = s.slice(0, end);
  return t === '-0' ? '0' : t;
}

/** The word2vec text format: a header line, then each word and its vector. */
async function writeVectors(file: string, a: BtArtifact, input: Float32Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    const v = new Float32Array(a.dim);
    const index = indexOf(a);
    let chunk = `${a.words.length} ${a.dim}\n`;
    for (let i = 0; i < a.words.length; i++) {
      wordVector(a, input, index, a.words[i], v);
      chunk += a.words[i];
      for (let k = 0; k < a.dim; k++) chunk += ' ' + sixDigits(v[k]);
      chunk += '\n';
      if (chunk.length > 1 << 20) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

export async function readBt(modelDir: string): Promise<{ artifact: BtArtifact; weights: BtWeights }> {
  const a = await readModelFile<BtArtifact>(modelDir, { format: BT_FORMAT, algorithm: 'blazingtext', version: BT_VERSION, label: 'blazingtext' });
  if (!Number.isInteger(a.dim) || a.dim < 1 || !Array.isArray(a.words) || !Array.isArray(a.labels) || !Array.isArray(a.bucketIds)) throw invalidModel('blazingtext model.json lacks its dimension, vocabulary or buckets');
  let bin: Buffer;
  try {
    bin = await fs.readFile(path.join(modelDir, WEIGHTS_FILE));
  } catch (cause) {
    throw invalidModel(`No readable ${WEIGHTS_FILE} in the blazingtext model folder`, { cause: String(cause) });
  }
  const inputRows = a.words.length + a.bucketIds.length;
  const outputRows = a.mode === 'supervised' ? a.labels.length : 0;
  if (bin.byteLength !== (inputRows + outputRows) * a.dim * 4) throw invalidModel(`${WEIGHTS_FILE} does not hold ${inputRows + outputRows} rows of ${a.dim}`);
  const all = new Float32Array(bin.byteLength / 4);
  new Uint8Array(all.buffer).set(bin);
  return { artifact: a, weights: { input: all.subarray(0, inputRows * a.dim), output: outputRows ? all.subarray(inputRows * a.dim) : null } };
}

interface ModelIndex {
  words: Map<string, number>;
  buckets: Map<number, number>;
  hashes: Uint32Array;
}

function indexOf(a: BtArtifact): ModelIndex {
  const words = new Map(a.words.map((w, i) => [w, i]));
  const buckets = new Map(a.bucketIds.map((b, i) => [b, a.words.length + i]));
  return { words, buckets, hashes: Uint32Array.from(a.words, hashString) };
}

/** A word's vector: its row (with subwords, the mean of its row and its character n-grams' rows, as fastText). */
export function wordVector(a: BtArtifact, input: Float32Array, index: ModelIndex, word: string, out: Float32Array): boolean {
  out.fill(0);
  const d = a.dim;
  const rows: number[] = [];
  const id = index.words.get(word);
  if (id !== undefined) rows.push(id);
  if (a.subwords) {
    for (const b of charNgramBuckets(word, a.subwords.minChar, a.subwords.maxChar, a.buckets)) {
      const row = index.buckets.get(b);
      if (row !== undefined) rows.push(row);
    }
  }
  if (rows.length === 0) return false;
  for (const row of rows) for (let k = 0; k < d; k++) out[k] += input[row * d + k];
  for (let k = 0; k < d; k++) out[k] /= rows.length;
  return true;
}

/** Label probabilities of one sentence (softmax over the labels of the mean of its rows); null when no word is known. */
export function classify(a: BtArtifact, w: BtWeights, index: ModelIndex, sentence: string, h: Float32Array, probs: Float64Array): boolean {
  const ids: number[] = [];
  for (const t of tokens(sentence)) {
    const id = index.words.get(t);
    if (id !== undefined) ids.push(id);
  }
  const rows: number[] = [];
  lineInputs(ids, 0, ids.length, index.hashes, a.wordNgrams, a.buckets, index.buckets, null, rows);
  const d = a.dim;
  h.fill(0);
  for (const row of rows) for (let k = 0; k < d; k++) h[k] += w.input[row * d + k];
  if (rows.length) for (let k = 0; k < d; k++) h[k] /= rows.length;
  let max = -Infinity;
  for (let j = 0; j < a.labels.length; j++) {
    let f = 0;
    for (let k = 0; k < d; k++) f += h[k] * w.output![j * d + k];
    probs[j] = f;
    if (f > max) max = f;
  }
  let sum = 0;
  for (let j = 0; j < a.labels.length; j++) sum += probs[j] = Math.exp(probs[j] - max);
  for (let j = 0; j < a.labels.length; j++) probs[j] /= sum;
  return rows.length > 0;
}

/** The best label of each line of a channel (for accuracy). */
export function topLabel(probs: Float64Array, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (probs[j] > probs[best]) best = j;
  return best;
}

interface Request {
  instances: string[];
  k: number;
  lines: boolean;
}

function parseRequest(contentType: string, body: Buffer): Request {
  const text = body.toString('utf8');
  if (contentType === 'application/jsonlines') {
    const instances: string[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        throw badInput(`Line ${i + 1} is not JSON`, { line: i + 1 });
      }
      const source = (doc as { source?: unknown })?.source;
      if (typeof source !== 'string') throw badInput(`Line ${i + 1}: each line is {"source": "text"}`, { line: i + 1 });
      instances.push(source);
    });
    return { instances, k: 1, lines: true };
  }
  if (contentType !== 'application/json') throw badInput('blazingtext reads application/json ({"instances": ["…"]}) or application/jsonlines ({"source": "…"} a line)');
  let doc: { instances?: unknown; configuration?: { k?: unknown } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw badInput('The request body is not JSON');
  }
  if (!doc || !Array.isArray(doc.instances)) throw badInput('The request is {"instances": ["…", …]}', { field: 'instances' });
  const bad = doc.instances.findIndex((s) => typeof s !== 'string');
  if (bad >= 0) throw badInput(`instances[${bad}] is not a string`, { field: `instances[${bad}]` });
  const k = doc.configuration?.k ?? 1;
  if (!Number.isInteger(k) || (k as number) < 1) throw badInput('configuration.k is a positive integer', { field: 'configuration.k' });
  return { instances: doc.instances as string[], k: k as number, lines: false };
}

export function btPredictor(a: BtArtifact, w: BtWeights): Predictor {
  const index = indexOf(a);
  const d = a.dim;
  const answer = (req: Request, records: Record<string, unknown>[]) =>
    req.lines ? { contentType: 'application/jsonlines', body: records.map((r) => JSON.stringify(r) + '\n').join('') } : { contentType: 'application/json', body: JSON.stringify(records) };
  return {
    numFeatures: 1,
    predict() {
      throw badInput('blazingtext answers documents of text, not rows of numbers: send application/json {"instances": ["…"]}');
    },
    invoke({ contentType, body }) {
      const req = parseRequest(contentType, body);
      return answer(req, answerInstances(req.instances, req.k));
    },
    answerRecords(records) {
      // Batch transform: each record is one line of text, a sentence (supervised) or a word.
      return answerInstances(records, 1).map((r) => JSON.stringify(r));
    },
  };

  function answerInstances(instances: readonly string[], kAsked: number): Record<string, unknown>[] {
    if (instances.length > MAX_INSTANCES) throw badInput(`At most ${MAX_INSTANCES} instances a request`);
    if (a.mode === 'supervised') {
      const h = new Float32Array(d);
      const probs = new Float64Array(a.labels.length);
      const k = Math.min(kAsked, a.labels.length);
      return instances.map((s) => {
        classify(a, w, index, s, h, probs);
        const order = Array.from(probs.keys()).sort((x, y) => probs[y] - probs[x] || x - y).slice(0, k);
        return { label: order.map((j) => a.labels[j]), prob: order.map((j) => Number(probs[j].toPrecision(6))) };
      });
    }
    const v = new Float32Array(d);
    return instances.map((word) => {
      wordVector(a, w.input, index, word, v);
      return { vector: Array.from(v, (x) => Number(x.toPrecision(6))), word };
    });
  }
}

/** Index of a loaded model, for evaluating channels during training. */
export { indexOf as modelIndex };
