/**
 * LDA's training documents: bag-of-words counts as CSV (one document a row, one column
 * per word, no label) or JSON Lines records with sparse `keys`/`values` (SageMaker's
 * JSON form of a sparse row; keys 0-based). Counts must be finite and non-negative.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';
import { loadCsvMatrix } from '../data/matrix.js';
import type { Docs } from './lda-core.js';

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

class DocsBuilder {
  rows = 0;
  private indptr: number[] = [0];
  private indices: number[] = [];
  private counts: number[] = [];

  add(indices: ArrayLike<number>, counts: ArrayLike<number>): void {
    for (let i = 0; i < indices.length; i++) {
      if (counts[i] === 0) continue;
      this.indices.push(indices[i]);
      this.counts.push(counts[i]);
    }
    this.indptr.push(this.indices.length);
    this.rows++;
  }

  finish(dim: number): Docs {
    return { rows: this.rows, dim, indptr: Int32Array.from(this.indptr), indices: Int32Array.from(this.indices), counts: Float64Array.from(this.counts) };
  }
}

/** One record: `{"features": {"keys", "values"}}`, `{"keys", "values"}`, `{"features": [dense]}` or a bare array of counts. */
function readRecord(doc: unknown, featureDim: number): { indices: number[]; values: number[] } {
  const f = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? ((doc as Record<string, unknown>).features ?? ((doc as Record<string, unknown>).data as Record<string, unknown> | undefined)?.features ?? doc) : null;
  if (Array.isArray(f)) {
    if (f.length !== featureDim) throw new Error(`${f.length} dense counts; feature_dim is ${featureDim}`);
    return { indices: f.map((_, i) => i), values: f as number[] };
  }
  const s = f as Record<string, unknown> | null;
  if (!s || !Array.isArray(s.keys) || !Array.isArray(s.values)) throw new Error('expected {"features": {"keys": [...], "values": [...]}} or an array of counts');
  if (s.keys.length !== s.values.length) throw new Error(`"keys" has ${s.keys.length} entries and "values" ${s.values.length}`);
  s.keys.forEach((k) => {
    if (!Number.isSafeInteger(k) || (k as number) < 0 || (k as number) >= featureDim) throw new Error(`key ${JSON.stringify(k)} is not a word index below feature_dim ${featureDim}`);
  });
  return { indices: s.keys as number[], values: s.values as number[] };
}

/** Loads a channel's documents; `kind` from its content type. */
export async function loadDocs(files: string[], contentType: string, opts: { featureDim: number; channel: string }): Promise<Docs> {
  const type = contentType.split(';')[0].trim().toLowerCase();
  const { featureDim, channel } = opts;
  const b = new DocsBuilder();
  const checkCount = (v: unknown, where: Record<string, unknown>, text: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw invalid(`Channel "${channel}", ${text}: word counts must be non-negative numbers; got ${JSON.stringify(v === undefined || Number.isNaN(v) ? null : v)}`, { field: 'counts', channel, ...where });
    }
  };
  if (type === 'text/csv') {
    const m = await loadCsvMatrix(files, { label: false });
    if (m.cols !== featureDim) {
      throw invalid(`feature_dim is ${featureDim} but channel "${channel}" rows have ${m.cols} columns (LDA's CSV has one column per word and no label)`, { field: 'feature_dim', feature_dim: featureDim, columns: m.cols, channel });
    }
    const idx = Int32Array.from({ length: m.cols }, (_, j) => j);
    for (let r = 0; r < m.rows; r++) {
      const row = m.features.subarray(r * m.cols, (r + 1) * m.cols);
      for (let j = 0; j < m.cols; j++) if (!(row[j] >= 0 && row[j] < Infinity)) checkCount(row[j], { row: r + 1, column: j + 1 }, `row ${r + 1}, column ${j + 1}`);
      b.add(idx, row);
    }
  } else if (type === 'application/jsonlines' || type === 'application/json') {
    for (const file of files) {
      const text = await fs.readFile(file, 'utf8');
      let line = 0;
      for (const raw of text.split('\n')) {
        line++;
        if (raw.trim() === '') continue;
        let doc: unknown;
        try {
          doc = JSON.parse(raw);
        } catch {
          throw invalid(`Channel "${channel}", line ${line}: not valid JSON`, { channel, line });
        }
        let rec: { indices: number[]; values: number[] };
        try {
          rec = readRecord(doc, featureDim);
        } catch (err) {
          throw invalid(`Channel "${channel}", line ${line}: ${(err as Error).message}`, { channel, line, ...(/feature_dim/.test((err as Error).message) ? { field: 'feature_dim' } : {}) });
        }
        rec.values.forEach((v) => checkCount(v, { line }, `line ${line}`));
        b.add(rec.indices, rec.values);
      }
    }
  } else {
    throw invalid(`lda reads text/csv (one column of counts per word) or application/jsonlines (sparse keys/values); channel "${channel}" is ${contentType}`, { channel, contentType });
  }
  if (b.rows === 0) throw invalid(`Channel "${channel}" has no documents`, { channel });
  const docs = b.finish(featureDim);
  if (docs.indptr[docs.rows] === 0) throw invalid(`Channel "${channel}" has no words: every count is 0 (an empty vocabulary)`, { channel });
  return docs;
}
