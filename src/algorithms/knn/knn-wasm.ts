/**
 * The exact search's dot products as a small WebAssembly SIMD module (written byte by
 * byte, as xgboost's kernels are): `dots(x, q, n, dBytes, out)` scores `n` rows of
 * float32 from byte offset `x` (each `dBytes` long, a multiple of 16) against the four
 * queries at `q`, `q + dBytes`, …, in f32x4 lanes, and writes the four sums of row i as
 * float32 at out + 16 i. The rows live in one shared WebAssembly.Memory, so every search
 * thread reads them uncopied.
 */
import { sharedMemoryModule, uleb } from '../wasm-bytes.js';

const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32 = 0x41;
const ADD = 0x6a;
const SUB = 0x6b;
const LT_U = 0x49;
const BR_IF = 0x0d;
const END = 0x0b;
const SIMD = 0xfd;
// Parameters, then locals.
const X = 0;
const Q = 1;
const N = 2;
const DB = 3;
const OUT = 4;
const J = 5;
const Q1 = 6;
const Q2 = 7;
const Q3 = 8;
const A0 = 9;
const XV = 13;
const LOAD = [SIMD, 0x00, 2, 0];
const MUL = [SIMD, ...uleb(230)]; // f32x4.mul
const FADD = [SIMD, ...uleb(228)]; // f32x4.add
const hsum = (a: number): number[] => [GET, a, SIMD, 0x1f, 0, GET, a, SIMD, 0x1f, 1, 0x92, GET, a, SIMD, 0x1f, 2, 0x92, GET, a, SIMD, 0x1f, 3, 0x92];
const acc = (k: number, q: number): number[] => [GET, A0 + k, GET, XV, GET, q, GET, J, ADD, ...LOAD, ...MUL, ...FADD, SET, A0 + k];

function dotsCode(): number[] {
  return [
    2, 4, 0x7f, 5, 0x7b, // locals: 4 × i32, 5 × v128
    GET, Q, GET, DB, ADD, TEE, Q1, GET, DB, ADD, TEE, Q2, GET, DB, ADD, SET, Q3,
    0x02, 0x40, GET, N, 0x45, BR_IF, 0, // block; if n == 0 leave
    0x03, 0x40, // loop over rows
    ...[0, 1, 2, 3].flatMap((k) => [SIMD, 0x0c, ...new Array<number>(16).fill(0), SET, A0 + k]),
    I32, 0, SET, J,
    0x03, 0x40, // loop over the row's values, four at a time
    GET, X, GET, J, ADD, ...LOAD, SET, XV,
    ...acc(0, Q), ...acc(1, Q1), ...acc(2, Q2), ...acc(3, Q3),
    GET, J, I32, 16, ADD, TEE, J, GET, DB, LT_U, BR_IF, 0,
    END,
    ...[0, 1, 2, 3].flatMap((k) => [GET, OUT, ...hsum(A0 + k), 0x38, 2, ...uleb(4 * k)]), // f32.store
    GET, OUT, I32, 16, ADD, SET, OUT,
    GET, X, GET, DB, ADD, SET, X,
    GET, N, I32, 1, SUB, TEE, N, BR_IF, 0,
    END,
    END,
    END,
  ];
}

/** The module's bytes (embedded in the kernel source, which every thread compiles). */
export const DOTS_WASM: number[] = sharedMemoryModule('dots', [0x7f, 0x7f, 0x7f, 0x7f, 0x7f], dotsCode());

interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
const Wasm = (globalThis as unknown as { WebAssembly?: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory; Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => object } }).WebAssembly;

/** Rows per call of `dots` (the four sums of each are 16 bytes of scratch). */
export const WASM_TILE = 1024;

/**
 * A shared memory holding the n × d rows at offset 0, then `threads` scratch areas (four
 * queries and a tile of sums each); null when d is not a multiple of 4 or the runtime
 * lacks wasm SIMD.
 */
export function wasmRows(X: Float32Array, n: number, d: number, threads: number): { memory: WasmMemory; scratch: number[] } | null {
  if (!Wasm || d % 4 !== 0 || n === 0) return null;
  try {
    new Wasm.Instance(new Wasm.Module(Uint8Array.from(DOTS_WASM)), { env: { m: new Wasm.Memory({ initial: 1, maximum: 65536, shared: true }) } });
  } catch {
    return null;
  }
  const rowsBytes = n * d * 4;
  const per = 16 * d + 16 * WASM_TILE;
  const bytes = rowsBytes + threads * per;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 65536) return null;
  const memory = new Wasm.Memory({ initial: pages, maximum: 65536, shared: true });
  new Float32Array(memory.buffer, 0, n * d).set(X.subarray(0, n * d));
  return { memory, scratch: Array.from({ length: threads }, (_, t) => rowsBytes + t * per) };
}
