/**
 * Object2Vec's pairs: JSON Lines records `{"label": 0|1|real, "in0": [token ids], "in1":
 * [token ids]}` (SageMaker's training format). Held as fixed-width id matrices with a
 * length per row: a sequence longer than its encoder's `max_seq_len` is cut, the rest of
 * the row is padding that the encoders mask out.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';
import type { ChannelInput } from '../algorithm.js';
import type { EncoderOptions, OutputLayer } from './hyperparameters.js';

/** One side's sequences: `rows × width` token ids (0 past a row's length) and lengths. */
export interface Sequences {
  width: number;
  ids: Int32Array;
  lengths: Int32Array;
}

export interface Pairs {
  rows: number;
  in0: Sequences;
  in1: Sequences;
  labels: Float32Array;
}

/** Checks one record's sequence; returns the problem, or null. */
export function sequenceProblem(value: unknown, key: string, vocabSize: number): { message: string; details: Record<string, unknown> } | null {
  if (value === undefined) return { message: `"${key}" is missing`, details: { field: key } };
  if (!Array.isArray(value)) return { message: `"${key}" is not a list of token ids`, details: { field: key } };
  if (value.length === 0) return { message: `"${key}" is empty`, details: { field: key } };
  for (const t of value) {
    if (!Number.isSafeInteger(t) || (t as number) < 0) return { message: `"${key}" has ${JSON.stringify(t)}, not a token id (a non-negative integer)`, details: { field: key } };
    if ((t as number) >= vocabSize) return { message: `"${key}" has token id ${t}, but its vocabulary size is ${vocabSize}`, details: { field: key, token: t, vocabSize } };
  }
  return null;
}

/** Writes `seq` (cut to `width`) as row `r`. */
export function putSequence(s: Sequences, r: number, seq: readonly number[]): void {
  const n = Math.min(seq.length, s.width);
  for (let j = 0; j < n; j++) s.ids[r * s.width + j] = seq[j];
  s.lengths[r] = n;
}

export function emptySequences(rows: number, width: number): Sequences {
  return { width, ids: new Int32Array(rows * width), lengths: new Int32Array(rows) };
}

/** Reads a channel's pairs, checking ids against the vocabularies and labels against the output layer. */
export async function loadPairs(input: ChannelInput, channel: string, enc: readonly [EncoderOptions, EncoderOptions], output: OutputLayer, numClasses: number): Promise<Pairs> {
  const type = input.contentType.split(';')[0].trim().toLowerCase();
  if (type !== 'application/jsonlines' && type !== 'application/json') {
    throw invalid(`object2vec reads application/jsonlines ({"label": …, "in0": […], "in1": […]} a line); channel "${channel}" is ${input.contentType}`, { channel, contentType: input.contentType });
  }
  const records: { in0: number[]; in1: number[]; label: number }[] = [];
  for (const file of input.files) {
    const text = await fs.readFile(file, 'utf8');
    let line = 0;
    for (const raw of text.split('\n')) {
      line++;
      if (raw.trim() === '') continue;
      const where = `channel "${channel}", ${file.split(/[\\/]/).pop()}, line ${line}`;
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        throw invalid(`${where}: not valid JSON`, { channel, line });
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(`${where}: expected {"label": …, "in0": […], "in1": […]}`, { channel, line });
      for (const i of [0, 1] as const) {
        const p = sequenceProblem(doc[`in${i}`], `in${i}`, enc[i].vocabSize);
        if (p) throw invalid(`${where}: ${p.message}${p.details.vocabSize !== undefined ? ` (enc${i}_vocab_size)` : ''}`, { channel, line, ...p.details });
      }
      const label = doc.label;
      if (typeof label !== 'number' || !Number.isFinite(label)) throw invalid(`${where}: "label" must be a number`, { channel, line, field: 'label' });
      if (output === 'softmax' && (!Number.isInteger(label) || label < 0 || label >= numClasses)) {
        throw invalid(`${where}: label ${label} is not a class 0..${numClasses - 1} (num_classes is ${numClasses}; use output_layer mean_squared_error for real-valued labels)`, { channel, line, field: 'num_classes' });
      }
      records.push({ in0: doc.in0 as number[], in1: doc.in1 as number[], label });
    }
  }
  if (records.length === 0) throw invalid(`Channel "${channel}" has no records`, { channel });
  const pairs: Pairs = { rows: records.length, in0: emptySequences(records.length, enc[0].maxSeqLen), in1: emptySequences(records.length, enc[1].maxSeqLen), labels: new Float32Array(records.length) };
  records.forEach((r, i) => {
    putSequence(pairs.in0, i, r.in0);
    putSequence(pairs.in1, i, r.in1);
    pairs.labels[i] = r.label;
  });
  return pairs;
}

/** Rows `rows` of `s` as a new batch. */
export function gatherSequences(s: Sequences, rows: ArrayLike<number>): Sequences {
  const out = emptySequences(rows.length, s.width);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out.ids.set(s.ids.subarray(r * s.width, (r + 1) * s.width), i * s.width);
    out.lengths[i] = s.lengths[r];
  }
  return out;
}

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}
