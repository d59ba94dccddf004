/**
 * Inference documents of the SageMaker built-ins that answer records rather than bare
 * numbers (k-NN, random cut forest, factorization machines): request rows in CSV, JSON
 * (`{"instances": [...]}`) or JSON Lines, dense or sparse, and answers as
 * `{"<key>": [record, ...]}`, one record per line, or CSV.
 */
import { OrchardError } from '../../core/errors.js';

/** Request rows in compressed sparse row form (dense rows are stored with every index). */
export interface RequestRows {
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export type RecordType = 'application/json' | 'application/jsonlines' | 'text/csv';

export function badInput(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_MODEL_INPUT_INVALID', { message, details });
}

class RowsBuilder {
  rows = 0;
  private indptr: number[] = [0];
  private indices: number[] = [];
  private values: number[] = [];
  constructor(private readonly dim: number) {}

  dense(values: unknown[], row: number): void {
    if (values.length !== this.dim) throw badInput(`Row ${row}: expected ${this.dim} features, got ${values.length}${values.length === this.dim + 1 ? ' (send rows without the label column)' : ''}`, { row, featureDim: this.dim });
    values.forEach((v, j) => {
      const x = v === null ? NaN : v;
      if (typeof x !== 'number') throw badInput(`Row ${row}, column ${j + 1}: ${JSON.stringify(v)?.slice(0, 40)} is not a number`, { row });
      this.indices.push(j);
      this.values.push(x);
    });
    this.end();
  }

  sparse(keys: unknown[], values: unknown[], row: number): void {
    if (keys.length !== values.length) throw badInput(`Row ${row}: "keys" has ${keys.length} entries and "values" ${values.length}`, { row });
    keys.forEach((k, i) => {
      if (!Number.isSafeInteger(k) || (k as number) < 0 || (k as number) >= this.dim) throw badInput(`Row ${row}: key ${JSON.stringify(k)} is not an index below ${this.dim}`, { row, featureDim: this.dim });
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`Row ${row}: value ${JSON.stringify(v)?.slice(0, 40)} is not a number`, { row });
      this.indices.push(k as number);
      this.values.push(v);
    });
    this.end();
  }

  private end(): void {
    this.indptr.push(this.indices.length);
    this.rows++;
  }

  finish(): RequestRows {
    if (this.rows === 0) throw badInput('The request has no rows');
    return { rows: this.rows, indptr: Int32Array.from(this.indptr), indices: Int32Array.from(this.indices), values: Float32Array.from(this.values) };
  }
}

/** One instance: `[numbers]`, `{"features": [...]}`, `{"data": {"features": {"keys", "values"}}}` or `{"keys", "values"}`. */
function addInstance(b: RowsBuilder, instance: unknown, row: number): void {
  if (Array.isArray(instance)) return b.dense(instance, row);
  if (instance && typeof instance === 'object') {
    const o = instance as Record<string, unknown>;
    const f = o.features ?? (o.data as Record<string, unknown> | undefined)?.features ?? o;
    if (Array.isArray(f)) return b.dense(f, row);
    const s = f as Record<string, unknown> | null;
    if (s && Array.isArray(s.keys) && Array.isArray(s.values)) return b.sparse(s.keys, s.values, row);
  }
  throw badInput(`Row ${row}: expected an array of numbers, {"features": [...]} or {"data": {"features": {"keys": [...], "values": [...]}}}`, { row });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badInput(`${what} is not valid JSON`);
  }
}

/** Decodes a request body of `dim`-feature rows. */
export function decodeRequestRows(contentType: RecordType, body: Buffer, dim: number): RequestRows {
  const b = new RowsBuilder(dim);
  const text = body.toString('utf8');
  if (contentType === 'text/csv') {
    let row = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      row++;
      b.dense(
        line.split(',').map((s) => {
          const t = s.trim();
          const v = t === '' || t.toLowerCase() === 'nan' ? null : Number(t);
          if (v !== null && Number.isNaN(v)) throw badInput(`Row ${row}: ${JSON.stringify(t.slice(0, 40))} is not a number`, { row });
          return v;
        }),
        row,
      );
    }
  } else if (contentType === 'application/jsonlines') {
    let row = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      row++;
      addInstance(b, parseJson(line, `Row ${row}`), row);
    }
  } else {
    const doc = parseJson(text, 'The request body') as Record<string, unknown> | null;
    if (doc && typeof doc === 'object' && Array.isArray(doc.instances)) doc.instances.forEach((inst, i) => addInstance(b, inst, i + 1));
    else if (doc && typeof doc === 'object' && !Array.isArray(doc) && (doc.features !== undefined || doc.data !== undefined)) addInstance(b, doc, 1);
    else throw badInput('Send {"instances": [...]} or {"features": [...]}');
  }
  return b.finish();
}

/** Dense row-major copy of request rows; indices absent from a row are 0. */
export function denseRows(r: RequestRows, dim: number): Float32Array {
  const out = new Float32Array(r.rows * dim);
  for (let i = 0; i < r.rows; i++) for (let p = r.indptr[i]; p < r.indptr[i + 1]; p++) out[i * dim + r.indices[p]] = r.values[p];
  return out;
}

/** The answer type and its `verbose` parameter from an Accept header; JSON unless it asks for JSON Lines or CSV. */
export function answerType(accept: string | undefined, requestType: RecordType): { type: RecordType; verbose: boolean } {
  const verbose = /;\s*verbose\s*=\s*(true|1)\b/i.test(accept ?? '');
  for (const part of (accept ?? '').split(',')) {
    const base = part.split(';')[0].trim().toLowerCase();
    if (base === 'application/json') return { type: 'application/json', verbose };
    if (base === 'application/jsonlines' || base === 'application/x-jsonlines') return { type: 'application/jsonlines', verbose };
    if (base === 'text/csv') return { type: 'text/csv', verbose };
    if (base === '*/*' || base === '') break;
    if (base) throw badInput(`Accept ${JSON.stringify(accept)} is not supported; use application/json, application/jsonlines or text/csv`);
  }
  return { type: requestType === 'application/jsonlines' ? 'application/jsonlines' : 'application/json', verbose };
}

/** Records as `{"<key>": [...]}`, one per line, or CSV of `csvFields`. */
export function encodeRecords(type: RecordType, key: string, records: Record<string, unknown>[], csvFields: string[]): { contentType: string; body: string } {
  if (type === 'application/json') return { contentType: type, body: JSON.stringify({ [key]: records }) };
  if (type === 'application/jsonlines') return { contentType: type, body: records.map((r) => JSON.stringify(r) + '\n').join('') };
  return { contentType: type, body: records.map((r) => csvFields.map((f) => String(r[f])).join(',') + '\n').join('') };
}
