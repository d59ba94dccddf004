/**
 * Dense numeric matrices from SageMaker-style CSV (no header; target in the first column).
 *
 * The parser works on bytes: files are read in large blocks, lines are found with
 * `Buffer.indexOf` (memchr) and numbers are parsed digit by digit into growing typed
 * arrays, so 1M × 29 rows load without one string per line or per field.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';

export interface CsvMatrixOptions {
  /** The first column is the target (label). @default true */
  label?: boolean;
}

/** A dense matrix, row-major; NaN in `features` marks a missing value. */
export interface Matrix {
  features: Float32Array;
  /** One target per row, or null when loaded with `label: false`. */
  labels: Float32Array | null;
  rows: number;
  /** Feature columns (the label column excluded). */
  cols: number;
}

const NL = 10;
const CR = 13;
const COMMA = 44;
const BLOCK = 8 * 1024 * 1024;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Field outcome flag set by `parseField`, read right after the call (avoids mixed return types). */
let fieldInvalid = false;

function invalidData(file: string, line: number, message: string): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', {
    message: `${file}, line ${line}: ${message}`,
    details: { file, line },
  });
}

/** Parses a field that is not a plain decimal: `nan` (missing), `inf`, `1e400`, … */
function parseSlow(b: Buffer, s: number, e: number): number {
  const text = b.toString('latin1', s, e).trim();
  const lower = text.toLowerCase();
  if (lower === '' || lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const v = Number(text);
  if (Number.isNaN(v)) fieldInvalid = true;
  return v;
}

/**
 * Parses bytes [s, e) as a number. Empty → NaN (missing). Sets `fieldInvalid` when the
 * field is not a number. Plain decimals take the fast path: an integer mantissa (up to
 * 17 significant digits) scaled by an exact power of ten, which is exact enough for the
 * float32 the matrix stores.
 */
function parseField(b: Buffer, s: number, e: number): number {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  let c = b[i];
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let mant = 0;
  let exp = 0;
  let digits = 0;
  let any = false;
  while (i < e) {
    c = b[i] - 48;
    if (c < 0 || c > 9) break;
    any = true;
    if (digits < 17) {
      mant = mant * 10 + c;
      if (mant > 0) digits++;
    } else exp++;
    i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      any = true;
      if (digits < 17) {
        mant = mant * 10 + c;
        if (mant > 0) digits++;
        exp--;
      }
      i++;
    }
  }
  if (!any) return parseSlow(b, s, e);
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let ev = 0;
    let edigits = 0;
    while (i < e) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      ev = ev * 10 + c;
      edigits++;
      i++;
    }
    if (edigits === 0 || edigits > 4) return parseSlow(b, s, e);
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return parseSlow(b, s, e);
  let v: number;
  if (exp === 0) v = mant;
  else if (exp > 0) v = exp <= 22 ? mant * POW10[exp] : parseSlow(b, s, e);
  else v = -exp <= 22 ? mant / POW10[-exp] : parseSlow(b, s, e);
  return neg ? -v : v;
}

/**
 * A Float32Array over shared memory: the training kernels read the matrix from worker
 * threads, and a matrix born shared is not copied (a fresh copy of 1M x 28 values costs
 * ~0.3 s of first-touch page faults).
 */
function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4), 0, length);
}

/** Accumulates rows into geometrically grown typed arrays (in shared memory). */
class MatrixBuilder {
  rows = 0;
  /** Fields per line (label included); -1 until the first row. */
  fields = -1;
  cols = 0;
  private capacity = 0;
  features: Float32Array = new Float32Array(0);
  labels: Float32Array = new Float32Array(0);

  constructor(
    readonly hasLabel: boolean,
    private readonly totalBytes: number,
  ) {}

  /** Sets the width from the first line and sizes the arrays from the byte count. */
  start(fields: number, lineBytes: number): void {
    this.fields = fields;
    this.cols = this.hasLabel ? fields - 1 : fields;
    this.grow(Math.ceil((this.totalBytes / Math.max(1, lineBytes)) * 1.1) + 16);
  }

  grow(minRows: number): void {
    const capacity = Math.max(minRows, Math.ceil(this.capacity * 1.5) + 16);
    const features = sharedFloats(capacity * this.cols);
    features.set(this.features.subarray(0, this.rows * this.cols));
    this.features = features;
    if (this.hasLabel) {
      const labels = sharedFloats(capacity);
      labels.set(this.labels.subarray(0, this.rows));
      this.labels = labels;
    }
    this.capacity = capacity;
  }

