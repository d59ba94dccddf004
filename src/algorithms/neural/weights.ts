/**
 * A network's parameters: named variables created from the job's seed (so a run is
 * reproducible from its recorded seed on either backend), and their form in Orchard's
 * model file — each a shape and its float32 values, little-endian, in base64 — checked
 * name by name and shape by shape when a model or checkpoint is read back.
 */
import type * as Tf from '@tensorflow/tfjs';
import { createRandom, type Random } from '../parallel/random.js';
import { invalidModel } from '../model-file.js';
import type { TfModule } from './engine.js';

/** One saved tensor. */
export interface SavedTensor {
  shape: number[];
  /** float32 little-endian values, base64. */
  data: string;
}

export type SavedWeights = Record<string, SavedTensor>;

/** A network's trainable variables by name, in a fixed order. */
export type Params = Record<string, Tf.Variable>;

/** How a parameter starts: Glorot-uniform (matrices), zeros (biases) or a constant. */
export type Init = { kind: 'glorot' } | { kind: 'zeros' } | { kind: 'constant'; value: number } | { kind: 'normal'; sigma: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

function values(spec: ParamSpec, rng: Random): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const { init } = spec;
  if (init.kind === 'constant') out.fill(init.value);
  else if (init.kind === 'normal') for (let i = 0; i < n; i++) out[i] = init.sigma * rng.normal();
  else if (init.kind === 'glorot') {
    // Glorot & Bengio (2010): U(±sqrt(6 / (fan_in + fan_out))); for a convolution kernel
    // [h, w, in, out] the receptive field multiplies both fans.
    const field = spec.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = (spec.shape.at(-2) ?? 1) * field;
    const fanOut = (spec.shape.at(-1) ?? 1) * field;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * limit;
  }
  return out;
}

/** Creates the variables in `specs` order from one seeded stream. */
export function createParams(tf: TfModule, specs: readonly ParamSpec[], seed: number): Params {
  const rng = createRandom(seed ^ 0x5bd1e995);
  const params: Params = {};
  // Unnamed: TensorFlow.js names variables uniquely per process, so two jobs' networks
  // (or a test's several) never collide; the logical names are the keys.
  for (const s of specs) params[s.name] = tf.variable(tf.tensor(values(s, rng), s.shape, 'float32'), true);
  return params;
}

/** Frees a network's variables. */
export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}

export function encodeTensor(shape: readonly number[], data: Float32Array): SavedTensor {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { shape: [...shape], data: bytes.toString('base64') };
}

/** Decodes one saved tensor, checking its size against its shape. */
export function decodeTensor(name: string, t: SavedTensor | undefined): Float32Array {
  if (!t || !Array.isArray(t.shape) || typeof t.data !== 'string' || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidModel(`The saved weight ${JSON.stringify(name)} is missing or malformed`, { weight: name });
  }
  const bytes = Buffer.from(t.data, 'base64');
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * 4) throw invalidModel(`The saved weight ${JSON.stringify(name)} holds ${bytes.length / 4} values, not the ${n} its shape says`, { weight: name });
  const out = new Float32Array(n);
  Buffer.from(out.buffer).set(bytes);
  if (!out.every(Number.isFinite)) throw invalidModel(`The saved weight ${JSON.stringify(name)} has values that are not finite`, { weight: name });
  return out;
}

/** The variables' current values, for the model file or a checkpoint. */
export function saveParams(params: Params): SavedWeights {
  const out: SavedWeights = {};
  for (const [name, v] of Object.entries(params)) out[name] = encodeTensor(v.shape, v.dataSync() as Float32Array);
  return out;
}

/**
 * Reads saved weights for the expected parameters: every name present with the expected
 * shape (a model of other dimensions is refused, never half-loaded).
 */
export function readWeights(saved: unknown, specs: readonly { name: string; shape: number[] }[]): Record<string, Float32Array> {
  if (!saved || typeof saved !== 'object') throw invalidModel('The model has no weights');
  const w = saved as SavedWeights;
  const out: Record<string, Float32Array> = {};
  for (const s of specs) {
    const t = w[s.name];
    const data = decodeTensor(s.name, t);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      throw invalidModel(`The saved weight ${JSON.stringify(s.name)} has shape [${t.shape}], not [${s.shape}]`, { weight: s.name });
    }
    out[s.name] = data;
  }
  return out;
}

/** Sets variables from saved weights (checkpoint resume). */
export function assignParams(tf: TfModule, params: Params, saved: unknown): void {
  const specs = Object.entries(params).map(([name, v]) => ({ name, shape: v.shape }));
  const w = readWeights(saved, specs);
  for (const [name, v] of Object.entries(params)) v.assign(tf.tensor(w[name], v.shape, 'float32'));
}

/** Constant tensors from saved weights (inference). */
export function weightTensors(tf: TfModule, saved: unknown, specs: readonly { name: string; shape: number[] }[]): Record<string, Tf.Tensor> {
  const w = readWeights(saved, specs);
  return Object.fromEntries(specs.map((s) => [s.name, tf.tensor(w[s.name], s.shape, 'float32')]));
}
