/**
 * exportToOnnx finds each exporter through the algorithm registry: a descriptor with
 * `exportOnnx` exports, one without is refused, and exporters load lazily.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { registerAlgorithm, unregisterAlgorithm, type Algorithm } from '../algorithms/index.js';
import { DataType, INPUT, decodeModel } from '../algorithms/onnx-builder/index.js';
import { exportToOnnx, onnxExportableAlgorithms } from './index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-export-model-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  unregisterAlgorithm('test-onnx-toy');
  unregisterAlgorithm('test-onnx-none');
  unregisterAlgorithm('test-onnx-tokens');
});

const base: Omit<Algorithm, 'name'> = {
  version: '1.0.0',
  description: 'toy',
  hyperparameters: [],
  metrics: [],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: [],
  train: async () => {},
  load: async () => ({ numFeatures: 0, predict: () => ({ values: new Float32Array(0), outputsPerRow: 1 }) }),
};

function modelDir(doc: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(root, 'm-'));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(doc));
  return dir;
}

describe('exportToOnnx through the algorithm registry', () => {
  it('lists the built-ins that register an exporter', () => {
    expect(onnxExportableAlgorithms()).toEqual(['blazingtext', 'factorization-machines', 'image-classification', 'ipinsights', 'kmeans', 'knn', 'lda', 'linear-learner', 'ntm', 'object2vec', 'pca', 'randomcutforest', 'seq2seq', 'xgboost']);
  });

  it("uses a registered algorithm's exportOnnx, checking model.json's header first", async () => {
    const seen: unknown[] = [];
    registerAlgorithm({
      ...base,
      name: 'test-onnx-toy',
      exportOnnx: {
        format: 'toy-format',
        majorVersion: '2',
        async build(doc) {
          seen.push(doc.width);
          return {
            nodes: [{ op: 'Identity', inputs: [INPUT], outputs: ['out'] }],
            initializers: [],
            outputs: [{ name: 'out', elemType: DataType.FLOAT, shape: ['N', 3] }],
            numFeatures: 3,
            metadata: { toy: 'yes' },
          };
        },
      },
    });
    expect(onnxExportableAlgorithms()).toContain('test-onnx-toy');
    const bytes = await exportToOnnx(modelDir({ format: 'toy-format', algorithm: 'test-onnx-toy', version: '2.1.0', width: 3 }), 'test-onnx-toy');
    expect(seen).toEqual([3]);
    const model = decodeModel(bytes);
    expect(model.metadata).toMatchObject({ algorithm: 'test-onnx-toy', algorithm_version: '2.1.0', toy: 'yes' });
    expect(model.inputs).toEqual([{ name: INPUT, type: 'float32', shape: ['N', 3] }]);

    await expect(exportToOnnx(modelDir({ format: 'other', algorithm: 'test-onnx-toy', version: '2.0.0' }), 'test-onnx-toy')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(exportToOnnx(modelDir({ format: 'toy-format', algorithm: 'test-onnx-toy', version: '3.0.0' }), 'test-onnx-toy')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    expect(seen).toHaveLength(1);
  });

  it('writes the inputs a graph over something other than features names', async () => {
    registerAlgorithm({
      ...base,
      name: 'test-onnx-tokens',
      exportOnnx: {
        format: 'toy-tokens',
        majorVersion: '1',
        build: async () => ({
          nodes: [{ op: 'Cast', inputs: ['ids'], outputs: ['out'], attributes: { to: DataType.FLOAT } }],
          initializers: [],
          inputs: [{ name: 'ids', elemType: DataType.INT64, shape: ['N', 'L'] }],
          outputs: [{ name: 'out', elemType: DataType.FLOAT, shape: ['N', 'L'] }],
          metadata: {},
        }),
      },
    });
    const model = decodeModel(await exportToOnnx(modelDir({ format: 'toy-tokens', algorithm: 'test-onnx-tokens', version: '1.0.0' }), 'test-onnx-tokens'));
    expect(model.inputs).toEqual([{ name: 'ids', type: 'int64', shape: ['N', 'L'] }]);
  });

  it('refuses an algorithm without an exporter, and an unknown one, listing those that can', async () => {
    registerAlgorithm({ ...base, name: 'test-onnx-none' });
    const dir = modelDir({ format: 'x', algorithm: 'test-onnx-none', version: '1.0.0' });
    for (const name of ['test-onnx-none', 'no-such-algorithm', '']) {
      const err = (await exportToOnnx(dir, name).catch((e: unknown) => e)) as Error & { details?: unknown };
      expect(err).toMatchObject({ code: 'ORCH_MODEL_EXPORT_UNSUPPORTED', details: { algorithm: name, exportable: onnxExportableAlgorithms() } });
      expect(err.message).toContain('kmeans, knn, lda, linear-learner, ntm, object2vec, pca');
    }
  });

  it('loads no exporter and no protobufjs when the algorithms are only registered', async () => {
    const indexUrl = pathToFileURL(fileURLToPath(new URL('../algorithms/index.ts', import.meta.url))).href;
    // A fresh process: this test file has loaded the exporters itself.
    const script = `
      import { createRequire } from 'node:module';
      const { registerBuiltins, listAlgorithms } = await import(${JSON.stringify(indexUrl)});
      registerBuiltins();
      // The algorithms that export to ONNX (deepar's sampled paths do not fit ONNX's operators).
      if (!['xgboost', 'linear-learner', 'kmeans'].every((name) => listAlgorithms().find((a) => a.name === name)?.exportOnnx)) throw new Error('missing exporter');
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).filter((m) => m.includes('protobufjs'))));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    expect(JSON.parse(stdout.trim())).toEqual([]);
  });
});
