/**
 * The histogram and partition kernels as a small WebAssembly module (built here byte by
 * byte, no toolchain), over one shared WebAssembly.Memory that holds the bin matrices,
 * the gradient pairs, the row ids and the histograms.
 *
 * Each bin update is one 128-bit load, one f64x2 add and one store of the (G, H) pair,
 * with no bounds checks: about 2x the JS kernel's speed.
 *
 * `h(words, W, gh, rows, a, z, hist)` (byte offsets and counts, all i32) adds, for
 * i in [a, z), the pair gh[rows[i]] (float32 pair, widened) to the histogram at `hist`:
 * feature f's bin b at hist + f*4096 + b*16, f64 (G, H); row r's bins are the uint32
 * words at words + r*W*4 (4 features per word).
 *
 * `p(col, src, dst, a, z, split, missLeft)` partitions the row ids src[a, z) (uint32 at
 * byte offset `src`) on the bins of one feature (bytes at `col`, indexed by row id):
 * rows with bin <= split, or bin 255 (missing) when missLeft, go forward from dst[a],
 * the others backward from dst[z - 1]; returns the left count. Branchless, as kPartition.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

// Opcodes.
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32 = 0x41;
const ADD = 0x6a;
const MUL = 0x6c;
const AND = 0x71;
const SHL = 0x74;
const SHR_U = 0x76;
const GE_U = 0x4f;
const LT_U = 0x49;
const LOAD = 0x28;
const BR_IF = 0x0d;
const END = 0x0b;
const SIMD = 0xfd;

// Parameters and locals.
const P_WORDS = 0;
const P_W = 1;
const P_GH = 2;
const P_ROWS = 3;
const P_I = 4;
const P_Z = 5;
const P_HIST = 6;
const L_R = 7;
const L_P = 8;
const L_PE = 9;
const L_FO = 10;
const L_X = 11;
const L_G = 12;
const L_ROWBYTES = 13;
const L_ADDR = 14;
const L_J = 15;
const L_T = 16;
const SUB = 0x6b;
const SELECT = 0x1b;
const DROP = 0x1a;
/** Rows ahead whose bins and gradients are touched early (loads whose latency then overlaps work). */
const AHEAD = 32;

/** One bin update: the byte of x selected by `shift`, feature offset `off` within the word. */
function update(shift: number, off: number): number[] {
  const bin =
    shift === 0 ? [GET, L_X, I32, 4, SHL] : [GET, L_X, I32, ...sleb(shift - 4), SHR_U];
  return [
    GET, L_FO, ...bin, I32, ...sleb(4080), AND, ADD, TEE, L_ADDR,
    GET, L_ADDR, SIMD, 0x00, 4, ...uleb(off), // v128.load
    GET, L_G, SIMD, ...uleb(0xf0), // f64x2.add
    SIMD, 0x0b, 4, ...uleb(off), // v128.store
  ];
}

function histCode(): number[] {
  const code = [
    GET, P_W, I32, 2, SHL, SET, L_ROWBYTES,
    0x02, 0x40, // block
    GET, P_I, GET, P_Z, GE_U, BR_IF, 0,
    0x03, 0x40, // loop over rows
    // j = rows[min(i + AHEAD, z - 1)]: touch its first and last bin word and its gradient pair.
    GET, P_ROWS,
    GET, P_I, I32, ...sleb(AHEAD), ADD, GET, P_Z, I32, 1, SUB,
    GET, P_I, I32, ...sleb(AHEAD), ADD, GET, P_Z, LT_U, SELECT,
    I32, 2, SHL, ADD, LOAD, 2, 0, SET, L_J,
    GET, P_WORDS, GET, L_J, GET, L_ROWBYTES, MUL, ADD, TEE, L_T, LOAD, 2, 0, DROP,
    GET, L_T, GET, L_ROWBYTES, ADD, I32, 4, SUB, LOAD, 2, 0, DROP,
    GET, P_GH, GET, L_J, I32, 3, SHL, ADD, LOAD, 2, 0, DROP,
    GET, P_ROWS, GET, P_I, I32, 2, SHL, ADD, LOAD, 2, 0, SET, L_R,
    GET, P_GH, GET, L_R, I32, 3, SHL, ADD, SIMD, 0x5d, 3, 0, // v128.load64_zero
    SIMD, 0x5f, // f64x2.promote_low_f32x4
    SET, L_G,
    GET, P_WORDS, GET, L_R, GET, L_ROWBYTES, MUL, ADD, TEE, L_P,
    GET, L_ROWBYTES, ADD, SET, L_PE,
    GET, P_HIST, SET, L_FO,
    0x03, 0x40, // loop over words
    GET, L_P, LOAD, 2, 0, SET, L_X,
    ...update(0, 0),
    ...update(8, 4096),
    ...update(16, 8192),
    ...update(24, 12288),
    GET, L_FO, I32, ...sleb(16384), ADD, SET, L_FO,
    GET, L_P, I32, 4, ADD, TEE, L_P, GET, L_PE, LT_U, BR_IF, 0,
    END,
    GET, P_I, I32, 1, ADD, TEE, P_I, GET, P_Z, LT_U, BR_IF, 0,
    END,
    END,
    END,
  ];
  return [3, 5, 0x7f, 1, 0x7b, 4, 0x7f, ...code];
}

