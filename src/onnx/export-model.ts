/**
 * A built-in's model folder -> ONNX bytes. Reads the documented `model.json` of each
 * built-in (format, algorithm, version in its header) and hands it to that algorithm's
 * exporter; the resulting graph takes `features` [N, F] float (NaN = missing) and gives
 * as its first float output exactly what the native predictor gives per row.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError, VERSION } from '../core/index.js';
import { INPUT, invalid, type ExportedGraph } from './export-common.js';
import { exportKmeans } from './export-kmeans.js';
import { exportLinearLearner } from './export-linear-learner.js';
import { exportPca } from './export-pca.js';
import { exportXgboost } from './export-xgboost.js';
import { DataType, encodeModel } from './onnx-proto.js';

/** What each exportable built-in writes into model.json's header, and its exporter. */
const EXPORTERS: Record<string, { format: string; majorVersion: string; build: (doc: Record<string, unknown>) => ExportedGraph }> = {
  xgboost: { format: 'orchard-xgboost-json', majorVersion: '1', build: exportXgboost },
  'linear-learner': { format: 'orchard-linear-learner', majorVersion: '1', build: exportLinearLearner },
  kmeans: { format: 'orchard-kmeans', majorVersion: '1', build: exportKmeans },
  pca: { format: 'orchard-pca', majorVersion: '1', build: exportPca },
};

/** Built-ins whose models export to ONNX. */
export const ONNX_EXPORTABLE_ALGORITHMS: readonly string[] = Object.keys(EXPORTERS);

/** Converts the unpacked model of a built-in (`algorithm`) into an ONNX model file's bytes. */
export async function exportToOnnx(modelDir: string, algorithm: string): Promise<Uint8Array> {
  const exporter = EXPORTERS[algorithm];
  if (!exporter) {
    throw new OrchardError('ORCH_MODEL_EXPORT_UNSUPPORTED', {
      message: `${algorithm} models cannot be exported to ONNX; these can: ${ONNX_EXPORTABLE_ALGORITHMS.join(', ')}`,
      details: { algorithm, exportable: ONNX_EXPORTABLE_ALGORITHMS },
    });
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await fs.readFile(path.join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `No readable model.json in the ${algorithm} model`, cause });
  }
  if (doc?.format !== exporter.format || doc.algorithm !== algorithm) {
    invalid(`model.json is not an Orchard ${algorithm} model (format ${JSON.stringify(doc?.format)}, algorithm ${JSON.stringify(doc?.algorithm)})`);
  }
  if (String(doc.version).split('.')[0] !== exporter.majorVersion) invalid(`${algorithm} model version ${String(doc.version)} cannot be exported`);
  const graph = exporter.build(doc);
  return encodeModel({
    name: `orchard-${algorithm}`,
    producerVersion: VERSION,
    docString: `Orchard ${algorithm} model ${String(doc.version)} exported to ONNX`,
    inputs: [{ name: INPUT, elemType: DataType.FLOAT, shape: ['N', graph.numFeatures] }],
    outputs: graph.outputs,
    nodes: graph.nodes,
    initializers: graph.initializers,
    usesMl: graph.usesMl,
    metadata: { algorithm, algorithm_version: String(doc.version), ...graph.metadata },
  });
}
