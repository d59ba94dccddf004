/**
 * The histogram kernel as a small WebAssembly module (built here byte by byte, no
 * toolchain), over one shared WebAssembly.Memory that holds the bin matrix, the gradient
 * pairs, the row ids and the histograms.
 *
 * Each bin update is one 128-bit load, one f64x2 add and one store of the (G, H) pair,
 * with no bounds checks: about 2x the JS kernel's speed.
 *
 * `h(words, W, gh, rows, a, z, hist)` (byte offsets and counts, all i32) adds, for
 * i in [a, z), the pair gh[rows[i]] (float32 pair, widened) to the histogram at `hist`:
 * feature f's bin b at hist + f*4096 + b*16, f64 (G, H); row r's bins are the uint32
 * words at words + r*W*4 (4 features per word).
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

function histModule(): Uint8Array {
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
  const body = [3, 5, 0x7f, 1, 0x7b, 4, 0x7f, ...code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 7, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...name('env'), ...name('m'), 0x02, 0x03, 0, ...uleb(65536)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('h'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

/** The module's bytes, as a plain array (embedded in the worker source). */
export const HIST_WASM: number[] = Array.from(histModule());

/** The kernel's exported function: (words, W, gh, rows, a, z, hist) in bytes. */
export type HistFn = (words: number, W: number, gh: number, rows: number, a: number, z: number, hist: number) => void;

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
export function histKernel(memory: WasmMemory): HistFn | null {
  try {
    const mod = new Wasm.Module(Uint8Array.from(HIST_WASM));
    const inst = new Wasm.Instance(mod, { env: { m: memory } });
    return inst.exports.h as HistFn;
  } catch {
    return null;
  }
}
