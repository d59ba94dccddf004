/**
 * Training kernels the TensorFlow.js WebAssembly backend lacks (it was built for
 * inference): `Conv2DBackpropFilter`, a convolution's weight gradient, and
 * `UnsortedSegmentSum`, the gradient of a gather (embedding lookups); and a faster path for
 * products with a transposed operand, which every dense layer's gradient needs. Registered for the
 * `wasm` backend once, when the engine starts; the CPU backend keeps its own.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { TfModule } from './engine.js';

type TensorInfo = Tf.TensorInfo;

interface WasmBackend {
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: Tf.DataType): TensorInfo;
  disposeData(dataId: object): boolean;
}

/**
 * dW[kh, kw, ci, co] = Σₙ Σ_{oh, ow} x̃[n, oh·sh + kh, ow·sw + kw, ci] · dy[n, oh, ow, co]
 * (x̃ the padded input) is itself a convolution: of x transposed to [ci, H, W, n] with dy
 * transposed to [OH, OW, n, co] as the filter, dilated by the forward strides, with the
 * forward padding. Run on the backend's own (XNNPACK) Conv2D and Transpose kernels, then
 * cut to the filter's size and transposed back.
 */
function conv2dBackpropFilter(tf: TfModule) {
  const conv2d = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  const slice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
  return (args: { inputs: Tf.NamedTensorInfoMap; backend: unknown; attrs?: Tf.NamedAttrMap }): TensorInfo => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as { strides: [number, number] | number; pad: 'valid' | 'same' | number | Tf.backend_util.ExplicitPadding; dataFormat: string; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
    const backend = args.backend as WasmBackend;
    if (attrs.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on the wasm backend supports NHWC only, not ${attrs.dataFormat}`);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const run = (fn: Tf.KernelFunc, inputs: Tf.NamedTensorInfoMap, a: Record<string, unknown>) => fn({ inputs, backend: backend as unknown as Tf.KernelBackend, attrs: a as unknown as Tf.NamedAttrMap }) as TensorInfo;
    const temps: TensorInfo[] = [];
    try {
      const xt = run(transpose, { x }, { perm: [3, 1, 2, 0] });
      temps.push(xt);
      const dyt = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      temps.push(dyt);
      const p = info.padInfo;
      const full = run(conv2d, { x: xt, filter: dyt }, {
        strides: [1, 1],
        pad: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      });
      temps.push(full);
      const [kh, kw, ci, co] = attrs.filterShape;
      let cut = full;
      if (full.shape[1] !== kh || full.shape[2] !== kw) {
        cut = run(slice, { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
        temps.push(cut);
      }
      return run(transpose, { x: cut }, { perm: [1, 2, 0, 3] });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** out[s, …] = Σ over i with segmentIds[i] = s of x[i, …]; ids outside [0, numSegments) are dropped, as TensorFlow does. */
function unsortedSegmentSum(args: { inputs: Tf.NamedTensorInfoMap; backend: unknown; attrs?: Tf.NamedAttrMap }): TensorInfo {
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const backend = args.backend as WasmBackend;
  const m = segmentIds.shape.reduce((a, b) => a * b, 1);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  // Read the inputs after allocating: allocation may grow (and so move) the heap.
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  for (let i = 0; i < m; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const a = i * inner;
    const b = s * inner;
    for (let j = 0; j < inner; j++) o[b + j] += xs[a + j];
  }
  return out;
}

/**
 * The backend's BatchMatMul multiplies a transposed operand by a slow strided loop (some
 * 7× the plain product on a 128×784 by 784×256 batch), and every matrix product's
 * gradient asks for one. Transposing the operand first (a copy) and multiplying plainly
 * is faster; the product is the same.
 */
function batchMatMulTransposingFirst(tf: TfModule) {
  const plain = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  return (args: { inputs: Tf.NamedTensorInfoMap; backend: unknown; attrs?: Tf.NamedAttrMap }): TensorInfo => {
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return plain(args as Parameters<Tf.KernelFunc>[0]) as TensorInfo;
    const backend = args.backend as WasmBackend;
    const temps: TensorInfo[] = [];
    const flip = (t: TensorInfo) => {
      const rank = t.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const out = transpose({ inputs: { x: t }, backend: backend as unknown as Tf.KernelBackend, attrs: { perm } as unknown as Tf.NamedAttrMap }) as TensorInfo;
      temps.push(out);
      return out;
    };
    try {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const inputs = { a: attrs.transposeA ? flip(a) : a, b: attrs.transposeB ? flip(b) : b };
      return plain({ inputs, backend: backend as unknown as Tf.KernelBackend, attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as Tf.NamedAttrMap }) as TensorInfo;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

let registered = false;

/** Registers the kernels above for the `wasm` backend (once per process or worker thread). */
export function registerWasmTrainingKernels(tf: TfModule): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter(tf) as unknown as Tf.KernelFunc });
  // Keep the kernel's setup (it binds the WebAssembly function when the backend starts).
  const original = tf.getKernel('BatchMatMul', 'wasm')!;
  const matMul = batchMatMulTransposingFirst(tf);
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: matMul as unknown as Tf.KernelFunc, setupFunc: original.setupFunc });
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as Tf.KernelFunc });
}
