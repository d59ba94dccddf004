/**
 * The Object2Vec artifact (`model.json`: header, the network's shape, its weights) and its
 * predictor. Requests are SageMaker's: `{"instances": [{"in0": […], "in1": […]}, …]}`
 * (application/json) or one such record a line (application/jsonlines). Pairs answer
 * `{"scores": [...], "predicted_label": k}` (softmax) or `{"score": x}` (squared error);
 * records with only `in0` (or only `in1`) answer that encoder's `{"embeddings": [...]}`,
 * SageMaker's encoder-embeddings inference. Sequences past `max_seq_len` are cut (or
 * past `infer_max_seqlens=<in0>,<in1>` given as a content-type parameter).
 */
import type * as Tf from '@tensorflow/tfjs';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { answerType, badInput, type RecordType } from '../data/instances.js';
import { invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { neuralEngine, weightTensors, type SavedWeights, type TfModule } from '../neural/index.js';
import { emptySequences, putSequence, sequenceProblem } from './o2v-data.js';
import { encode, isO2vShape, o2vParamSpecs, scorePairs, type O2vShape } from './o2v-network.js';

export const O2V_FORMAT = 'orchard-object2vec';
export const O2V_VERSION = '1.0.0';

export interface O2vArtifact {
  format: typeof O2V_FORMAT;
  algorithm: 'object2vec';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  shape: O2vShape;
  weights: SavedWeights;
  metrics: Record<string, number>;
  /** Epochs run (early stopping may end before `epochs`). */
  epochs: number;
}

/** Instances a request may carry. */
const MAX_INSTANCES = 10_000;
/** Rows the engine runs at once. */
const CHUNK = 256;

export async function saveO2v(modelDir: string, a: O2vArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readO2v(modelDir: string): Promise<O2vArtifact> {
  const a = await readModelFile<O2vArtifact>(modelDir, { format: O2V_FORMAT, algorithm: 'object2vec', version: O2V_VERSION, label: 'object2vec' });
  if (!isO2vShape(a.shape)) throw invalidModel('object2vec model has no valid network shape');
  return a;
}

type Instance = { in0?: unknown; in1?: unknown };

/** The request's instances, from a JSON document or JSON Lines. */
function parseInstances(type: RecordType, body: Buffer): Instance[] {
  const text = body.toString('utf8');
  const check = (doc: unknown, where: string): Instance => {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw badInput(`${where} is not an object {"in0": […], "in1": […]}`);
    return doc as Instance;
  };
  if (type === 'application/jsonlines') {
    const out: Instance[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        throw badInput(`Line ${i + 1} is not JSON`, { line: i + 1 });
      }
      out.push(check(doc, `Line ${i + 1}`));
    });
    return out;
  }
  if (type !== 'application/json') throw badInput('object2vec reads application/json ({"instances": [{"in0": […], "in1": […]}]}) or application/jsonlines (one record a line)');
  let doc: { instances?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw badInput('The request body is not JSON');
  }
  if (!doc || !Array.isArray(doc.instances)) throw badInput('The request is {"instances": [{"in0": […], "in1": […]}, …]}', { field: 'instances' });
  return doc.instances.map((d, i) => check(d, `instances[${i}]`));
}

/** `infer_max_seqlens=<in0>,<in1>` of a content type, each in 1..5000. */
function inferMaxSeqLens(contentType: string | undefined): [number, number] | null {
  const m = /;\s*infer_max_seqlens\s*=\s*([^;]+)/i.exec(contentType ?? '');
  if (!m) return null;
  const v = m[1].split(',').map((x) => Number(x.trim()));
  if (v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= 1 && x <= 5000)) throw badInput('infer_max_seqlens is two integers in 1..5000: <in0>,<in1>');
  return [v[0], v[1]];
}

export interface O2vRunner {
  /** Answers one record per instance, in order. */
  answer(instances: Instance[], maxLens?: [number, number] | null): Record<string, unknown>[];
}

