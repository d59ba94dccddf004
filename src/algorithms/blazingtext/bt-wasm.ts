/**
 * Word2Vec's pair update as a small WebAssembly SIMD module (written byte by byte, as
 * k-NN's and xgboost's kernels are), over one shared WebAssembly.Memory holding the
 * sigmoid table, the input rows (syn0), the output rows (syn1neg) and a scratch area per
 * thread, so every Hogwild thread updates the same weights uncopied.
 *
 * `step(rows, nrows, targets, counts, alpha, dBytes, h, g, sig, log, npairs, al, neg, rng) → loss`
 * runs `npairs` Word2Vec steps over the same input rows, one after the other (all offsets are
 * bytes into the memory; `dBytes` = 4·dim, a multiple of 16). With `neg` = 0, step i has
 * `counts[i]` (u32, at least 1) targets, listed after the previous steps' at `targets`. With
 * `neg` > 0 the module draws the negatives itself: step i's positive is at `targets` + 4·i·(neg + 1)
 * and its `neg` draws are listed after it (a draw equal to the positive skipped), from the
 * draw block at `rng` (u32s: the xorshift32 state, read and written back, V, the addresses of
 * the alias table's thresholds and aliases, syn1), exactly as the JavaScript kernel's draw()
 * does, so JavaScript no longer spends its time on them. Each step is:
 * - h = the one input row itself when `nrows` is 1, else the mean of the `nrows` input
 *   rows (written at `h`) whose addresses are the u32s at `rows` (the centre's rows for
 *   skipgram, the context's for cbow, one context word for batch_skipgram);
 * - for each of the output rows at `targets` (the positive word first, then the negatives):
 *   f = h·y in f32x4 lanes (summed across lanes in f64), s = σ(f) read from the table at
 *   `sig` exactly as the JavaScript kernel reads it (0 below −8, 1 above 8), the loss
 *   −log(s) (positive) or −log(1 − s) (negative) read from the log table at `log` as the
 *   JavaScript kernel's flog reads it, and a = alpha·(label − s), kept at `al`;
 * - then, in target order, g += a·y and y += a·h for each target (g at `g`);
 * - each input row += g;
 * and returns the steps' loss (summed in f64 in target order, as the JavaScript kernel does),
 * so no sigmoid goes back through memory to JavaScript.
 * All of a step's dot products are taken before any of its targets is updated: h is the same
 * for them all, so the dot pass reads h's chunk once for a block of up to BLOCK targets (one
 * chain of f32x4 each, independent rows read side by side), and the update pass reads h's
 * chunk and keeps g's in a register across the block, storing y once a target. Word2vec.c and
 * gensim take each target's dot product after the previous target's update; the two differ
 * only when a row is listed twice in one step (a negative drawn twice), a stale read of the
 * kind Hogwild's threads already make, and the JavaScript kernel orders its steps the same way.
 * With one input row (skipgram without subwords) h is read in place and the last block adds
 * g to the row as it goes, so nothing is copied.
 * One call per centre word for skipgram (a step per context word: the same centre rows,
 * updated after each step, as one step a call would) and per position for cbow, both drawing
 * their negatives here, so the JavaScript → WebAssembly call is paid once for a whole window's
 * draws, dot products and axpys. batch_skipgram shares one draw across a window and lists it.
 */
import { f64, sharedMemoryModule, uleb } from '../wasm-bytes.js';

