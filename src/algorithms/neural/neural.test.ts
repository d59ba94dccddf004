import { describe, expect, it } from 'vitest';
import type * as Tf from '@tensorflow/tfjs';
import { createParams, decodeTensor, disposeParams, encodeTensor, neuralEngine, readWeights, saveParams, type TfModule } from './index.js';

/** Runs `f` on the CPU backend and on the WebAssembly one; returns both results as arrays. */
async function onBoth(f: (tf: TfModule) => Tf.Tensor): Promise<{ cpu: Float32Array; wasm: Float32Array }> {
  const cpuTf = await neuralEngine({ backend: 'cpu' });
  const cpu = cpuTf.tidy(() => f(cpuTf)).dataSync() as Float32Array;
  const wasmTf = await neuralEngine({ backend: 'wasm' });
  const wasm = wasmTf.tidy(() => f(wasmTf)).dataSync() as Float32Array;
  return { cpu: Float32Array.from(cpu), wasm: Float32Array.from(wasm) };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('neural engine', () => {
  it('starts the WebAssembly backend once and hands out the same module', async () => {
    const a = await neuralEngine();
    const b = await neuralEngine();
    expect(a).toBe(b);
    expect(a.getBackend()).toBe('wasm');
    expect(process.listeners('unhandledRejection').some((l) => String(l).includes('throw reason'))).toBe(false);
  });

  type Conv = { name: string; x: [number, number, number, number]; k: [number, number, number, number]; strides: number; pad: 'same' | 'valid' };
  it.each<Conv>([
    { name: 'same padding, stride 1', x: [2, 7, 7, 3], k: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { name: 'valid padding, stride 2', x: [2, 9, 8, 2], k: [3, 2, 2, 5], strides: 2, pad: 'valid' },
    { name: 'same padding, stride 2', x: [1, 8, 8, 2], k: [3, 3, 2, 3], strides: 2, pad: 'same' },
  ])('trains convolutions on WebAssembly: the filter gradient equals the CPU kernel’s ($name)', async (c) => {
    const { cpu, wasm } = await onBoth((tf) => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as Tf.Tensor4D;
      const k = tf.randomNormal(c.k, 0, 1, 'float32', 2) as Tf.Tensor4D;
      const w = tf.randomNormal(tf.conv2d(x, k, c.strides, c.pad).shape, 0, 1, 'float32', 3);
      return tf.grad((kk: Tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, kk as Tf.Tensor4D, c.strides, c.pad), w)))(k);
    });
    expect(wasm.length).toBe(c.k.reduce((a, b) => a * b, 1));
    expect(maxDiff(cpu, wasm)).toBeLessThan(1e-3);
  });

  it('trains embeddings on WebAssembly: the gather gradient (a segment sum) equals the CPU’s', async () => {
    const { cpu, wasm } = await onBoth((tf) => {
      const table = tf.randomNormal([6, 3], 0, 1, 'float32', 4);
      const ids = tf.tensor1d([0, 2, 2, 5, 0, 0], 'int32');
      const w = tf.randomNormal([6, 3], 0, 1, 'float32', 5);
      return tf.grad((t: Tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), w)))(table);
    });
    expect(maxDiff(cpu, wasm)).toBeLessThan(1e-5);
    // Row 1 and row 3 are never gathered: their gradient is 0.
    expect(Array.from(wasm.subarray(3, 6))).toEqual([0, 0, 0]);
  });

  it('multiplies transposed operands on WebAssembly as the CPU does', async () => {
    for (const [ta, tb] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      // A [2, 5, 4] by B [2, 4, 3], each stored transposed when its flag says so.
      const { cpu, wasm } = await onBoth((tf) => tf.matMul(tf.randomNormal(ta ? [2, 4, 5] : [2, 5, 4], 0, 1, 'float32', 6), tf.randomNormal(tb ? [2, 3, 4] : [2, 4, 3], 0, 1, 'float32', 7), ta, tb));
      expect(wasm.length).toBe(2 * 5 * 3);
      expect(maxDiff(cpu, wasm)).toBeLessThan(1e-4);
    }
  });

  it('creates parameters from the seed and saves them exactly', async () => {
    const tf = await neuralEngine();
    const specs = [
      { name: 'w', shape: [4, 3], init: { kind: 'glorot' as const } },
      { name: 'b', shape: [3], init: { kind: 'constant' as const, value: 0.5 } },
    ];
    const a = createParams(tf, specs, 9);
    const b = createParams(tf, specs, 9);
    const c = createParams(tf, specs, 10);
    const saved = saveParams(a);
    expect(saveParams(b)).toEqual(saved);
    expect(saveParams(c).w).not.toEqual(saved.w);
    expect(Array.from(readWeights(saved, specs).b)).toEqual([0.5, 0.5, 0.5]);
    // Glorot-uniform bound for 4 → 3: sqrt(6 / 7).
    expect(Math.max(...Array.from(a.w.dataSync()).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 7));
    expect(Array.from(decodeTensor('w', saved.w))).toEqual(Array.from(a.w.dataSync()));
    expect(() => readWeights(saved, [{ name: 'w', shape: [3, 4] }])).toThrow(/has shape \[4,3\], not \[3,4\]/);
    expect(() => readWeights({ w: { shape: [4, 3], data: encodeTensor([2], new Float32Array(2)).data } }, [{ name: 'w', shape: [4, 3] }])).toThrow(/holds 2 values/);
    expect(() => readWeights({}, [{ name: 'w', shape: [4, 3] }])).toThrow(/missing or malformed/);
    disposeParams(a);
    disposeParams(b);
    disposeParams(c);
  });
});
