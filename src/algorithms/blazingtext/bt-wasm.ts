/**
 * Word2Vec's pair update as a small WebAssembly SIMD module (written byte by byte, as
 * k-NN's and xgboost's kernels are), over one shared WebAssembly.Memory holding the
 * sigmoid table, the input rows (syn0), the output rows (syn1neg) and a scratch area per
 * thread, so every Hogwild thread updates the same weights uncopied.
 *
 * `step(rows, nrows, targets, counts, alpha, dBytes, h, g, sig, log, npairs) → loss` runs
 * `npairs` Word2Vec steps over the same input rows, one after the other (all offsets are
 * bytes into the memory; `dBytes` = 4·dim, a multiple of 16). Step i has `counts[i]` (u32)
 * targets, listed after the previous steps' at `targets`; each step is:
 * - h = the mean of the `nrows` input rows whose addresses are the u32s at `rows` (the
 *   centre's rows for skipgram, the context's for cbow, one context word for
 *   batch_skipgram);
 * - for each of the `ntargets` output rows at `targets` (the positive word first, then
 *   the negatives): f = h·y in two chains of f32x4 lanes (summed across lanes in f64),
 *   s = σ(f) read from the table at `sig` exactly as the JavaScript kernel reads it
 *   (0 below −8, 1 above 8), a = alpha·(label − s), g += a·y, y += a·h, and the loss
 *   −log(s) (positive) or −log(1 − s) (negative) read from the log table at `log` as the
 *   JavaScript kernel's flog reads it;
 * - each input row += g;
 * and returns the step's loss (summed in f64 in target order, as the JavaScript kernel does), so
 * no sigmoid goes back through memory to JavaScript.
 * One call per centre word for skipgram (a step per context word: the same centre rows,
 * recomputed after each step's update, as one step a call would) and per position for
 * cbow, so the JavaScript → WebAssembly call is paid once for a whole window's dot
 * products and axpys.
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
const LT_U = 0x49;
const GT_U = 0x4b;
const GE_U = 0x4f;
const BR_IF = 0x0d;
const END = 0x0b;
const LOAD_I32 = [0x28, 2, 0];
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
const P = 11;
const PE = 12;
const R = 13;
const K = 14;
const NT = 15;
const X = 16;
const LAB = 17;
const S = 18;
const LOSS = 19;
const ACC = 20;
const AV = 21;
const Y = 22;
const ACC2 = 23;

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

function stepCode(): number[] {
  return [
    3, 5, 0x7f, 4, 0x7c, 4, 0x7b, // locals: 5 × i32, 4 × f64, 4 × v128
    // For each of the npairs steps: NT = its target count (the u32 at COUNTS).
    0x02, 0x40, 0x03, 0x40,
    GET, NPAIRS, 0x45, BR_IF, 1,
    GET, COUNTS, ...LOAD_I32, SET, NT,
    // h = 0, g = 0; h += each input row; h /= nrows.
    ...overRow([...at(H), ...VZERO, ...VSTORE, ...at(G), ...VZERO, ...VSTORE]),
    ...overList(ROWS, NROWS, overRow([...at(H), ...at(H), ...VLOAD, ...at(R), ...VLOAD, ...VADD, ...VSTORE])),
    GET, NROWS, I32, 1, GT_U, 0x04, 0x40,
    GET, NROWS, F32_FROM_U32, ...SPLAT, SET, AV,
    ...overRow([...at(H), ...at(H), ...VLOAD, GET, AV, ...VDIV, ...VSTORE]),
    END,
    // The targets: the positive (label 1) first, then the negatives (label 0).
    ...f64(1), SET, LAB,
    ...overList(TARGETS, NT, [
      // The dot product in two chains of f32x4 (32 bytes a turn), then the odd 16 bytes.
      ...VZERO, SET, ACC, ...VZERO, SET, ACC2, I32, 0, SET, K,
      0x02, 0x40, 0x03, 0x40,
      GET, K, I32, 32, ADD, GET, DB, GT_U, BR_IF, 1,
      GET, ACC, ...at(H), ...VLOAD, ...at(R), ...VLOAD, ...VMUL, ...VADD, SET, ACC,
      GET, ACC2, ...at(H), ...VLOAD16, ...at(R), ...VLOAD16, ...VMUL, ...VADD, SET, ACC2,
      GET, K, I32, 32, ADD, SET, K, 0x0c, 0,
      END, END,
      GET, K, GET, DB, LT_U, 0x04, 0x40,
      GET, ACC, ...at(H), ...VLOAD, ...at(R), ...VLOAD, ...VMUL, ...VADD, SET, ACC,
      END,
      GET, ACC, GET, ACC2, ...VADD, SET, ACC,
      ...lane(ACC, 0), ...lane(ACC, 1), F64_ADD, ...lane(ACC, 2), F64_ADD, ...lane(ACC, 3), F64_ADD, SET, X,
      // s = x < -8 ? 0 : x > 8 ? 1 : sig[(x + 8) * 32 | 0]
      GET, X, ...f64(-8), F64_LT, 0x04, 0x7c, ...f64(0), 0x05,
      GET, X, ...f64(8), F64_GT, 0x04, 0x7c, ...f64(1), 0x05,
      GET, SIG, GET, X, ...f64(8), F64_ADD, ...f64(32), F64_MUL, I32_TRUNC_F64, I32, 2, SHL, ADD, ...LOAD_F32, F64_PROMOTE,
      END, END, SET, S,
      // loss −= log[(x · 512) | 0] with x = s for the positive, 1 − s for a negative: x = (1 − label) + s·(2·label − 1), exact for a label of 0 or 1.
      GET, LOSS, GET, LOG,
      ...f64(1), GET, LAB, F64_SUB, GET, S, GET, LAB, GET, LAB, F64_ADD, ...f64(1), F64_SUB, F64_MUL, F64_ADD,
      ...f64(512), F64_MUL, I32_TRUNC_F64, I32, 2, SHL, ADD, ...LOAD_F32, F64_PROMOTE, F64_SUB, SET, LOSS,
      GET, ALPHA, GET, LAB, GET, S, F64_SUB, F64_MUL, F32_DEMOTE, ...SPLAT, SET, AV,
      ...overRow([
        ...at(R), ...VLOAD, SET, Y,
        ...at(G), ...at(G), ...VLOAD, GET, AV, GET, Y, ...VMUL, ...VADD, ...VSTORE,
        ...at(R), GET, Y, GET, AV, ...at(H), ...VLOAD, ...VMUL, ...VADD, ...VSTORE,
      ]),
      ...f64(0), SET, LAB,
    ]),
    // Each input row += g.
    ...overList(ROWS, NROWS, overRow([...at(R), ...at(R), ...VLOAD, ...at(G), ...VLOAD, ...VADD, ...VSTORE])),
    // The next step's targets and count.
    GET, TARGETS, GET, NT, I32, 2, SHL, ADD, SET, TARGETS,
    GET, COUNTS, I32, 4, ADD, SET, COUNTS,
    GET, NPAIRS, I32, 1, SUB, SET, NPAIRS,
    0x0c, 0,
    END, END,
    GET, LOSS,
    END,
  ];
}

/** The module's bytes (a plain array: it goes to every thread in the kernel state, which compiles it). */
export const W2V_WASM: number[] = sharedMemoryModule('step', [0x7f, 0x7f, 0x7f, 0x7f, 0x7c, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f], stepCode(), [0x7c]);

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
  layout: { sig: number; log: number; syn0: number; syn1: number; rowsCap: number; targetsCap: number; pairsCap: number; scratch: number[] };
}

const up16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * A shared memory for the WebAssembly step: the sigmoid and log tables, syn0 (`inputRows` × d),
 * syn1 (`outputRows` × d) and per thread h, g, `rowsCap` row addresses, `targetsCap`
 * target addresses and `pairsCap` target counts (the steps of one call). Null when d is not a multiple of 4, the
 * weights pass 2 GiB, or the runtime lacks wasm SIMD or shared memory (the JavaScript
 * kernel then runs).
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
  const syn0 = log + LOG_FLOATS * 4;
  const syn1 = syn0 + inputRows * db;
  const per = 2 * db + up16(rowsCap * 4) + up16(targetsCap * 4) + up16(pairsCap * 4);
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
    layout: { sig, log, syn0, syn1, rowsCap, targetsCap, pairsCap, scratch: Array.from({ length: threads }, (_, t) => scratch0 + t * per) },
  };
}
