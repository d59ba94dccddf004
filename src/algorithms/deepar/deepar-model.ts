/**
 * DeepAR's model file (`model.json`: the header every built-in writes, the network's
 * configuration and its parameters as base64 float64) and its predictor, which answers
 * SageMaker DeepAR's inference format:
 *
 *   {"instances": [{"start", "target", "cat", "dynamic_feat"}],
 *    "configuration": {"num_samples", "output_types": ["mean", "quantiles", "samples"], "quantiles": ["0.1", "0.9"]}}
 *   → {"predictions": [{"mean": [...], "quantiles": {"0.1": [...]}, "samples": [[...]]}]}
 *
 * JSON Lines (batch transform): one instance per line in, one prediction per line out,
 * with the default configuration.
 */
import { OrchardError } from '../../core/errors.js';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { invalidModel, readModelFile, writeModelFile, type ModelHeader } from '../model-file.js';
import { parseTimeFreq } from './features.js';
import { forecastSeries, sampleMean, sampleQuantiles } from './forecasting.js';
import { LIKELIHOODS } from './likelihoods.js';
import { buildNet, type Net, type NetConfig } from './network.js';
import { toSeries } from './series-data.js';

export const DEEPAR_FORMAT = 'orchard-deepar';
export const DEEPAR_VERSION = '1.0';

export interface DeepArArtifact extends ModelHeader {
  config: Omit<NetConfig, 'freq'> & { timeFreq: string };
  /** The flat parameter vector, little-endian float64, base64. */
  params: string;
  losses: number[];
  metrics: Record<string, number>;
}

export function toArtifact(net: Net, params: Float64Array, hyperparameters: Hyperparameters, seed: number, losses: number[], metrics: Record<string, number>): DeepArArtifact {
  const { freq, ...rest } = net.cfg;
  return {
    format: DEEPAR_FORMAT,
    algorithm: 'deepar',
    version: DEEPAR_VERSION,
    hyperparameters,
    seed,
    config: { ...rest, timeFreq: freq.text },
    params: Buffer.from(params.buffer, params.byteOffset, params.byteLength).toString('base64'),
    losses,
    metrics,
  };
}

