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
 *
 * `g(margin, labels, gh, groups)` writes the logistic-loss gradient pairs of 4*groups
 * rows (float32 margins and labels, float32 (g, h) out), in f64x2 lanes:
 * p = 1/(1 + e^-m), g = p - y, h = max(p(1 - p), 1e-16), with e^x = 2^k e^y for
 * k = round(x log2 e), |y| <= ln2/2, e^y by its Taylor series to y^8 (relative error
 * below 3e-10, far under float32's). About 3x the JS loop's speed.
 */
import { uleb, sleb, section, name } from '../wasm-bytes.js';

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

/** SIMD instruction `op` (LEB-encoded after the prefix). */
function simd(op: number): number[] {
  return [SIMD, ...uleb(op)];
}

/** f64.const v splatted to both lanes. */
function splat(v: number): number[] {
  const b = new Uint8Array(new Float64Array([v]).buffer);
  return [0x44, ...b, ...simd(0x14)];
}

const F64X2_ADD = 0xf0;
const F64X2_SUB = 0xf1;
const F64X2_MUL = 0xf2;
const F64X2_DIV = 0xf3;
const F64X2_PMIN = 0xf6;
const F64X2_PMAX = 0xf7;
const F64X2_NEG = 0xed;
const F64X2_NEAREST = 0x94;
const LOAD64_ZERO = 0x5d;
const PROMOTE_LOW = 0x5f;
const DEMOTE_ZERO = 0x5e;
const I64X2_SPLAT = 0x12;
const I64X2_ADD = 0xce;
const I64X2_SHL = 0xcb;
const SHUFFLE = 0x0d;
const V_STORE = 0x0b;
// g's parameters and locals.
const G_M = 0;
const G_L = 1;
const G_GH = 2;
const G_N = 3;
/** Two independent chains of two rows each per step (the work is latency-bound): locals x, k, y, p per chain. */
const CHAINS = 2;
const V_X = 4;
const V_K = 6;
const V_Y = 8;
const V_P = 10;
const V_ONE = 12;
/** Taylor coefficients of e^y: 1/j! for j = 2..8 live in locals V_C + j - 2. */
const V_C = 13;
const V_LOG2E = 20;
const V_LN2HI = 21;
const V_LN2LO = 22;
const V_LOW = 23;
const V_HIGH = 24;
const V_EPS = 25;
const V_MAGIC = 26;

function gradientCode(): number[] {
  const fact = (j: number): number => (j <= 1 ? 1 : j * fact(j - 1));
  const init = [
    ...splat(1), SET, V_ONE,
    ...[2, 3, 4, 5, 6, 7, 8].flatMap((j) => [...splat(1 / fact(j)), SET, V_C + j - 2]),
    ...splat(Math.LOG2E), SET, V_LOG2E,
    // ln 2 in two parts: k * LN2HI is exact for |k| < 2^11.
    ...splat(0.693145751953125), SET, V_LN2HI,
    ...splat(1.4286068203094172e-6), SET, V_LN2LO,
    ...splat(-80), SET, V_LOW,
    ...splat(80), SET, V_HIGH,
    ...splat(1e-16), SET, V_EPS,
    ...splat(6755399441055744), SET, V_MAGIC,
  ];
  /** Each statement for every chain in turn, so the chains' instructions interleave. */
  const each = (f: (c: number) => number[]): number[] => Array.from({ length: CHAINS }, (_, c) => f(c)).flat();
  const x = (c: number) => V_X + c;
  const k = (c: number) => V_K + c;
  const y = (c: number) => V_Y + c;
  const pr = (c: number) => V_P + c;
  const body: number[] = [
    // x = clamp(-margin, -80, 80)
    ...each((c) => [GET, G_M, ...simd(LOAD64_ZERO), 3, ...uleb(8 * c), ...simd(PROMOTE_LOW), ...simd(F64X2_NEG),
      GET, V_LOW, ...simd(F64X2_PMAX), GET, V_HIGH, ...simd(F64X2_PMIN), SET, x(c)]),
    ...each((c) => [GET, x(c), GET, V_LOG2E, ...simd(F64X2_MUL), ...simd(F64X2_NEAREST), SET, k(c)]),
    ...each((c) => [GET, x(c), GET, k(c), GET, V_LN2HI, ...simd(F64X2_MUL), ...simd(F64X2_SUB),
      GET, k(c), GET, V_LN2LO, ...simd(F64X2_MUL), ...simd(F64X2_SUB), SET, y(c)]),
    // e^y by Horner from y^8 down, into x.
    ...each((c) => [GET, V_C + 6, SET, x(c)]),
    ...[7, 6, 5, 4, 3, 2, 1, 0].flatMap((j) =>
      each((c) => [GET, x(c), GET, y(c), ...simd(F64X2_MUL), GET, j >= 2 ? V_C + j - 2 : V_ONE, ...simd(F64X2_ADD), SET, x(c)]),
    ),
    // e^x = e^y * 2^k, 2^k from the exponent bits; p = 1 / (1 + e^x).
    ...each((c) => [GET, V_ONE, GET, V_ONE, GET, x(c),
      // k + 1.5 * 2^52 holds k in its low mantissa bits; + 1023 and << 52 leaves the exponent field of 2^k.
      GET, k(c), GET, V_MAGIC, ...simd(F64X2_ADD),
      0x42, ...sleb(1023), ...simd(I64X2_SPLAT), ...simd(I64X2_ADD), I32, 52, ...simd(I64X2_SHL),
      ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...simd(F64X2_DIV), SET, pr(c)]),
    // (g0, g1) and (h0, h1) interleaved as g0 h0 g1 h1.
    ...each((c) => [GET, G_GH,
      GET, pr(c), GET, G_L, ...simd(LOAD64_ZERO), 3, ...uleb(8 * c), ...simd(PROMOTE_LOW), ...simd(F64X2_SUB), ...simd(DEMOTE_ZERO),
      GET, pr(c), GET, V_ONE, GET, pr(c), ...simd(F64X2_SUB), ...simd(F64X2_MUL), GET, V_EPS, ...simd(F64X2_PMAX), ...simd(DEMOTE_ZERO),
      ...simd(SHUFFLE), 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23,
      ...simd(V_STORE), 4, ...uleb(16 * c)]),
  ];
  const code = [
    ...init,
    0x02, 0x40, // block
    GET, G_N, 0x45, BR_IF, 0, // i32.eqz
    0x03, 0x40, // loop over groups of 2 * CHAINS rows
    ...body,
    GET, G_M, I32, 8 * CHAINS, ADD, SET, G_M,
    GET, G_L, I32, 8 * CHAINS, ADD, SET, G_L,
    GET, G_GH, I32, 16 * CHAINS, ADD, SET, G_GH,
    GET, G_N, I32, 1, SUB, TEE, G_N, BR_IF, 0,
    END,
    END,
    END,
  ];
  return [1, 23, 0x7b, ...code];
}

function kernelsModule(): Uint8Array {
  const h = histCode();
  const p = partitionCode();
  const g = gradientCode();
  const i32x7 = [7, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [3, 0x60, ...i32x7, 0, 0x60, ...i32x7, 1, 0x7f, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...name('env'), ...name('m'), 0x02, 0x03, 0, ...uleb(65536)]),
    ...section(3, [3, 0, 1, 2]),
    ...section(7, [3, ...name('h'), 0x00, 0, ...name('p'), 0x00, 1, ...name('g'), 0x00, 2]),
    ...section(10, [3, ...uleb(h.length), ...h, ...uleb(p.length), ...p, ...uleb(g.length), ...g]),
  ];
  return Uint8Array.from(bytes);
}

