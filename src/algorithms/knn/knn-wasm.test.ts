import { describe, expect, it } from 'vitest';
import { relaxedSimd } from '../wasm-bytes.js';
import { scanWasm, scratchLayout } from './knn-wasm.js';

type WasmApi = { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer }; Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: unknown } };
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Runs one module's `scan` over n rows × d against four queries, every row kept; returns the kept rows and their four sums. */
function scanAll(bytes: number[], X: Float32Array, Qs: Float32Array, n: number, d: number): { rows: Int32Array; sums: Float32Array } {
  const memory = new Wasm.Memory({ initial: 64, maximum: 65536, shared: true });
  const scan = (new Wasm.Instance(new Wasm.Module(Uint8Array.from(bytes)), { env: { m: memory } }).exports as { scan: (...a: number[]) => number }).scan;
  const aOffset = n * d * 4;
  const scratch = aOffset + Math.ceil(n / 4) * 16;
  const L = scratchLayout(d);
  const F = new Float32Array(memory.buffer);
  F.set(X, 0);
  F.fill(0, aOffset / 4, aOffset / 4 + n); // A = 0: the keys are coef · sum
  F.set(Qs, (scratch + L.queries) / 4);
  F.fill(Infinity, (scratch + L.thresholds) / 4, (scratch + L.thresholds) / 4 + 4);
  F.fill(1, (scratch + L.thresholds) / 4 + 4, (scratch + L.thresholds) / 4 + 8);
  const kept = scan(0, scratch + L.queries, n, d * 4, aOffset, scratch + L.thresholds, scratch + L.rows, scratch + L.sums);
  return { rows: new Int32Array(memory.buffer, scratch + L.rows, kept).slice(), sums: new Float32Array(memory.buffer, scratch + L.sums, 4 * kept).slice() };
}

describe('the k-NN scan module', () => {
  it('has relaxed SIMD here, so searches use the fused multiply-add kernel', () => {
    expect(relaxedSimd()).toBe(true);
  });

  it('gives each row its four dot products, fused or not, to float32 rounding, odd row counts included', () => {
    const n = 37;
    const d = 64;
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const X = Float32Array.from({ length: n * d }, rnd);
    const Qs = Float32Array.from({ length: 4 * d }, rnd);
    const plain = scanAll(scanWasm(false), X, Qs, n, d);
    const fused = scanAll(scanWasm(true), X, Qs, n, d);
    for (const r of [plain, fused]) {
      expect(Array.from(r.rows)).toEqual(Array.from({ length: n }, (_, i) => i));
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 4; c++) {
          let exact = 0;
          for (let j = 0; j < d; j++) exact += X[i * d + j] * Qs[c * d + j];
          expect(Math.abs(r.sums[4 * i + c] - exact)).toBeLessThan(1e-4);
        }
      }
    }
    // The two modules do differ in rounding somewhere (or the fused one would not be fused).
    expect(fused.sums.some((v, i) => v !== plain.sums[i])).toBe(true);
  });
});
