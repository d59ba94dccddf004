import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, encodeModel, floatTensor, type GraphSpec } from '../algorithms/onnx-builder/index.js';
import { checkOnnxModel, describeOnnxModel, openOnnxPredictor, servingContract } from './onnx-runtime.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-onnx-rt-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function write(name: string, spec: Partial<GraphSpec>): string {
  const file = path.join(root, name);
  fs.writeFileSync(
    file,
    encodeModel({ name, producerVersion: 'test', inputs: [], outputs: [], nodes: [], initializers: [], ...spec }),
  );
  return file;
}

/** y = x · [1, 2, 3]ᵀ as [N] (ReduceSum of x * w), and x * 2 as [N, 3]. */
const twoOutputs = (): Partial<GraphSpec> => ({
  inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 3] }],
  outputs: [
    { name: 'idx', elemType: DataType.INT64, shape: ['N'] },
    { name: 'sum', elemType: DataType.FLOAT, shape: ['N'] },
    { name: 'twice', elemType: DataType.FLOAT, shape: ['N', 3] },
  ],
  nodes: [
    { op: 'Mul', inputs: ['x', 'w'], outputs: ['xw'] },
    { op: 'ReduceSum', inputs: ['xw', 'axes'], outputs: ['sum'], attributes: { keepdims: 0 } },
    { op: 'Mul', inputs: ['x', 'two'], outputs: ['twice'] },
    { op: 'ArgMax', inputs: ['x'], outputs: ['idx'], attributes: { axis: 1, keepdims: 0 } },
  ],
  initializers: [
    floatTensor('w', [3], [1, 2, 3]),
    floatTensor('two', [], [2]),
    { name: 'axes', dims: [1], data_type: DataType.INT64, raw_data: new Uint8Array(new BigInt64Array([1n]).buffer) },
  ],
});

describe('the serving rule', () => {
  const value = (name: string, type: string, shape: (number | string | null)[] | null) => ({ name, type, shape });

  it('takes the one float input [N, F] and the first float output of rank 1 or 2', () => {
    expect(
      servingContract({
        inputs: [value('x', 'float32', ['N', 4])],
        outputs: [value('label', 'int64', ['N']), value('map', 'sequence', null), value('probabilities', 'float32', ['N', 3])],
      }),
    ).toEqual({ input: 'x', inputType: 'float32', numFeatures: 4, output: 'probabilities' });
  });

  it.each([
    ['two inputs', [value('a', 'float32', ['N', 1]), value('b', 'float32', ['N', 1])], [value('y', 'float32', ['N'])], /one input/],
    ['a string input', [value('a', 'string', ['N', 1])], [value('y', 'float32', ['N'])], /float tensor \[N, features\]/],
    ['token-id inputs', [value('source', 'int64', ['N', 'S']), value('target', 'int64', ['N', 'T'])], [value('log_probs', 'float32', ['N', 'T', 9])], /reads source int64 \[N, S\], target int64 \[N, T\]: run it with onnxruntime/],
    ['free feature count', [value('a', 'float32', ['N', 'F'])], [value('y', 'float32', ['N'])], /no fixed number of features/],
    ['a fixed batch', [value('a', 'float32', [1, 4])], [value('y', 'float32', ['N'])], /fixed batch size 1/],
    ['only a ZipMap output', [value('a', 'float32', ['N', 4])], [value('label', 'int64', ['N']), value('p', 'sequence', null)], /ZipMap/],
    ['a rank-3 output', [value('a', 'float32', ['N', 4])], [value('y', 'float32', ['N', 2, 2])], /float tensor \[N\] or \[N, K\]/],
  ])('refuses %s with ORCH_MODEL_INVALID', (_what, inputs, outputs, message) => {
    expect(() => servingContract({ inputs, outputs })).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('ONNX models in onnxruntime', () => {
  it('predicts through the first float output and checks the batch size', async () => {
    const file = write('two.onnx', twoOutputs());
    const p = await openOnnxPredictor(file);
    expect(p.contract.output).toBe('sum');
    const got = await p.predict(Float32Array.from([1, 1, 1, 0, 1, 0]), 2);
    expect(got).toEqual({ values: Float32Array.from([6, 2]), outputsPerRow: 1 });
    await expect(p.predict(new Float32Array(5), 2)).rejects.toMatchObject({ code: 'ORCH_MODEL_INPUT_INVALID' });
    await p.close();
  });

  it('describes a file without running it, and says when the serving rule does not fit', async () => {
    const info = await describeOnnxModel(write('desc.onnx', twoOutputs()));
    expect(info).toMatchObject({ irVersion: 8, producer: 'orchard test', opsets: { 'ai.onnx': 17 }, serving: { output: 'sum', numFeatures: 3 } });
    expect(info.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['N', 3] }]);
    const unservable = await describeOnnxModel(write('free.onnx', { ...twoOutputs(), inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 'F'] }] }));
    expect(unservable.serving).toBeNull();
    expect(unservable.servingProblem).toMatch(/no fixed number of features/);
  });

  it('refuses at the check a model onnxruntime cannot run', async () => {
    // Declares [N, 3] but multiplies by a [4] weight: the shapes clash when it runs.
    const spec = twoOutputs();
    spec.initializers![0] = floatTensor('w', [4], [1, 2, 3, 4]);
    await expect(checkOnnxModel(write('clash.onnx', spec))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(checkOnnxModel(write('unknown-op.onnx', { ...twoOutputs(), nodes: [{ op: 'NoSuchOp', inputs: ['x'], outputs: ['sum'] }] }))).rejects.toMatchObject({
      code: 'ORCH_MODEL_INVALID',
      message: expect.stringMatching(/onnxruntime cannot load/),
    });
    fs.writeFileSync(path.join(root, 'junk.onnx'), 'junk');
    await expect(describeOnnxModel(path.join(root, 'junk.onnx'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
  });
});
