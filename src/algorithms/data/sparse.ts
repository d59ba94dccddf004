/**
 * Sparse training rows (CSR) for algorithms that read high-dimensional input
 * (factorization machines): dense CSV (target first), JSON Lines records with sparse
 * `keys`/`values` (SageMaker's JSON form of a sparse tensor) and libsvm text.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';
import { loadCsvMatrix } from './matrix.js';

/** Rows in compressed sparse row form, with one label per row. */
export interface SparseRows {
  rows: number;
  /** Feature dimension (the largest index + 1, or feature_dim). */
  dim: number;
  /** rows + 1 offsets into `indices`/`values`. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  labels: Float32Array;
}

/** The input forms {@link loadSparseRows} reads. */
export type SparseInputKind = 'csv' | 'jsonlines' | 'libsvm';

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

/** The form of a channel: its content type, or libsvm text sniffed in a `text/csv` file (`1 3:0.5 7:1`). */
export async function sparseInputKind(contentType: string, files: string[]): Promise<SparseInputKind | null> {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/jsonlines' || type === 'application/json') return 'jsonlines';
  if (type === 'text/libsvm' || type === 'text/x-libsvm' || type === 'application/x-libsvm') return 'libsvm';
  if (type !== 'text/csv') return null;
  const handle = await fs.open(files[0] ?? '', 'r').catch(() => null);
  if (!handle) return 'csv';
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const first = buf.toString('utf8', 0, bytesRead).split('\n').find((l) => l.trim() !== '') ?? '';
    return !first.includes(',') && /^\s*[-+.\deE]+(\s+\d+:\S+)+\s*$/.test(first) ? 'libsvm' : 'csv';
  } finally {
    await handle.close();
  }
}

class CsrBuilder {
  rows = 0;
  maxIndex = -1;
  private indptr: number[] = [0];
  private indices: number[] = [];
  private values: number[] = [];
  private labels: number[] = [];

  add(label: number, indices: ArrayLike<number>, values: ArrayLike<number>): void {
    for (let i = 0; i < indices.length; i++) {
      if (values[i] === 0) continue;
      this.indices.push(indices[i]);
      this.values.push(values[i]);
      if (indices[i] > this.maxIndex) this.maxIndex = indices[i];
    }
    this.labels.push(label);
    this.indptr.push(this.indices.length);
    this.rows++;
  }

  finish(dim: number): SparseRows {
    return {
      rows: this.rows,
      dim,
      indptr: Int32Array.from(this.indptr),
      indices: Int32Array.from(this.indices),
      values: Float32Array.from(this.values),
      labels: Float32Array.from(this.labels),
    };
  }
}

/** Reads one JSON Lines record: `{"label": y, "features": [dense] | {"keys", "values"}}` or `{"label", "keys", "values"}`. */
function readJsonRecord(doc: unknown, where: string): { label: number; indices: number[]; values: number[] } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${where}: expected an object with "label" and "features" (or "keys" and "values")`);
  const d = doc as Record<string, unknown>;
  const label = typeof d.label === 'number' ? d.label : Array.isArray(d.label) && typeof d.label[0] === 'number' ? d.label[0] : NaN;
  if (!Number.isFinite(label)) throw new Error(`${where}: "label" must be a number`);
  const f = d.features ?? (d.data as Record<string, unknown> | undefined)?.features ?? d;
  if (Array.isArray(f)) {
    const indices: number[] = [];
    const values: number[] = [];
    f.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "features"[${i}] is not a number`);
      indices.push(i);
      values.push(v);
    });
    return { label, indices, values };
  }
  const s = f as Record<string, unknown>;
  if (!Array.isArray(s.keys) || !Array.isArray(s.values)) throw new Error(`${where}: expected "features" as an array, or sparse "keys" and "values"`);
  if (s.keys.length !== s.values.length) throw new Error(`${where}: "keys" has ${s.keys.length} entries and "values" ${s.values.length}`);
  s.keys.forEach((k, i) => {
    if (!Number.isSafeInteger(k) || (k as number) < 0) throw new Error(`${where}: "keys"[${i}] must be a non-negative integer`);
  });
  s.values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "values"[${i}] is not a number`);
  });
  return { label, indices: s.keys as number[], values: s.values as number[] };
}

/** Reads one libsvm line: `label idx:value ...`, indices 1-based as libsvm writes them. */
function readLibsvmLine(line: string, where: string): { label: number; indices: number[]; values: number[] } {
  const parts = line.trim().split(/\s+/);
  const label = Number(parts[0]);
  if (!Number.isFinite(label) || parts[0] === '') throw new Error(`${where}: the label ${JSON.stringify(parts[0].slice(0, 20))} is not a number`);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < parts.length; i++) {
    const colon = parts[i].indexOf(':');
    const index = Number(parts[i].slice(0, colon));
    const value = Number(parts[i].slice(colon + 1));
    if (colon < 0 || !Number.isSafeInteger(index) || index < 1) throw new Error(`${where}: ${JSON.stringify(parts[i].slice(0, 30))} is not index:value with a 1-based index`);
    if (!Number.isFinite(value)) throw new Error(`${where}: ${JSON.stringify(parts[i].slice(0, 30))} has no numeric value`);
    indices.push(index - 1);
    values.push(value);
  }
  return { label, indices, values };
}

/**
 * Loads labelled rows from a channel's files. Every row must hold a finite label; indices
 * must be below `featureDim` when given (the error names `feature_dim`).
 */
export async function loadSparseRows(files: string[], kind: SparseInputKind, opts: { featureDim?: number | null; channel: string }): Promise<SparseRows> {
  const b = new CsrBuilder();
  if (kind === 'csv') {
    const m = await loadCsvMatrix(files, { label: true });
    const idx = new Int32Array(m.cols);
    for (let j = 0; j < m.cols; j++) idx[j] = j;
    for (let r = 0; r < m.rows; r++) {
      // A missing value is an absent entry (0), as in a sparse row.
      const row = m.features.subarray(r * m.cols, (r + 1) * m.cols).map((v) => (v === v ? v : 0));
      b.add(m.labels![r], idx, row);
    }
    b.maxIndex = Math.max(b.maxIndex, m.cols - 1);
  } else {
    for (const file of files) {
      const text = await fs.readFile(file, 'utf8');
      let line = 0;
      for (const raw of text.split('\n')) {
        line++;
        if (raw.trim() === '') continue;
        const where = `${file.split(/[\\/]/).pop()}, line ${line}`;
        try {
          let rec;
          if (kind === 'libsvm') rec = readLibsvmLine(raw, where);
          else {
            let doc: unknown;
            try {
              doc = JSON.parse(raw);
            } catch {
              throw new Error(`${where}: not valid JSON`);
            }
            rec = readJsonRecord(doc, where);
          }
          b.add(rec.label, rec.indices, rec.values);
        } catch (err) {
          if (err instanceof OrchardError) throw err;
          throw invalid(`Channel "${opts.channel}": ${(err as Error).message}`, { channel: opts.channel, file, line });
        }
      }
    }
  }
  if (b.rows === 0) throw invalid(`Channel "${opts.channel}" has no rows`, { channel: opts.channel });
  const featureDim = opts.featureDim ?? null;
  if (featureDim !== null && b.maxIndex >= featureDim) {
    throw invalid(`feature_dim is ${featureDim} but channel "${opts.channel}" has feature index ${b.maxIndex} (0-based)`, { field: 'feature_dim', feature_dim: featureDim, index: b.maxIndex, channel: opts.channel });
  }
  return b.finish(featureDim ?? b.maxIndex + 1);
}
