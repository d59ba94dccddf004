/** What every exporter shares: the input's name, the error for an unreadable model, the result shape. */
import { OrchardError } from '../../core/errors.js';
import type { GraphSpec } from './onnx-proto.js';

/** Every exported model takes one float tensor `features` of shape [N, numFeatures] (NaN = missing). */
export const INPUT = 'features';

/** The part of a graph an exporter decides; the input and the model header are common. */
export interface ExportedGraph extends Pick<GraphSpec, 'nodes' | 'outputs' | 'initializers' | 'usesMl'> {
  numFeatures: number;
  metadata: Record<string, string>;
}

export function invalid(message: string): never {
  throw new OrchardError('ORCH_MODEL_INVALID', { message });
}

/** True when `a` is an array of `n` finite numbers. */
export function finiteArray(a: unknown, n: number): a is number[] {
  return Array.isArray(a) && a.length === n && a.every(Number.isFinite);
}

/** A positive integer field of model.json, or ORCH_MODEL_INVALID naming it. */
export function positiveInt(doc: Record<string, unknown>, field: string, label: string): number {
  const v = doc[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) invalid(`${label} model has a bad ${field}`);
  return v;
}