// Opcodes.
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32 = 0x41;
const ADD = 0x6a;
const SUB = 0x6b;
const SHL = 0x74;
const I32_EQ = 0x46;
const LT_U = 0x49;
const GT_U = 0x4b;
const GE_U = 0x4f;
const BR_IF = 0x0d;
const END = 0x0b;
const LOAD_I32 = [0x28, 2, 0];
const STORE_I32 = [0x36, 2, 0];
const I32_NE = 0x47;
const I32_MUL = 0x6c;
const XOR = 0x73;
const SHR_U = 0x76;
const SELECT = 0x1b;
const I64_MUL = 0x7e;
const I64_SHR_U = 0x88;
const I64_FROM_U32 = 0xad;
const I32_WRAP = 0xa7;
const LOAD_F32 = [0x2a, 2, 0];
const STORE_F32 = [0x38, 2, 0];
const F64_LT = 0x63;
const F64_GT = 0x64;
const F64_ADD = 0xa0;
const F64_SUB = 0xa1;
const F64_MUL = 0xa2;
const F64_PROMOTE = 0xbb;
const F32_DEMOTE = 0xb6;
const I32_TRUNC_F64 = 0xaa;
const F32_FROM_U32 = 0xb3;
const SIMD = 0xfd;
const VLOAD = [SIMD, 0x00, 2, 0];
const VLOAD16 = [SIMD, 0x00, 2, 16]; // v128.load at offset 16
const VSTORE = [SIMD, 0x0b, 2, 0];
const VZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const SPLAT = [SIMD, 0x13]; // f32x4.splat
const VADD = [SIMD, ...uleb(228)]; // f32x4.add
const VMUL = [SIMD, ...uleb(230)]; // f32x4.mul
const VDIV = [SIMD, ...uleb(231)]; // f32x4.div
const lane = (a: number, k: number): number[] => [GET, a, SIMD, 0x1f, k, F64_PROMOTE];

// Parameters, then locals.
const ROWS = 0;
const NROWS = 1;
const TARGETS = 2;
const COUNTS = 3;
const ALPHA = 4;
const DB = 5;
const H = 6;
const G = 7;
const SIG = 8;
const LOG = 9;
const NPAIRS = 10;
const AL = 11;
const NEG = 12;
const RNG = 13;
/**
 * Targets per block: the dot pass reads h once for this many rows, the update pass reads h's
 * chunk and keeps g's in a register for them. Word2Vec's usual 5 negatives make 6 targets a step.
 */
const BLOCK = 6;
// i32 locals.
const P = 14;
const PE = P + 1;
const R = P + 2;
const K = P + 3;
const NT = P + 4;
const HP = P + 5;
const T = P + 6;
const AP = P + 7;
const REM = P + 8;
const ONE = P + 9;
// The draws: the generator's state, the vocabulary's size, the alias table's two columns, syn1, the step's positive, the list's end, the draws left, a column.
const RS = P + 10;
const NV = P + 11;
const PRB = P + 12;
const ALB = P + 13;
const S1B = P + 14;
const PADDR = P + 15;
const LP = P + 16;
const CNT = P + 17;
const J = P + 18;
const R0 = P + 19; // R0 … R0 + BLOCK − 1: a block's target rows
const I32_LOCALS = R0 + BLOCK - P;
// i64 local: u·V.
const M = R0 + BLOCK;
// f64 locals.
const X = M + 1;
const LAB = X + 1;
const S = X + 2;
const LOSS = X + 3;
// v128 locals.
const HV = X + 4;
const GV = HV + 1;
const Y = HV + 2;
const ACC0 = HV + 3; // ACC0 …: a block's dot products
const A0 = ACC0 + BLOCK; // A0 …: a block's alphas, splat
const V128_LOCALS = 3 + 2 * BLOCK;

/** `for (K = 0; K < DB; K += 16) body` (DB > 0). */
const overRow = (body: number[]): number[] => [I32, 0, SET, K, 0x03, 0x40, ...body, GET, K, I32, 16, ADD, TEE, K, GET, DB, LT_U, BR_IF, 0, END];
/** For each u32 address in [from, from + 4·count): R = it; body. */
const overList = (from: number, count: number, body: number[]): number[] => [
  GET, from, SET, P,
  GET, from, GET, count, I32, 2, SHL, ADD, SET, PE,
  0x02, 0x40, GET, P, GET, PE, GE_U, BR_IF, 0,
  0x03, 0x40, GET, P, ...LOAD_I32, SET, R, ...body, GET, P, I32, 4, ADD, TEE, P, GET, PE, LT_U, BR_IF, 0, END,
  END,
];
const at = (base: number): number[] => [GET, base, GET, K, ADD];
const range = (b: number): number[] => Array.from({ length: b }, (_, j) => j);

/**
 * The step's NT (≥ 1) targets in blocks: `code(b, first, last)` handles the b targets from T
 * (their alphas at AP), then T and AP move on by b and REM (the targets left) drops by b.
 * Blocks of BLOCK, the last one of 1 to BLOCK; `first` and `last` say which blocks these are.
 */