export async function saveDeepAr(modelDir: string, a: DeepArArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

/** The network and parameters of an artifact, checked. */
export function fromArtifact(a: DeepArArtifact): { net: Net; params: Float64Array } {
  if (a?.format !== DEEPAR_FORMAT || a.algorithm !== 'deepar' || a.version !== DEEPAR_VERSION) throw invalidModel(`Not a DeepAR ${DEEPAR_VERSION} model`);
  const freq = parseTimeFreq(String(a.config?.timeFreq));
  if (!freq || !LIKELIHOODS.includes(a.config.likelihood)) throw invalidModel('The DeepAR model has no valid time_freq or likelihood');
  const net = buildNet({ ...a.config, freq });
  const bytes = Buffer.from(String(a.params), 'base64');
  if (bytes.length !== net.size * 8) throw invalidModel(`The DeepAR model holds ${bytes.length / 8} parameters; its configuration needs ${net.size}`);
  const params = new Float64Array(net.size);
  Buffer.from(params.buffer).set(bytes);
  return { net, params };
}

export async function readDeepAr(modelDir: string): Promise<DeepArArtifact> {
  return readModelFile<DeepArArtifact>(modelDir, { format: DEEPAR_FORMAT, algorithm: 'deepar', version: DEEPAR_VERSION, label: 'DeepAR' });
}

const OUTPUT_TYPES = ['mean', 'quantiles', 'samples'] as const;
type OutputType = (typeof OUTPUT_TYPES)[number];

interface InferenceConfig {
  numSamples: number;
  outputTypes: OutputType[];
  /** As given (strings), so the answer's keys match the request's. */
  quantiles: string[];
}

const DEFAULT_CONFIG: InferenceConfig = {
  numSamples: 100,
  outputTypes: ['mean', 'quantiles'],
  quantiles: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'],
};

const MAX_SAMPLES = 10_000;

function badInput(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_MODEL_INPUT_INVALID', { message, details });
}

function readConfig(raw: unknown): InferenceConfig {
  if (raw === undefined || raw === null) return DEFAULT_CONFIG;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badInput('"configuration" must be an object');
  const c = raw as Record<string, unknown>;
  const numSamples = c.num_samples === undefined ? DEFAULT_CONFIG.numSamples : Number(c.num_samples);
  if (!Number.isSafeInteger(numSamples) || numSamples < 1 || numSamples > MAX_SAMPLES) throw badInput(`"num_samples" must be an integer in [1, ${MAX_SAMPLES}]`);
  let outputTypes = DEFAULT_CONFIG.outputTypes;
  if (c.output_types !== undefined) {
    if (!Array.isArray(c.output_types) || c.output_types.length === 0 || !c.output_types.every((t) => OUTPUT_TYPES.includes(t as OutputType))) {
      throw badInput(`"output_types" must list some of ${OUTPUT_TYPES.join(', ')}`);
    }
    outputTypes = c.output_types as OutputType[];
  }
  let quantiles = DEFAULT_CONFIG.quantiles;
  if (c.quantiles !== undefined) {
    if (!Array.isArray(c.quantiles) || !c.quantiles.every((q) => Number(q) > 0 && Number(q) < 1)) throw badInput('"quantiles" must list numbers in (0, 1), e.g. ["0.1", "0.9"]');
    quantiles = c.quantiles.map(String);
  }
  return { numSamples, outputTypes, quantiles };
}

/** One instance's prediction in SageMaker's shape. */
function predictInstance(net: Net, params: Float64Array, seed: number, obj: unknown, index: number, config: InferenceConfig): Record<string, unknown> {
  const h = net.cfg.predictionLength;
  const where = `instance ${index + 1}`;
  const series = toSeries(obj, where, 'ORCH_MODEL_INPUT_INVALID', (n) => n + h);
  if (series.target.length === 0 || series.target.every((v) => Number.isNaN(v))) throw badInput(`${where}: "target" has no observed value`, { instance: index + 1 });
  const card = net.cfg.cardinality;
  if (card.length > 0) {
    if (series.cat.length !== card.length) throw badInput(`${where}: the model reads ${card.length} "cat" values; got ${series.cat.length}`, { instance: index + 1 });
    series.cat.forEach((v, c) => {
      if (v >= card[c]) throw badInput(`${where}: "cat"[${c}] = ${v} was not seen in training (cardinality ${card[c]})`, { instance: index + 1 });
    });
  }
  if (series.dynamic.length !== net.cfg.numDynamic) {
    throw badInput(`${where}: the model reads ${net.cfg.numDynamic} "dynamic_feat" arrays of target length + ${h}; got ${series.dynamic.length}`, { instance: index + 1 });
  }
  const f = forecastSeries(net, params, series, config.numSamples, seed + index);
  const out: Record<string, unknown> = {};
  for (const type of config.outputTypes) {
    if (type === 'mean') out.mean = Array.from(sampleMean(f));
    else if (type === 'quantiles') {
      const qs = sampleQuantiles(f, config.quantiles.map(Number));
      out.quantiles = Object.fromEntries(config.quantiles.map((q, i) => [q, Array.from(qs[i])]));
    } else {
      out.samples = Array.from({ length: f.numSamples }, (_, s) => Array.from(f.samples.subarray(s * h, (s + 1) * h)));
    }
  }
  return out;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badInput(`${what} is not JSON`);
  }
}

export function deeparPredictor(a: DeepArArtifact): Predictor {
  const { net, params } = fromArtifact(a);
  return {
    numFeatures: 0,
    predict() {
      throw badInput('DeepAR reads JSON instances ({"instances": [...]}), not rows of numbers');
    },
    invoke({ contentType, body }) {
      if (contentType === 'application/jsonlines') {
        const lines = body.toString('utf8').split('\n').filter((l) => l.trim() !== '');
        const out = lines.map((l, i) => JSON.stringify(predictInstance(net, params, a.seed, parseJson(l, `line ${i + 1}`), i, DEFAULT_CONFIG)));
        return { contentType: 'application/jsonlines', body: out.map((l) => l + '\n').join('') };
      }
      if (contentType !== 'application/json') throw badInput('DeepAR reads application/json ({"instances": [...]}) or application/jsonlines');
      const doc = parseJson(body.toString('utf8'), 'The request body') as Record<string, unknown> | null;
      if (!doc || typeof doc !== 'object' || !Array.isArray(doc.instances)) throw badInput('The request must be {"instances": [...], "configuration": {...}}');
      const config = readConfig(doc.configuration);
      const predictions = doc.instances.map((inst, i) => predictInstance(net, params, a.seed, inst, i, config));
      return { contentType: 'application/json', body: JSON.stringify({ predictions }) };
    },
  };
}
