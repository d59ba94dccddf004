/**
 * The seq2seq artifact (`model.json`: header, the network's shape, both vocabularies,
 * the decoding settings, the weights) and its predictor. Requests are SageMaker's JSON
 * `{"instances": [{"data": "a tokenised sentence"}, …]}` → `{"predictions": [{"target":
 * "…"}, …]}`, or JSON Lines `{"source": "…"}` → `{"target": "…"}` a line; batch transform
 * hands it the lines of a text dataset (each line a source sentence) or JSON Lines records.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { badInput } from '../data/instances.js';
import { invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { neuralEngine, weightTensors, type SavedWeights } from '../neural/index.js';
import { tokens } from '../blazingtext/text-corpus.js';
import { beamSearch } from './decode.js';
import { SPECIALS, encodeTokens, maxOutputLength, type Vocab } from './seq2seq-data.js';
import { transformerParamSpecs, type TransformerShape } from './transformer.js';

export const SEQ2SEQ_FORMAT = 'orchard-seq2seq';
export const SEQ2SEQ_VERSION = '1.0.0';
const MAX_INSTANCES = 10_000;

export interface Seq2SeqArtifact {
  format: typeof SEQ2SEQ_FORMAT;
  algorithm: 'seq2seq';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  shape: TransformerShape;
  sourceVocab: string[];
  targetVocab: string[];
  maxSource: number;
  maxTarget: number;
  /** Target/source length ratio of the training pairs: bounds the answers' length. */
  lengthRatio: { mean: number; std: number };
  beam: number;
  alpha: number;
  weights: SavedWeights;
  metrics: Record<string, number>;
  epochs: number;
}

export async function saveSeq2Seq(modelDir: string, a: Seq2SeqArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readSeq2Seq(modelDir: string): Promise<Seq2SeqArtifact> {
  const a = await readModelFile<Seq2SeqArtifact>(modelDir, { format: SEQ2SEQ_FORMAT, algorithm: 'seq2seq', version: SEQ2SEQ_VERSION, label: 'seq2seq' });
  const s = a.shape;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!s || ![s.sourceVocab, s.targetVocab, s.width, s.heads, s.ffn, s.layersEncoder, s.layersDecoder, a.maxSource, a.maxTarget, a.beam].every(positive)) throw invalidModel('seq2seq model has no valid shape');
  const vocabOk = (list: unknown, n: number) => Array.isArray(list) && list.length === n && SPECIALS.every((t, i) => list[i] === t);
  if (!a.lengthRatio || !Number.isFinite(a.lengthRatio.mean) || !Number.isFinite(a.lengthRatio.std)) throw invalidModel('seq2seq model has no length ratio');
  if (!vocabOk(a.sourceVocab, s.sourceVocab) || !vocabOk(a.targetVocab, s.targetVocab)) throw invalidModel('seq2seq model’s vocabularies do not match its shape');
  return a;
}

const vocabOf = (list: string[]): Vocab => ({ tokens: list, index: new Map(list.map((t, i) => [t, i])) });

/** A sentence to translate: the record's `source` (JSON Lines) or `data` (JSON instances), or a plain line. */
function sourceOf(record: string, where: string): string {
  const text = record.trim();
  if (text.startsWith('{')) {
    let doc: { source?: unknown; data?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw badInput(`${where} is not JSON`);
    }
    const s = doc?.source ?? doc?.data;
    if (typeof s !== 'string') throw badInput(`${where}: a record is {"source": "a sentence"}`, { field: 'source' });
    return s;
  }
  return record;
}

export async function seq2seqPredictor(a: Seq2SeqArtifact): Promise<Predictor> {
  const tf = await neuralEngine();
  const w: Record<string, Tf.Tensor> = weightTensors(tf, a.weights, transformerParamSpecs(a.shape));
  const source = vocabOf(a.sourceVocab);
  const translate = (sentence: string, where: string): string => {
    const ts = tokens(sentence);
    if (!ts.length) throw badInput(`${where}: the source sentence is empty`, { field: 'source' });
    const ids = encodeTokens(source, ts, a.maxSource);
    const answer = beamSearch(tf, w, a.shape, ids, { beam: a.beam, maxLength: maxOutputLength(ids.length, a.lengthRatio, a.maxTarget), alpha: a.alpha });
    return answer.map((id) => a.targetVocab[id]).join(' ');
  };
  return {
    numFeatures: 1,
    predict() {
      throw badInput('seq2seq answers sentences, not rows of numbers: send application/json {"instances": [{"data": "…"}]}');
    },
    invoke({ contentType, body }) {
      const text = body.toString('utf8');
      if (contentType === 'application/jsonlines') {
        const lines = text.split('\n').filter((l) => l.trim());
        if (lines.length > MAX_INSTANCES) throw badInput(`At most ${MAX_INSTANCES} records a request`);
        return { contentType: 'application/jsonlines', body: lines.map((l, i) => JSON.stringify({ target: translate(sourceOf(l, `Line ${i + 1}`), `Line ${i + 1}`) }) + '\n').join('') };
      }
      if (contentType !== 'application/json') throw badInput('seq2seq reads application/json ({"instances": [{"data": "…"}]}) or application/jsonlines ({"source": "…"} a line)');
      let doc: { instances?: unknown };
      try {
        doc = JSON.parse(text) as typeof doc;
      } catch {
        throw badInput('The request body is not JSON');
      }
      if (!doc || !Array.isArray(doc.instances)) throw badInput('The request is {"instances": [{"data": "…"}, …]}', { field: 'instances' });
      if (doc.instances.length > MAX_INSTANCES) throw badInput(`At most ${MAX_INSTANCES} instances a request`);
      const predictions = doc.instances.map((inst: unknown, i) => {
        const data = typeof inst === 'string' ? inst : (inst as { data?: unknown })?.data;
        if (typeof data !== 'string') throw badInput(`instances[${i}] is {"data": "a sentence"}`, { field: `instances[${i}].data` });
        return { target: translate(data, `instances[${i}]`) };
      });
      return { contentType: 'application/json', body: JSON.stringify({ predictions }) };
    },
    answerRecords(records) {
      return records.map((r, i) => JSON.stringify({ target: translate(sourceOf(r, `Record ${i + 1}`), `Record ${i + 1}`) }));
    },
  };
}
