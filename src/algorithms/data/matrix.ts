/**
 * Dense numeric matrices from SageMaker-style CSV (no header; target in the first column).
 *
 * The parser works on bytes: files are read in large blocks, lines are found with
 * `Buffer.indexOf` (memchr) and numbers are parsed digit by digit into growing typed
 * arrays, so 1M × 29 rows load without one string per line or per field. That core is
 * kernel source (`csv-kernel.ts`): large inputs are cut into runs of whole lines parsed
 * on several threads at once, with the serial parser's result bit for bit.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';
import { createKernelPool, instantiateKernels } from '../parallel/kernel-pool.js';
import { CSV_KERNEL, type CsvBuilder, type CsvKernels, type CsvSegment, type CsvSegmentsResult } from './csv-kernel.js';

export interface CsvMatrixOptions {
  /** The first column is the target (label). @default true */
  label?: boolean;
  /**
   * Threads to parse on: inputs of `parallelMinBytes` or more are split into that many
   * runs of lines, parsed at once, with the serial parser's result. @default 1
   */
  threads?: number;
  /** Smallest input (bytes, all files) parsed on several threads. @default 16 MiB */
  parallelMinBytes?: number;
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
const BLOCK = 8 * 1024 * 1024;
/** Inputs from this many bytes on are parsed on several threads (when given `threads`). */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

/** The parser on this thread, for the serial path (a pool instantiates the same source in each of its threads). */
const csv = instantiateKernels(CSV_KERNEL) as unknown as CsvKernels;

function invalidData(file: string, line: number, message: string): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', {
    message: `${file}, line ${line}: ${message}`,
    details: { file, line },
  });
}

/**
 * A Float32Array over shared memory: the training kernels read the matrix from worker
 * threads, and a matrix born shared is not copied (a fresh copy of 1M x 28 values costs
 * ~0.3 s of first-touch page faults).
 */
function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4), 0, length);
}

/** The first n rows of a builder; its arrays are copied only when they are mostly unused capacity. */
function finish(m: CsvBuilder): Matrix {
  const n = m.rows;
  const fit = (a: Float32Array, len: number) => {
    if (len * 4 >= a.length * 3) return a.subarray(0, len);
    const copy = sharedFloats(len);
    copy.set(a.subarray(0, len));
    return copy;
  };
  return {
    features: fit(m.features, n * m.cols),
    labels: m.hasLabel ? fit(m.labels, n) : null,
    rows: n,
    cols: m.cols,
  };
}

async function parseFile(m: CsvBuilder, file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    let buf: Buffer = Buffer.allocUnsafe(BLOCK);
    let filled = 0;
    m.line = 1;
    for (;;) {
      // A line longer than the block: grow the block rather than fail.
      if (filled === buf.length) buf = csv.growBlock(buf, filled);
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      const used = csv.parseBlock(m, buf, filled, bytesRead === 0);
      if (m.error) throw invalidData(file, m.error.line, m.error.message);
      if (bytesRead === 0) return;
      buf.copy(buf, 0, used, filled);
      filled -= used;
    }
  } finally {
    await handle.close();
  }
}

async function loadSerial(files: string[], hasLabel: boolean, totalBytes: number): Promise<Matrix> {
  const m = csv.newBuilder(hasLabel, totalBytes);
  for (const file of files) await parseFile(m, file);
  return finish(m);
}

/** The offset just after the first newline at or after `at - 1` (the file's size when there is none). */
async function lineStartFrom(file: string, at: number, size: number): Promise<number> {
  if (at <= 0) return 0;
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let pos = at - 1; pos < size; ) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      const nl = buf.subarray(0, bytesRead).indexOf(NL);
      if (nl >= 0) return pos + nl + 1;
      pos += bytesRead;
    }
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * Splits the files, taken end to end, into `parts` runs of segments of near-equal bytes,
 * each cut just after a newline, so every line falls whole in one run, in order.
 */
