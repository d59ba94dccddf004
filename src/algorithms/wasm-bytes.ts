import v8 from 'node:v8';

/**
 * The encodings the built-ins' hand-assembled WebAssembly modules are written with
 * (xgboost's, knn's and blazingtext's kernels): LEB128 integers, a section with its
 * length, a name, an f64 constant.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 constants). */
export function sleb(n: number): number[] {
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

/** A module section: its id, its byte length, its body. */
export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A name as the binary format writes it (length, then the bytes). */
export function name(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** `f64.const x`. */
export function f64(x: number): number[] {
  return [0x44, ...new Uint8Array(new Float64Array([x]).buffer)];
}

/**
 * A module of one function, `exported(params…)` (with `results`, none by default), over an imported shared
 * memory `env.m` (up to 65536 pages): the shape of the knn and blazingtext kernels.
 * `params` are the value types (0x7f i32, 0x7c f64); `code` is the function's body with
 * its locals.
 */
export function sharedMemoryModule(exported: string, params: number[], code: number[], results: number[] = []): number[] {
  return [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, params.length, ...params, results.length, ...results]),
    ...section(2, [1, ...name('env'), ...name('m'), 0x02, 0x03, 1, ...uleb(65536)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name(exported), 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ];
}

/** `f32x4.relaxed_madd` (a · b + c, fused where the CPU has FMA): the relaxed-SIMD opcode 0x105. */
export const RELAXED_MADD: readonly number[] = [0xfd, ...uleb(0x105)];

let relaxed: boolean | undefined;
const Wasm = (globalThis as unknown as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

/**
 * Whether modules may use relaxed SIMD's `f32x4.relaxed_madd`. Node 22 compiles it by
 * default; Node 20's V8 has it behind `--experimental-wasm-relaxed-simd`, which is turned
 * on here (before any kernel using it compiles; the flag is the process's, so worker
 * threads see it). `ORCHARD_WASM_RELAXED_SIMD=0` keeps the plain f32x4 mul + add kernels.
 */
export function relaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  if (process.env.ORCHARD_WASM_RELAXED_SIMD === '0' || !Wasm) return (relaxed = false);
  // (func (result v128) v128.const 0, v128.const 0, v128.const 0, f32x4.relaxed_madd)
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0, ...zero, ...zero, ...zero, ...RELAXED_MADD, 0x0b];
  const bytes = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, [1, 0x60, 0, 1, 0x7b]), ...section(3, [1, 0]), ...section(10, [1, ...uleb(body.length), ...body])]);
  if (!Wasm.validate(bytes)) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return (relaxed = false);
    }
  }
  return (relaxed = Wasm.validate(bytes));
}