function overBlocks(code: (b: number, first: boolean, last: boolean) => number[]): number[] {
  const advance = (b: number): number[] => [GET, T, I32, 4 * b, ADD, SET, T, GET, AP, I32, 4 * b, ADD, SET, AP, GET, REM, I32, b, SUB, SET, REM];
  // The block of exactly REM (1 … BLOCK) targets: if REM == BLOCK … else if REM == BLOCK − 1 … else 1.
  const exact = (first: boolean, b = BLOCK): number[] =>
    b === 1 ? code(1, first, true) : [GET, REM, I32, b, I32_EQ, 0x04, 0x40, ...code(b, first, true), 0x05, ...exact(first, b - 1), END];
  return [
    GET, TARGETS, SET, T, GET, AL, SET, AP, GET, NT, SET, REM,
    GET, REM, I32, BLOCK, GT_U, 0x04, 0x40,
    ...code(BLOCK, true, false), ...advance(BLOCK),
    0x03, 0x40, GET, REM, I32, BLOCK, GT_U, 0x04, 0x40, ...code(BLOCK, false, false), ...advance(BLOCK), 0x0c, 1, END, END,
    ...exact(false),
    0x05,
    ...exact(true),
    END,
  ];
}

/**
 * Dot products of b targets with h, h's chunk read once for all of them; then each target's
 * sigmoid, loss and alpha (stored at AP, for the update pass). LAB is 1 for the step's first
 * target (its positive word) and 0 after.
 */
function dots(b: number): number[] {
  const score = (j: number): number[] => [
    ...lane(ACC0 + j, 0), ...lane(ACC0 + j, 1), F64_ADD, ...lane(ACC0 + j, 2), F64_ADD, ...lane(ACC0 + j, 3), F64_ADD, SET, X,
    // s = x < -8 ? 0 : x > 8 ? 1 : sig[(x + 8) * 32 | 0]
    GET, X, ...f64(-8), F64_LT, 0x04, 0x7c, ...f64(0), 0x05,
    GET, X, ...f64(8), F64_GT, 0x04, 0x7c, ...f64(1), 0x05,
    GET, SIG, GET, X, ...f64(8), F64_ADD, ...f64(32), F64_MUL, I32_TRUNC_F64, I32, 2, SHL, ADD, ...LOAD_F32, F64_PROMOTE,
    END, END, SET, S,
    // loss −= log[(x · 512) | 0] with x = s for the positive, 1 − s for a negative: x = (1 − label) + s·(2·label − 1), exact for a label of 0 or 1.
    GET, LOSS, GET, LOG,
    ...f64(1), GET, LAB, F64_SUB, GET, S, GET, LAB, GET, LAB, F64_ADD, ...f64(1), F64_SUB, F64_MUL, F64_ADD,
    ...f64(512), F64_MUL, I32_TRUNC_F64, I32, 2, SHL, ADD, ...LOAD_F32, F64_PROMOTE, F64_SUB, SET, LOSS,
    // alpha[j] = alpha · (label − s)
    GET, AP, GET, ALPHA, GET, LAB, GET, S, F64_SUB, F64_MUL, F32_DEMOTE, 0x38, 2, 4 * j,
    ...f64(0), SET, LAB,
  ];
  return [
    ...range(b).flatMap((j) => [GET, T, 0x28, 2, 4 * j, SET, R0 + j, ...VZERO, SET, ACC0 + j]),
    ...overRow([
      ...at(HP), ...VLOAD, SET, HV,
      ...range(b).flatMap((j) => [GET, ACC0 + j, GET, HV, ...at(R0 + j), ...VLOAD, ...VMUL, ...VADD, SET, ACC0 + j]),
    ]),
    ...range(b).flatMap(score),
  ];
}

/**
 * The updates of b targets, in target order: per chunk, g += a·y then y += a·h for each, h's
 * and g's chunk read once. The step's first block starts g at 0; its last stores g, or, for
 * one input row (ONE; h is then the row itself), adds it to the row at once.
 */