async function planSegments(files: string[], sizes: number[], parts: number): Promise<CsvSegment[][]> {
  const total = sizes.reduce((a, b) => a + b, 0);
  // Cut points as (file index, offset), non-decreasing; the last is the end of the last file.
  const cuts: { f: number; off: number }[] = [{ f: 0, off: 0 }];
  for (let k = 1; k < parts; k++) {
    let at = Math.floor((total * k) / parts);
    let f = 0;
    while (f < files.length - 1 && at >= sizes[f]) at -= sizes[f++];
    const off = await lineStartFrom(files[f], at, sizes[f]);
    const prev = cuts[cuts.length - 1];
    cuts.push(f > prev.f || (f === prev.f && off > prev.off) ? { f, off } : prev);
  }
  cuts.push({ f: files.length - 1, off: sizes[files.length - 1] });
  const plan: CsvSegment[][] = [];
  for (let k = 0; k < parts; k++) {
    const from = cuts[k];
    const to = cuts[k + 1];
    const segments: CsvSegment[] = [];
    for (let f = from.f; f <= to.f; f++) {
      const start = f === from.f ? from.off : 0;
      const end = f === to.f ? to.off : sizes[f];
      if (end > start) segments.push({ file: files[f], start, end });
    }
    plan.push(segments);
  }
  return plan;
}

/**
 * Parses on `threads` threads, each its own run of lines, and joins the runs in order.
 * Null when anything fails or the runs disagree on the width: the serial parser then
 * names the exact file and line.
 */
async function loadParallel(files: string[], sizes: number[], hasLabel: boolean, threads: number): Promise<Matrix | null> {
  const plan = await planSegments(files, sizes, threads);
  const pool = createKernelPool(CSV_KERNEL, threads, {});
  let parts: CsvSegmentsResult[];
  try {
    parts = await pool.run<CsvSegmentsResult>(
      'parseSegments',
      plan.map((segments) => ({ segments, hasLabel, block: BLOCK })),
    );
  } catch {
    // A read failed in a thread (a file gone, unreadable): the serial parser reports it as it would.
    return null;
  } finally {
    await pool.close();
  }
  const filled = parts.filter((p) => p.rows > 0);
  const fields = filled.length ? filled[0].fields : 0;
  if (parts.some((p) => p.failed) || filled.some((p) => p.fields !== fields)) return null;
  const cols = hasLabel ? fields - 1 : fields;
  const rows = filled.reduce((n, p) => n + p.rows, 0);
  const features = sharedFloats(rows * cols);
  const labels = hasLabel ? sharedFloats(rows) : null;
  let r = 0;
  for (const p of filled) {
    features.set(p.features.subarray(0, p.rows * cols), r * cols);
    labels?.set(p.labels!.subarray(0, p.rows), r);
    r += p.rows;
  }
  return { features, labels, rows, cols };
}

/**
 * Loads numeric CSV files into one dense matrix.
 *
 * SageMaker's convention: no header, target first (unless `label: false`). An empty
 * field or `nan` is a missing feature (NaN). A missing or non-numeric label, a
 * non-numeric feature, rows of different widths, or no rows at all →
 * `ORCH_TRAINING_DATA_INVALID` naming the file and line. With `threads` > 1, inputs of
 * `parallelMinBytes` or more are parsed on that many threads; a bad line there sends the
 * whole input back through the serial parser, whose error names it.
 */
export async function loadCsvMatrix(files: string[], opts: CsvMatrixOptions = {}): Promise<Matrix> {
  const hasLabel = opts.label ?? true;
  const sizes: number[] = [];
  for (const file of files) sizes.push((await fs.stat(file)).size);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  const parallel = threads > 1 && files.length > 0 && totalBytes >= (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES);
  const m = (parallel ? await loadParallel(files, sizes, hasLabel, threads) : null) ?? (await loadSerial(files, hasLabel, totalBytes));
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
  return m;
}
