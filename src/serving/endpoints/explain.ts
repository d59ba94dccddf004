/**
 * Explanations at endpoints: a request asks with `explain=true` in SageMaker's
 * `X-Amzn-SageMaker-Custom-Attributes` (or `?explain=true` on Orchard's invocation route)
 * and `Accept: application/json`; the answer carries, beside the predictions, each row's
 * base and attributions (contributions to the margin), by raw column for an inference
 * pipeline (a column's features summed) and by feature index otherwise.
 */
import type { Explanation } from '../../algorithms/index.js';
import { encode } from './codecs.js';

/** Whether custom attributes (`k=v` pairs split by `;` or `,`) or a URL's query ask for explanations. */
export function explainRequested(customAttributes: string | string[] | undefined, url?: string): boolean {
  if (typeof customAttributes === 'string' && customAttributes.includes('explain')) {
    for (const part of customAttributes.split(/[;,]/)) {
      const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
      if (k === 'explain' && v === 'true') return true;
    }
  }
  if (url !== undefined) {
    const q = url.indexOf('?');
    if (q >= 0 && new URLSearchParams(url.slice(q + 1)).get('explain') === 'true') return true;
  }
  return false;
}

/**
 * `{"predictions": [...], "explanations": [{"base": b, "attributions": {name: v}}]}`; a
 * multiclass model gives a base and an attribution per class (arrays).
 */
export function encodeExplained(values: Float32Array, rows: number, k: number, e: Explanation, numFeatures: number, featureColumns: readonly string[] | undefined): string {
  const width = numFeatures + 1;
  const names = featureColumns ?? Array.from({ length: numFeatures }, (_, j) => String(j));
  const keys = [...new Set(names)];
  const slot = names.map((n) => keys.indexOf(n));
  const explanations = new Array<string>(rows);
  const sums = new Float64Array(keys.length);
  for (let r = 0; r < rows; r++) {
    const base: number[] = [];
    const perClass: number[][] = keys.map(() => []);
    for (let o = 0; o < e.outputs; o++) {
      const at = (r * e.outputs + o) * width;
      sums.fill(0);
      for (let j = 0; j < numFeatures; j++) sums[slot[j]] += e.values[at + j];
      keys.forEach((_, c) => perClass[c].push(sums[c]));
      base.push(e.values[at + numFeatures]);
    }
    const one = e.outputs === 1;
    const attributions = Object.fromEntries(keys.map((key, c) => [key, one ? perClass[c][0] : perClass[c]]));
    explanations[r] = JSON.stringify({ base: one ? base[0] : base, attributions });
  }
  const predictions = encode('application/json', values, rows, k);
  return `${predictions.slice(0, -1)},"explanations":[${explanations.join(',')}]}`;
}