export async function o2vRunner(a: O2vArtifact): Promise<O2vRunner> {
  const tf = await neuralEngine();
  const s = a.shape;
  const w = weightTensors(tf, a.weights, o2vParamSpecs(s));
  return {
    answer(instances, maxLens) {
      if (instances.length > MAX_INSTANCES) throw badInput(`At most ${MAX_INSTANCES} instances a request`);
      if (instances.length === 0) return [];
      const pairs = instances.some((x) => x.in0 !== undefined && x.in1 !== undefined);
      const only1 = !pairs && instances.every((x) => x.in0 === undefined && x.in1 !== undefined);
      const sides: (0 | 1)[] = pairs ? [0, 1] : only1 ? [1] : [0];
      instances.forEach((x, i) => {
        for (const side of sides) {
          const key = `in${side}` as const;
          const missing = x[key] === undefined;
          if (missing && pairs) throw badInput(`Instance ${i + 1}: "${key}" is missing (the other instances are pairs; send records with only "in0" for encoder embeddings)`, { instance: i + 1, field: key });
          const p = sequenceProblem(x[key], key, s.enc[side].vocabSize);
          if (p) throw badInput(`Instance ${i + 1}: ${p.message}`, { instance: i + 1, ...p.details });
        }
      });
      const out: Record<string, unknown>[] = [];
      for (let from = 0; from < instances.length; from += CHUNK) {
        const batch = instances.slice(from, from + CHUNK);
        const seqs = sides.map((side) => {
          const width = Math.min(s.enc[side].maxSeqLen, maxLens?.[side] ?? Infinity);
          const seq = emptySequences(batch.length, width);
          batch.forEach((x, r) => putSequence(seq, r, x[`in${side}`] as number[]));
          return seq;
        });
        const values = tf.tidy(() => {
          if (!pairs) return encode(tf, w, s, sides[0], seqs[0]);
          const o = scorePairs(tf, w, s, encode(tf, w, s, 0, seqs[0]), encode(tf, w, s, 1, seqs[1]));
          return s.output === 'softmax' ? tf.softmax(o) : o;
        });
        const k = values.shape[1]!;
        const data = values.dataSync() as Float32Array;
        values.dispose();
        for (let r = 0; r < batch.length; r++) {
          const row = Array.from(data.subarray(r * k, (r + 1) * k), (v) => Number(v.toPrecision(7)));
          if (!pairs) out.push({ embeddings: row });
          else if (s.output === 'mean_squared_error') out.push({ score: row[0] });
          else out.push({ scores: row, predicted_label: row.indexOf(Math.max(...row)) });
        }
      }
      return out;
    },
  };
}

export async function o2vPredictor(a: O2vArtifact): Promise<Predictor> {
  const runner = await o2vRunner(a);
  return {
    numFeatures: 1,
    predict() {
      throw badInput('object2vec answers records of token ids, not rows of numbers: send application/json {"instances": [{"in0": […], "in1": […]}]}');
    },
    invoke({ contentType, accept, body }) {
      const base = contentType.split(';')[0].trim().toLowerCase() as RecordType;
      const { type } = answerType(accept, base);
      const records = runner.answer(parseInstances(base, body), inferMaxSeqLens(contentType));
      if (type === 'application/jsonlines') return { contentType: type, body: records.map((r) => JSON.stringify(r) + '\n').join('') };
      if (type === 'text/csv') {
        const row = (r: Record<string, unknown>) => (r.score !== undefined ? String(r.score) : ((r.scores ?? r.embeddings) as number[]).join(','));
        return { contentType: type, body: records.map(row).join('\n') + '\n' };
      }
      return { contentType: 'application/json', body: JSON.stringify({ predictions: records }) };
    },
    answerRecords(records) {
      const instances = records.map((text, i) => {
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          throw badInput(`Record ${i + 1} is not JSON`, { record: i + 1 });
        }
        if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw badInput(`Record ${i + 1} is not an object {"in0": […], "in1": […]}`, { record: i + 1 });
        return doc as Instance;
      });
      return runner.answer(instances).map((r) => JSON.stringify(r));
    },
  };
}