/** The module's bytes, as a plain array (embedded in the worker source). */
export const KERNELS_WASM: number[] = Array.from(kernelsModule());

/** The histogram kernel: (words, W, gh, rows, a, z, hist) in bytes. */
export type HistFn = (words: number, W: number, gh: number, rows: number, a: number, z: number, hist: number) => void;
/** The partition kernel: (col, src, dst, a, z, split, missLeft) → left count. */
export type PartFn = (col: number, src: number, dst: number, a: number, z: number, split: number, missLeft: number) => number;
/** The logistic gradient kernel: (margin, labels, gh, groups) in bytes and groups of GRAD_ROWS rows. */
export type GradFn = (margin: number, labels: number, gh: number, groups: number) => void;
/** Rows per step of the gradient kernel. */
export const GRAD_ROWS = 2 * CHAINS;

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
export function wasmKernels(memory: WasmMemory): { hist: HistFn; part: PartFn; grad: GradFn } | null {
  try {
    const mod = new Wasm.Module(Uint8Array.from(KERNELS_WASM));
    const inst = new Wasm.Instance(mod, { env: { m: memory } });
    return { hist: inst.exports.h as HistFn, part: inst.exports.p as PartFn, grad: inst.exports.g as GradFn };
  } catch {
    return null;
  }
}