function updates(b: number, first: boolean, last: boolean): number[] {
  const storeG = [...at(G), GET, GV, ...VSTORE];
  return [
    ...range(b).flatMap((j) => [GET, T, 0x28, 2, 4 * j, SET, R0 + j, GET, AP, SIMD, 0x09, 2, 4 * j, SET, A0 + j]),
    ...overRow([
      ...at(HP), ...VLOAD, SET, HV,
      ...(first ? VZERO : [...at(G), ...VLOAD]), SET, GV,
      ...range(b).flatMap((j) => [
        ...at(R0 + j), ...VLOAD, SET, Y,
        GET, GV, GET, A0 + j, GET, Y, ...VMUL, ...VADD, SET, GV,
        ...at(R0 + j), GET, Y, GET, A0 + j, GET, HV, ...VMUL, ...VADD, ...VSTORE,
      ]),
      ...(last ? [GET, ONE, 0x04, 0x40, ...at(HP), GET, HV, GET, GV, ...VADD, ...VSTORE, 0x05, ...storeG, END] : storeG),
    ]),
  ];
}

/**
 * NEG negatives for the step whose positive is the row at TARGETS, listed after it (NT = 1 +
 * those kept), drawn as the JavaScript kernel's draw() does: xorshift32, then the alias table's
 * column j = the high word of u·V and its coin the low word; a negative equal to the positive
 * is skipped.
 */
function drawCode(): number[] {
  const column = (base: number): number[] => [GET, base, GET, J, I32, 2, SHL, ADD, ...LOAD_I32];
  return [
    I32, 1, SET, NT,
    GET, TARGETS, ...LOAD_I32, SET, PADDR,
    GET, TARGETS, I32, 4, ADD, SET, LP,
    GET, NEG, SET, CNT,
    0x03, 0x40,
    GET, RS, GET, RS, I32, 13, SHL, XOR, SET, RS,
    GET, RS, GET, RS, I32, 17, SHR_U, XOR, SET, RS,
    GET, RS, GET, RS, I32, 5, SHL, XOR, SET, RS,
    GET, RS, I64_FROM_U32, GET, NV, I64_FROM_U32, I64_MUL, SET, M,
    GET, M, 0x42, 32, I64_SHR_U, I32_WRAP, SET, J,
    // R = syn1 + DB · (low word < prob[j] ? j : alias[j])
    GET, S1B, GET, J, ...column(ALB), GET, M, I32_WRAP, ...column(PRB), LT_U, SELECT, GET, DB, I32_MUL, ADD, TEE, R,
    GET, PADDR, I32_NE, 0x04, 0x40,
    GET, LP, GET, R, ...STORE_I32,
    GET, LP, I32, 4, ADD, SET, LP,
    GET, NT, I32, 1, ADD, SET, NT,
    END,
    GET, CNT, I32, 1, SUB, TEE, CNT, BR_IF, 0,
    END,
  ];
}

function stepCode(): number[] {
  return [
    4, I32_LOCALS, 0x7f, 1, 0x7e, 4, 0x7c, V128_LOCALS, 0x7b,
    GET, NROWS, I32, 1, I32_EQ, SET, ONE,
    // The draws' state and tables: u32s at RNG.
    GET, NEG, 0x04, 0x40,
    ...[RS, NV, PRB, ALB, S1B].flatMap((l, i) => [GET, RNG, 0x28, 2, 4 * i, SET, l]),
    END,
    // For each of the npairs steps: NT = its target count (the u32 at COUNTS), or its negatives drawn here.
    0x02, 0x40, 0x03, 0x40,
    GET, NPAIRS, 0x45, BR_IF, 1,
    GET, NEG, 0x45, 0x04, 0x40,
    GET, COUNTS, ...LOAD_I32, SET, NT,
    0x05,
    ...drawCode(),
    END,
    // h (at HP) = the one input row itself, else the mean of the rows, at H.
    GET, ONE, 0x04, 0x40,
    GET, ROWS, ...LOAD_I32, SET, HP,
    0x05,
    GET, H, SET, HP,
    ...overRow([...at(H), ...VZERO, ...VSTORE]),
    ...overList(ROWS, NROWS, overRow([...at(H), ...at(H), ...VLOAD, ...at(R), ...VLOAD, ...VADD, ...VSTORE])),
    GET, NROWS, F32_FROM_U32, ...SPLAT, SET, HV,
    ...overRow([...at(H), ...at(H), ...VLOAD, GET, HV, ...VDIV, ...VSTORE]),
    END,
    // Every target's dot product with h first (the positive, label 1, then the negatives), then every target's update.
    ...f64(1), SET, LAB,
    ...overBlocks(dots),
    ...overBlocks(updates),
    // Each input row += g (one row already has it).
    GET, ONE, 0x45, 0x04, 0x40,
    ...overList(ROWS, NROWS, overRow([...at(R), ...at(R), ...VLOAD, ...at(G), ...VLOAD, ...VADD, ...VSTORE])),
    END,
    // The next step's targets (NEG + 1 slots on when drawn here) and count.
    GET, TARGETS, GET, NEG, 0x04, 0x7f, GET, NEG, I32, 1, ADD, 0x05, GET, NT, END, I32, 2, SHL, ADD, SET, TARGETS,
    GET, COUNTS, I32, 4, ADD, SET, COUNTS,
    GET, NPAIRS, I32, 1, SUB, SET, NPAIRS,
    0x0c, 0,
    END, END,
    GET, NEG, 0x04, 0x40, GET, RNG, GET, RS, ...STORE_I32, END,
    GET, LOSS,
    END,
  ];
}
/** The module's bytes (a plain array: it goes to every thread in the kernel state, which compiles it). */
export const W2V_WASM: number[] = sharedMemoryModule('step', [0x7f, 0x7f, 0x7f, 0x7f, 0x7c, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f], stepCode(), [0x7c]);

interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
type WasmApi = { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory; Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => object };
const Wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Floats of the sigmoid table and of the log table (512 + 1 each, as the JavaScript kernel's), each padded to 16 bytes. */
const SIG_FLOATS = 516;
const LOG_FLOATS = 516;
/** Largest memory used (2 GiB): byte addresses then fit an i32 either way it is read. */
const MAX_BYTES = 2 ** 31;

export interface W2vMemory {
  memory: WasmMemory;
  /** Views of the input and output rows inside the memory (SharedArrayBuffer-backed). */
  syn0: Float32Array;
  syn1: Float32Array;
  /** Byte offsets handed to the kernels. */
  layout: { sig: number; log: number; prob: number; alias: number; syn0: number; syn1: number; rowsCap: number; targetsCap: number; pairsCap: number; scratch: number[] };
}

const up16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Bytes of a thread's draw block: its generator's state, V, the alias table's two columns and syn1 (u32s). */
const RNG_BYTES = 32;

/**
 * A shared memory for the WebAssembly step: the sigmoid and log tables, the negatives' alias
 * table (`outputRows` thresholds, then as many aliases), syn0 (`inputRows` × d), syn1
 * (`outputRows` × d) and per thread h, g, `rowsCap` row addresses, `targetsCap` target
 * addresses, `pairsCap` target counts (the steps of one call), `targetsCap` alphas and the
 * draw block. Null when d is not a multiple of 4, the weights pass 2 GiB, or the runtime lacks
 * wasm SIMD or shared memory (the JavaScript kernel then runs).
 */
export function w2vMemory(inputRows: number, outputRows: number, d: number, threads: number, rowsCap: number, targetsCap: number, pairsCap = 1): W2vMemory | null {
  if (!Wasm || d % 4 !== 0 || d === 0) return null;
  try {
    new Wasm.Instance(new Wasm.Module(Uint8Array.from(W2V_WASM)), { env: { m: new Wasm.Memory({ initial: 1, maximum: 1, shared: true }) } });
  } catch {
    return null;
  }
  const db = d * 4;
  const sig = 0;
  const log = SIG_FLOATS * 4;
  const prob = log + LOG_FLOATS * 4;
  const alias = prob + up16(outputRows * 4);
  const syn0 = alias + up16(outputRows * 4);
  const syn1 = syn0 + inputRows * db;
  const per = 2 * db + up16(rowsCap * 4) + up16(targetsCap * 4) + up16(pairsCap * 4) + up16(targetsCap * 4) + RNG_BYTES;
  const scratch0 = up16(syn1 + outputRows * db);
  const bytes = scratch0 + threads * per;
  if (bytes > MAX_BYTES) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  let memory: WasmMemory;
  try {
    memory = new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
  return {
    memory,
    syn0: new Float32Array(memory.buffer, syn0, inputRows * d),
    syn1: new Float32Array(memory.buffer, syn1, outputRows * d),
    layout: { sig, log, prob, alias, syn0, syn1, rowsCap, targetsCap, pairsCap, scratch: Array.from({ length: threads }, (_, t) => scratch0 + t * per) },
  };
}
