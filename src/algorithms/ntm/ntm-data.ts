/**
 * NTM's documents: bag-of-words counts, one document a row, as CSV (`feature_dim` counts
 * a line, no label column) or JSON Lines records with sparse `keys`/`values` (also
 * `{"features": [...]}`, `{"features": {"keys", "values"}}` and SageMaker's
 * `{"data": {"features": {...}}}`; a `label` is ignored). Held in CSR form; a minibatch is
 * made dense only when it is used.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';
import type { ChannelInput } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';

export interface Documents {
  rows: number;
  dim: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  /** Words per document (the sum of its counts). */
  lengths: Float32Array;
}

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

class Builder {
  private indptr: number[] = [0];
  private indices: number[] = [];
  private values: number[] = [];
  private lengths: number[] = [];
  constructor(private readonly dim: number, private readonly channel: string) {}

  add(keys: ArrayLike<number>, values: ArrayLike<number>, where: string): void {
    let len = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = values[i];
      if (!Number.isSafeInteger(k) || k < 0) throw invalid(`Channel "${this.channel}", ${where}: word id ${JSON.stringify(k)} is not a non-negative integer`, { channel: this.channel });
      if (k >= this.dim) throw invalid(`feature_dim is ${this.dim} but channel "${this.channel}", ${where}, has word id ${k}`, { field: 'feature_dim', feature_dim: this.dim, index: k, channel: this.channel });
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`Channel "${this.channel}", ${where}: a word count must be a non-negative number, not ${JSON.stringify(v)}`, { channel: this.channel });
      if (v === 0) continue;
      this.indices.push(k);
      this.values.push(v);
      len += v;
    }
    this.indptr.push(this.indices.length);
    this.lengths.push(len);
  }

  finish(): Documents {
    const rows = this.lengths.length;
    if (rows === 0) throw invalid(`Channel "${this.channel}" has no documents`, { channel: this.channel });
    if (this.indices.length === 0) throw invalid(`Channel "${this.channel}": every document is empty (all counts are 0)`, { channel: this.channel });
    return { rows, dim: this.dim, indptr: Int32Array.from(this.indptr), indices: Int32Array.from(this.indices), values: Float32Array.from(this.values), lengths: Float32Array.from(this.lengths) };
  }
}

/** One JSON Lines record's words. */
function recordWords(doc: unknown): { keys: unknown[]; values: unknown[] } | null {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return Array.isArray(doc) ? { keys: doc.map((_, i) => i), values: doc } : null;
  const o = doc as Record<string, unknown>;
  const f = o.features ?? (o.data as Record<string, unknown> | undefined)?.features ?? o;
  if (Array.isArray(f)) return { keys: f.map((_, i) => i), values: f };
  const s = f as Record<string, unknown>;
  if (s && Array.isArray(s.keys) && Array.isArray(s.values)) return { keys: s.keys, values: s.values };
  return null;
}

/** Reads a channel's documents; `feature_dim` bounds the word ids (and is the CSV width). */
export async function loadDocuments(input: ChannelInput, channel: string, featureDim: number): Promise<Documents> {
  const type = input.contentType.split(';')[0].trim().toLowerCase();
  const b = new Builder(featureDim, channel);
  if (type === 'text/csv') {
    const m = await loadCsvMatrix(input.files, { label: false });
    if (m.cols !== featureDim) {
      throw invalid(`feature_dim is ${featureDim} but channel "${channel}" rows have ${m.cols} columns (NTM's CSV is one count per word, no label column)`, { field: 'feature_dim', feature_dim: featureDim, columns: m.cols, channel });
    }
    const keys = Int32Array.from({ length: m.cols }, (_, j) => j);
    for (let r = 0; r < m.rows; r++) b.add(keys, m.features.subarray(r * m.cols, (r + 1) * m.cols), `row ${r + 1}`);
    return b.finish();
  }
  if (type !== 'application/jsonlines' && type !== 'application/json') {
    throw invalid(`ntm reads text/csv (word counts) or application/jsonlines (sparse keys/values); channel "${channel}" is ${input.contentType}`, { channel, contentType: input.contentType });
  }
  for (const file of input.files) {
    const text = await fs.readFile(file, 'utf8');
    let line = 0;
    for (const raw of text.split('\n')) {
      line++;
      if (raw.trim() === '') continue;
      const where = `${file.split(/[\\/]/).pop()}, line ${line}`;
      let doc: unknown;
      try {
        doc = JSON.parse(raw);
      } catch {
        throw invalid(`Channel "${channel}", ${where}: not valid JSON`, { channel, line });
      }
      const w = recordWords(doc);
      if (!w) throw invalid(`Channel "${channel}", ${where}: expected {"keys": [...], "values": [...]} or {"features": [...]}`, { channel, line });
      if (w.keys.length !== w.values.length) throw invalid(`Channel "${channel}", ${where}: "keys" has ${w.keys.length} entries and "values" ${w.values.length}`, { channel, line });
      b.add(w.keys as number[], w.values as number[], where);
    }
  }
  return b.finish();
}

/** Documents `rows` as a dense [rows.length × dim] count matrix. */
export function denseBatch(d: Documents, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d.dim);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let p = d.indptr[r]; p < d.indptr[r + 1]; p++) out[i * d.dim + d.indices[p]] += d.values[p];
  }
  return out;
}
