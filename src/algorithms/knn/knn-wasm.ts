/**
 * The exact search's inner loop as a small WebAssembly SIMD module (written byte by byte,
 * as xgboost's kernels are). `scan(x, q, n, dBytes, a, w, oi, os) → count` scores `n`
 * rows of float32 from byte offset `x` (each `dBytes` long, a multiple of 16) against the
 * four queries at `q`, `q + dBytes`, …: two rows at a time, eight f32x4 sums from six
 * loads per four dimensions, each row's four sums gathered into one vector by shuffles.
 * It then forms each row's four keys `A[row] + coef · sum` (the rows' `A` as float32 from
 * byte offset `a`; `coef` the f32x4 at `w + 16`) and keeps the row only when one of them
 * is below the query's threshold (the f32x4 at `w`): its number (0-based from `x`) goes
 * to the i32 list at `oi` and its four sums to `os + 16 · count`. The caller sets each
 * threshold a little above the query's current k-th best key and checks the kept rows
 * exactly, so only the few rows that can enter a heap come back to JavaScript. The rows
 * live in one shared WebAssembly.Memory, so every search thread reads them uncopied.
 */
import { RELAXED_MADD, relaxedSimd, sharedMemoryModule, uleb } from '../wasm-bytes.js';

const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32 = 0x41;
const ADD = 0x6a;
const SUB = 0x6b;
const SHL = 0x74;
const LT_U = 0x49;
const BR_IF = 0x0d;
const SELECT = 0x1b;
const END = 0x0b;
const SIMD = 0xfd;
// Parameters, then locals.
const X = 0;
const Q = 1;
const N = 2;
const DB = 3;
const AOFF = 4;
const W = 5;
const OI = 6;
const OS = 7;
const J = 8;
const Q1 = 9;
const Q2 = 10;
const Q3 = 11;
const Y = 12;
const I = 13;
const C = 14;
const A0 = 15; // A0..A3: the first row's sums against the four queries
const B0 = 19; // B0..B3: the second row's
const XV = 23;
const YV = 24;
const QV = 25;
const WV = 26;
const CV = 27;
const R = 28;
const load = (offset = 0): number[] => [SIMD, 0x00, 0, ...uleb(offset)];
const MUL = [SIMD, ...uleb(230)]; // f32x4.mul
const FADD = [SIMD, ...uleb(228)]; // f32x4.add
const LT = [SIMD, ...uleb(67)]; // f32x4.lt
const ANY_TRUE = [SIMD, ...uleb(83)]; // v128.any_true
const SPLAT32 = [SIMD, 0x09, 2, 0]; // v128.load32_splat
const STORE = [SIMD, 0x0b, 0, 0]; // v128.store
const ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
/** i8x16.shuffle picking 32-bit lanes (0–3 from the first operand, 4–7 from the second). */
const shuffle = (lanes: number[]): number[] => [SIMD, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

/** R = the four horizontal sums of locals s..s+3, in lanes 0..3 (XV and YV as temporaries). */
function sums(s: number): number[] {
  const pair = (a: number, b: number) => [GET, a, GET, b, ...shuffle([0, 4, 1, 5]), GET, a, GET, b, ...shuffle([2, 6, 3, 7]), ...FADD];
  return [
    ...pair(s, s + 1), SET, XV, // [a0 + a2, b0 + b2, a1 + a3, b1 + b3] of the first two
    ...pair(s + 2, s + 3), SET, YV,
    GET, XV, GET, YV, ...shuffle([0, 1, 4, 5]), GET, XV, GET, YV, ...shuffle([2, 3, 6, 7]), ...FADD, SET, R,
  ];
}

/** Keeps row `row` (code leaving an i32) when one of R's keys is under its threshold. */
function keep(row: number[]): number[] {
  return [
    GET, AOFF, ...row, I32, 2, SHL, ADD, ...SPLAT32,
    GET, CV, GET, R, ...MUL, ...FADD, GET, WV, ...LT, ...ANY_TRUE,
    0x04, 0x40, // if
    GET, OI, GET, C, I32, 2, SHL, ADD, ...row, 0x36, 2, 0, // i32.store
    GET, OS, GET, C, I32, 4, SHL, ADD, GET, R, ...STORE,
    GET, C, I32, 1, ADD, SET, C,
    END,
  ];
}

/** The scan's body; with `fma`, each product is added by one `f32x4.relaxed_madd` (fused where the CPU has FMA). */
function scanCode(fma: boolean): number[] {
  const madd = (sum: number, x: number): number[] => (fma ? [GET, x, GET, QV, GET, sum, ...RELAXED_MADD] : [GET, sum, GET, x, GET, QV, ...MUL, ...FADD]);
  const acc = (k: number, q: number): number[] => [
    GET, q, GET, J, ADD, ...load(), SET, QV,
    ...madd(A0 + k, XV), SET, A0 + k,
    ...madd(B0 + k, YV), SET, B0 + k,
  ];
  const next = [GET, I, I32, 1, ADD];
  return [
    2, 7, 0x7f, 14, 0x7b, // locals: 7 × i32, 14 × v128
    GET, Q, GET, DB, ADD, TEE, Q1, GET, DB, ADD, TEE, Q2, GET, DB, ADD, SET, Q3,
    GET, W, ...load(), SET, WV, GET, W, ...load(16), SET, CV,
    0x02, 0x40, GET, N, 0x45, BR_IF, 0, // block; if n == 0 leave
    0x03, 0x40, // loop over pairs of rows
    // The second row is the first again when n is odd and this is the last.
    GET, X, GET, DB, ADD, GET, X, ...next, GET, N, LT_U, SELECT, SET, Y,
    ...[0, 1, 2, 3].flatMap((k) => [...ZERO, SET, A0 + k, ...ZERO, SET, B0 + k]),
    I32, 0, SET, J,
    0x03, 0x40, // loop over the rows' values, four at a time
    GET, X, GET, J, ADD, ...load(), SET, XV,
    GET, Y, GET, J, ADD, ...load(), SET, YV,
    ...acc(0, Q), ...acc(1, Q1), ...acc(2, Q2), ...acc(3, Q3),
    GET, J, I32, 16, ADD, TEE, J, GET, DB, LT_U, BR_IF, 0,
    END,
    ...sums(A0), ...keep([GET, I]),
    ...next, GET, N, LT_U, 0x04, 0x40, ...sums(B0), ...keep(next), END,
    GET, X, GET, DB, I32, 1, SHL, ADD, SET, X,
    GET, I, I32, 2, ADD, TEE, I, GET, N, LT_U, BR_IF, 0,
    END,
    END,
    GET, C,
    END,
  ];
}

/** The module's bytes, with or without relaxed SIMD's fused multiply-add. */
export function scanWasm(fma: boolean): number[] {
  return sharedMemoryModule('scan', [0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f], scanCode(fma), [0x7f]);
}

/**
 * The module the searches use (embedded in the kernel state, which every thread compiles):
 * the fused one where the runtime has relaxed SIMD. Fused sums round once instead of twice;
 * the caller's threshold margin and exact check cover either.
 */
export const SCAN_WASM: number[] = scanWasm(relaxedSimd());

interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
const Wasm = (globalThis as unknown as { WebAssembly?: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory; Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => object } }).WebAssembly;