  ensureRow(): void {
    if (this.rows >= this.capacity) this.grow(this.rows + 1);
  }

  finish(): Matrix {
    const n = this.rows;
    // Views of the first n rows; copied only when the arrays are mostly unused capacity.
    const fit = (a: Float32Array, len: number) => {
      if (len * 4 >= a.length * 3) return a.subarray(0, len);
      const copy = sharedFloats(len);
      copy.set(a.subarray(0, len));
      return copy;
    };
    return {
      features: fit(this.features, n * this.cols),
      labels: this.hasLabel ? fit(this.labels, n) : null,
      rows: n,
      cols: this.cols,
    };
  }
}

function countFields(b: Buffer, s: number, e: number): number {
  let n = 1;
  for (let i = s; i < e; i++) if (b[i] === COMMA) n++;
  return n;
}

/** Parses complete lines in b[0, end); returns the number of lines seen. */
function parseLines(m: MatrixBuilder, b: Buffer, end: number, file: string, firstLine: number): number {
  let line = firstLine;
  let p = 0;
  while (p < end) {
    let eol = b.indexOf(NL, p);
    if (eol < 0 || eol > end) eol = end;
    let e = eol;
    if (e > p && b[e - 1] === CR) e--;
    const s = p;
    p = eol + 1;
    if (e === s) {
      line++;
      continue;
    }
    if (m.fields < 0) m.start(countFields(b, s, e), eol + 1 - s);
    m.ensureRow();
    const fields = m.fields;
    const cols = m.cols;
    const features = m.features;
    let out = m.rows * cols;
    let q = s;
    let j = 0;
    for (;;) {
      let f = q;
      while (f < e && b[f] !== COMMA) f++;
      if (j >= fields) throw invalidData(file, line, `expected ${fields} fields, found more`);
      fieldInvalid = false;
      const v = parseField(b, q, f);
      if (fieldInvalid) {
        const what = m.hasLabel && j === 0 ? 'label' : `column ${j + 1}`;
        throw invalidData(file, line, `${what} is not a number: ${JSON.stringify(b.toString('utf8', q, f).slice(0, 40))}`);
      }
      if (m.hasLabel && j === 0) {
        if (Number.isNaN(v)) throw invalidData(file, line, 'the label (first column) is missing');
        m.labels[m.rows] = v;
      } else features[out++] = v;
      j++;
      if (f >= e) break;
      q = f + 1;
    }
    if (j !== fields) throw invalidData(file, line, `expected ${fields} fields, found ${j}`);
    m.rows++;
    line++;
  }
  return line - firstLine;
}

async function parseFile(m: MatrixBuilder, file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(BLOCK);
    let filled = 0;
    let line = 1;
    for (;;) {
      if (filled === buf.length) {
        // A line longer than the block: grow the block rather than fail.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      if (bytesRead === 0) {
        if (filled > 0) parseLines(m, buf, filled, file, line);
        return;
      }
      const lastNl = buf.lastIndexOf(NL, filled - 1);
      if (lastNl < 0) continue;
      line += parseLines(m, buf, lastNl + 1, file, line);
      buf.copy(buf, 0, lastNl + 1, filled);
      filled -= lastNl + 1;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Loads numeric CSV files into one dense matrix.
 *
 * SageMaker's convention: no header, target first (unless `label: false`). An empty
 * field or `nan` is a missing feature (NaN). A missing or non-numeric label, a
 * non-numeric feature, rows of different widths, or no rows at all →
 * `ORCH_TRAINING_DATA_INVALID` naming the file and line.
 */
export async function loadCsvMatrix(files: string[], opts: CsvMatrixOptions = {}): Promise<Matrix> {
  const hasLabel = opts.label ?? true;
  let totalBytes = 0;
  for (const file of files) totalBytes += (await fs.stat(file)).size;
  const m = new MatrixBuilder(hasLabel, totalBytes);
  for (const file of files) await parseFile(m, file);
  if (m.rows === 0) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: files.length ? `No data rows in ${files.join(', ')}` : 'No input files',
      details: { files },
    });
  }
  if (hasLabel && m.cols < 1) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `Rows have a label but no feature columns (${files.join(', ')})`,
      details: { files },
    });
  }
  return m.finish();
}