const XOR = 0x73;
const OR = 0x72;
const LOAD8_U = 0x2d;
const STORE = 0x36;
// p's parameters and locals.
const Q_COL = 0;
const Q_SRC = 1;
const Q_DST = 2;
const Q_A = 3;
const Q_Z = 4;
const Q_SPLIT = 5;
const Q_MISS = 6;
const M_PS = 7;
const M_PE = 8;
const M_PL = 9;
const M_PR = 10;
const M_PL0 = 11;
const M_R = 12;
const M_BIN = 13;
const M_LEFT = 14;

function partitionCode(): number[] {
  const code = [
    GET, Q_SRC, GET, Q_A, I32, 2, SHL, ADD, SET, M_PS,
    GET, Q_SRC, GET, Q_Z, I32, 2, SHL, ADD, SET, M_PE,
    GET, Q_DST, GET, Q_A, I32, 2, SHL, ADD, TEE, M_PL, SET, M_PL0,
    GET, Q_DST, GET, Q_Z, I32, 2, SHL, ADD, I32, 4, SUB, SET, M_PR,
    0x02, 0x40, // block
    GET, M_PS, GET, M_PE, GE_U, BR_IF, 0,
    0x03, 0x40, // loop over rows
    GET, M_PS, LOAD, 2, 0, SET, M_R,
    GET, Q_COL, GET, M_R, ADD, LOAD8_U, 0, 0, SET, M_BIN,
    // left = ((split - bin) >>> 31 ^ 1) | ((bin + 1) >>> 8 & missLeft)
    GET, Q_SPLIT, GET, M_BIN, SUB, I32, 31, SHR_U, I32, 1, XOR,
    GET, M_BIN, I32, 1, ADD, I32, 8, SHR_U, GET, Q_MISS, AND, OR, SET, M_LEFT,
    GET, M_PL, GET, M_R, STORE, 2, 0,
    GET, M_PR, GET, M_R, STORE, 2, 0,
    GET, M_PL, GET, M_LEFT, I32, 2, SHL, ADD, SET, M_PL,
    GET, M_PR, GET, M_LEFT, I32, 1, XOR, I32, 2, SHL, SUB, SET, M_PR,
    GET, M_PS, I32, 4, ADD, TEE, M_PS, GET, M_PE, LT_U, BR_IF, 0,
    END,
    END,
    GET, M_PL, GET, M_PL0, SUB, I32, 2, SHR_U,
    END,
  ];
  return [1, 8, 0x7f, ...code];
}

function kernelsModule(): Uint8Array {
  const h = histCode();
  const p = partitionCode();
  const i32x7 = [7, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, ...i32x7, 0, 0x60, ...i32x7, 1, 0x7f]),
    ...section(2, [1, ...name('env'), ...name('m'), 0x02, 0x03, 0, ...uleb(65536)]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('h'), 0x00, 0, ...name('p'), 0x00, 1]),
    ...section(10, [2, ...uleb(h.length), ...h, ...uleb(p.length), ...p]),
  ];
  return Uint8Array.from(bytes);
}

/** The module's bytes, as a plain array (embedded in the worker source). */
export const KERNELS_WASM: number[] = Array.from(kernelsModule());

/** The histogram kernel: (words, W, gh, rows, a, z, hist) in bytes. */
export type HistFn = (words: number, W: number, gh: number, rows: number, a: number, z: number, hist: number) => void;
/** The partition kernel: (col, src, dst, a, z, split, missLeft) → left count. */
export type PartFn = (col: number, src: number, dst: number, a: number, z: number, split: number, missLeft: number) => number;

/** The parts of the WebAssembly API used here (the project's TS libs do not declare them). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Instantiates the module over `memory`; null when this runtime lacks wasm SIMD. */
export function wasmKernels(memory: WasmMemory): { hist: HistFn; part: PartFn } | null {
  try {
    const mod = new Wasm.Module(Uint8Array.from(KERNELS_WASM));
    const inst = new Wasm.Instance(mod, { env: { m: memory } });
    return { hist: inst.exports.h as HistFn, part: inst.exports.p as PartFn };
  } catch {
    return null;
  }
}