/** Rows per call of `scan` (the kept rows' numbers and sums are 20 bytes each of scratch). */
export const WASM_TILE = 1024;

/** Byte sizes of a thread's scratch area: four queries, the thresholds and coef, the kept rows' numbers and sums. */
export function scratchLayout(d: number): { queries: number; thresholds: number; rows: number; sums: number; bytes: number } {
  const queries = 0;
  const thresholds = 16 * d;
  const rows = thresholds + 32;
  const sums = rows + 4 * WASM_TILE;
  return { queries, thresholds, rows, sums, bytes: sums + 16 * WASM_TILE };
}

/**
 * A shared memory holding the n × d rows at offset 0, their `A` as float32 after them,
 * then `threads` scratch areas (see `scratchLayout`); null when d is not a multiple of 4
 * or the runtime lacks wasm SIMD.
 */
export function wasmRows(X: Float32Array, A: Float32Array, n: number, d: number, threads: number): { memory: WasmMemory; aOffset: number; scratch: number[] } | null {
  if (!Wasm || d % 4 !== 0 || n === 0) return null;
  try {
    new Wasm.Instance(new Wasm.Module(Uint8Array.from(SCAN_WASM)), { env: { m: new Wasm.Memory({ initial: 1, maximum: 65536, shared: true }) } });
  } catch {
    return null;
  }
  const rowsBytes = n * d * 4;
  const aOffset = rowsBytes;
  const scratch0 = aOffset + Math.ceil(n / 4) * 16;
  const per = scratchLayout(d).bytes;
  const bytes = scratch0 + threads * per;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 65536) return null;
  const memory = new Wasm.Memory({ initial: pages, maximum: 65536, shared: true });
  new Float32Array(memory.buffer, 0, n * d).set(X.subarray(0, n * d));
  new Float32Array(memory.buffer, aOffset, n).set(A.subarray(0, n));
  return { memory, aOffset, scratch: Array.from({ length: threads }, (_, t) => scratch0 + t * per) };
}
