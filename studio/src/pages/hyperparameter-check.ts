import type { AlgorithmInfo } from '../api/types';

type Spec = AlgorithmInfo['hyperparameters'][number];

/** Client-side check of one hyperparameter value against its schema (the server checks again). */
export function checkHyperparameter(spec: Spec, raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return spec.required && spec.default === undefined ? 'Required.' : undefined;
  if (spec.type === 'integer' || spec.type === 'continuous') {
    const n = Number(v);
    if (!Number.isFinite(n)) return `Must be ${spec.range}.`;
    if (spec.type === 'integer' && !Number.isInteger(n)) return `Must be ${spec.range}.`;
    const minOk = spec.min === undefined || (spec.type === 'continuous' && spec.minInclusive === false ? n > spec.min : n >= spec.min);
    const maxOk = spec.max === undefined || (spec.type === 'continuous' && spec.maxInclusive === false ? n < spec.max : n <= spec.max);
    if (!minOk || !maxOk) return `Must be ${spec.range}.`;
  }
  if (spec.type === 'categorical' && !spec.values.includes(v) && !(spec.pattern !== undefined && new RegExp(spec.pattern).test(v))) return `Must be ${spec.range}.`;
  return undefined;
}
