/**
 * A built-in's model folder -> ONNX bytes. Reads the documented `model.json` of the
 * algorithm (format, algorithm, version in its header) and hands it to the exporter the
 * algorithm registers (`exportOnnx` on its descriptor, beside its code). A graph over rows
 * of numbers takes `features` [N, F] float (NaN = missing) and gives as its first float
 * output exactly what the native predictor gives per row; a graph over other inputs
 * (object2vec's and seq2seq's token ids) names them itself.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError, VERSION } from '../core/index.js';
import { hasAlgorithm, getAlgorithm, listAlgorithms, registerBuiltins, type OnnxExporter } from '../algorithms/index.js';
import { DataType, INPUT, encodeModel, invalid } from '../algorithms/onnx-builder/index.js';

/** Registered algorithms whose models export to ONNX, sorted by name. */
export function onnxExportableAlgorithms(): string[] {
  registerBuiltins();
  return listAlgorithms()
    .filter((a) => a.exportOnnx)
    .map((a) => a.name);
}

function exporterOf(algorithm: string): OnnxExporter {
  registerBuiltins();
  const exporter = hasAlgorithm(algorithm) ? getAlgorithm(algorithm).exportOnnx : undefined;
  if (!exporter) {
    const exportable = onnxExportableAlgorithms();
    throw new OrchardError('ORCH_MODEL_EXPORT_UNSUPPORTED', {
      message: `${algorithm} models cannot be exported to ONNX; these can: ${exportable.join(', ')}`,
      details: { algorithm, exportable },
    });
  }
  return exporter;
}

/** Converts the unpacked model of a built-in (`algorithm`) into an ONNX model file's bytes. */
export async function exportToOnnx(modelDir: string, algorithm: string): Promise<Uint8Array> {
  const exporter = exporterOf(algorithm);
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
  const graph = await exporter.build(doc, modelDir);
  const inputs = graph.inputs ?? [{ name: INPUT, elemType: DataType.FLOAT, shape: ['N', graph.numFeatures] }];
  return encodeModel({
    name: `orchard-${algorithm}`,
    producerVersion: VERSION,
    docString: `Orchard ${algorithm} model ${String(doc.version)} exported to ONNX`,
    inputs,
    outputs: graph.outputs,
    nodes: graph.nodes,
    initializers: graph.initializers,
    usesMl: graph.usesMl,
    metadata: { algorithm, algorithm_version: String(doc.version), ...graph.metadata },
  });
}
