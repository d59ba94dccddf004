/**
 * The CSV matrix parser's core, as kernel source (see `../parallel/kernel-pool.ts`): the
 * number parser, the per-line loop and the growing shared arrays. `loadCsvMatrix` runs it
 * on the calling thread for small inputs (`instantiateKernels`), and in a kernel pool for
 * large ones, where each thread reads and parses its own byte ranges (`parseSegments`).
 * One implementation both ways, so both produce the same bits.
 *
 * A parse error does not throw: it is left in `builder.error` (line relative to where the
 * builder's `line` was set, and the message), for the caller to name the file.
 */

/** Rows parsed so far, in geometrically grown typed arrays over shared memory. */
export interface CsvBuilder {
  readonly hasLabel: boolean;
  rows: number;
  /** Fields per line (label included); -1 until the first row. */
  fields: number;
  /** Feature columns (the label column excluded). */
  cols: number;
  features: Float32Array;
  labels: Float32Array;
  /** Number of the next line to parse (1-based, in its file or byte range). */
  line: number;
  error: { line: number; message: string } | null;
}

/** A byte range of one file, starting at a line start and ending just after a newline (or at the end of the file). */
export interface CsvSegment {
  file: string;
  start: number;
  end: number;
}

/** What `parseSegments` returns: one thread's rows, in order. */
export interface CsvSegmentsResult {
  rows: number;
  fields: number;
  /** A line could not be parsed; only the serial parser names it exactly. */
  failed: boolean;
  features: Float32Array;
  labels: Float32Array | null;
}

/** The kernel instance as the calling thread uses it. */
export interface CsvKernels {
  newBuilder(hasLabel: boolean, totalBytes: number): CsvBuilder;
  /**
   * Parses the complete lines in b[0, filled) into `m` (all of them when `last`); returns
   * the bytes consumed. Stops at the first error (`m.error`).
   */
  parseBlock(m: CsvBuilder, b: Buffer, filled: number, last: boolean): number;
  /** A buffer twice as large holding b[0, filled): for a line longer than the block. */
  growBlock(b: Buffer, filled: number): Buffer;
}

export const CSV_KERNEL = `
const NL = 10, CR = 13, COMMA = 44;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

// Field outcome flag set by parseField, read right after the call (avoids mixed return types).
let fieldInvalid = false;

// Parses a field that is not a plain decimal: nan (missing), inf, 1e400, ...
function parseSlow(b, s, e) {
  const text = b.toString('latin1', s, e).trim();
  const lower = text.toLowerCase();
  if (lower === '' || lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const v = Number(text);
  if (Number.isNaN(v)) fieldInvalid = true;
  return v;
}

// Parses bytes [s, e) as a number. Empty: NaN (missing). Sets fieldInvalid when the field
// is not a number. Plain decimals take the fast path: an integer mantissa (up to 17
// significant digits) scaled by an exact power of ten, which is exact enough for the
// float32 the matrix stores.
function parseField(b, s, e) {
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
  let v;
  if (exp === 0) v = mant;
  else if (exp > 0) v = exp <= 22 ? mant * POW10[exp] : parseSlow(b, s, e);
  else v = -exp <= 22 ? mant / POW10[-exp] : parseSlow(b, s, e);
  return neg ? -v : v;
}

// A Float32Array over shared memory: the training kernels read the matrix from worker
// threads, and the pool's threads hand their rows back without a copy.
function sharedFloats(length) {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4), 0, length);
}

class Builder {
  constructor(hasLabel, totalBytes) {
    this.hasLabel = hasLabel;
    this.totalBytes = totalBytes;
    this.rows = 0;
    this.fields = -1;
    this.cols = 0;
    this.capacity = 0;
    this.features = new Float32Array(0);
    this.labels = new Float32Array(0);
    this.line = 1;
    this.error = null;
  }

  // Sets the width from the first line and sizes the arrays from the byte count.
  start(fields, lineBytes) {
    this.fields = fields;
    this.cols = this.hasLabel ? fields - 1 : fields;
    this.grow(Math.ceil((this.totalBytes / Math.max(1, lineBytes)) * 1.1) + 16);
  }

  grow(minRows) {
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
}

function countFields(b, s, e) {
  let n = 1;
  for (let i = s; i < e; i++) if (b[i] === COMMA) n++;
  return n;
}

function fail(m, line, message) {
  m.error = { line, message };
  m.line = line;
}

// Parses the lines in b[0, end) into m, numbering them from m.line.
function parseLines(m, b, end) {
  let line = m.line;
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
    if (m.rows >= m.capacity) m.grow(m.rows + 1);
    const fields = m.fields;
    const cols = m.cols;
    const features = m.features;
    let out = m.rows * cols;
    let q = s;
    let j = 0;
    for (;;) {
      // The common field, [-]digits[.digits] right up to its comma or the line's end, is
      // parsed in the one pass that finds its end (parseField's arithmetic, so the same
      // bits); any other field is found first and parsed by parseField. The scan is written
      // out here rather than shared with parseField: a helper handing back its mantissa and
      // exponent through module variables made the whole parse about 20 % slower.
      let i = q;
      let neg = false;
      if (i < e && b[i] === 45) {
        neg = true;
        i++;
      }
      let mant = 0;
      let exp = 0;
      let digits = 0;
      let any = false;
      let c = 0;
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
      let f;
      let v;
      fieldInvalid = false;
      if (any && (i === e || b[i] === COMMA) && exp <= 22 && exp >= -22) {
        f = i;
        v = exp === 0 ? mant : exp > 0 ? mant * POW10[exp] : mant / POW10[-exp];
        if (neg) v = -v;
      } else {
        f = q;
        while (f < e && b[f] !== COMMA) f++;
        if (j < fields) v = parseField(b, q, f);
      }
      if (j >= fields) return fail(m, line, 'expected ' + fields + ' fields, found more');
      if (fieldInvalid) {
        const what = m.hasLabel && j === 0 ? 'label' : 'column ' + (j + 1);
        return fail(m, line, what + ' is not a number: ' + JSON.stringify(b.toString('utf8', q, f).slice(0, 40)));
      }
      if (m.hasLabel && j === 0) {
        if (Number.isNaN(v)) return fail(m, line, 'the label (first column) is missing');
        m.labels[m.rows] = v;
      } else features[out++] = v;
      j++;
      if (f >= e) break;
      q = f + 1;
    }
    if (j !== fields) return fail(m, line, 'expected ' + fields + ' fields, found ' + j);
    m.rows++;
    line++;
  }
  m.line = line;
}

function parseBlock(m, b, filled, last) {
  const end = last ? filled : filled > 0 ? b.lastIndexOf(NL, filled - 1) + 1 : 0;
  if (end > 0) parseLines(m, b, end);
  return end;
}

function growBlock(b, filled) {
  const bigger = Buffer.allocUnsafe(b.length * 2);
  b.copy(bigger, 0, 0, filled);
  return bigger;
}

// Reads and parses byte ranges of files in order, in blocks of a.block bytes, into one
// builder (lines numbered per range: an error sends the caller back to the serial parser).
function parseSegments(state, a) {
  const fs = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:fs') : require('node:fs');
  let total = 0;
  for (const g of a.segments) total += g.end - g.start;
  const m = new Builder(a.hasLabel, total);
  let buf = Buffer.allocUnsafe(Math.min(a.block, Math.max(1, total)));
  for (const g of a.segments) {
    const fd = fs.openSync(g.file, 'r');
    try {
      m.line = 1;
      let pos = g.start;
      let filled = 0;
      for (;;) {
        if (filled === buf.length) buf = growBlock(buf, filled);
        const want = Math.min(buf.length - filled, g.end - pos);
        const n = want > 0 ? fs.readSync(fd, buf, filled, want, pos) : 0;
        pos += n;
        filled += n;
        const used = parseBlock(m, buf, filled, n === 0);
        if (m.error || n === 0) break;
        buf.copy(buf, 0, used, filled);
        filled -= used;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (m.error) break;
  }
  return { rows: m.rows, fields: m.fields, failed: m.error !== null, features: m.features, labels: m.hasLabel ? m.labels : null };
}

return {
  newBuilder: (hasLabel, totalBytes) => new Builder(hasLabel, totalBytes),
  parseBlock,
  growBlock,
  parseSegments,
};
`;
