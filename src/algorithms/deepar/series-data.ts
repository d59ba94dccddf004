/**
 * DeepAR's data: SageMaker's JSON Lines series (`{"start": "2021-01-01 00:00:00",
 * "target": [...], "cat": [...], "dynamic_feat": [[...], ...]}`), read from training
 * channels and from endpoint requests, checked with the line (or instance) at fault.
 */
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import { OrchardError, type ErrorCode } from '../../core/errors.js';
import { parseStart } from './features.js';
import type { SeriesInput } from './network.js';

/** Where a series came from, for messages: `line 3 of train` or `instance 2`. */
export type Where = string;

/**
 * One JSON object to a series. `target` values may be numbers, `"NaN"` or null (missing);
 * `dynamic_feat` must hold `dynamicLength(target.length)` values per feature.
 */
export function toSeries(obj: unknown, where: Where, code: ErrorCode, dynamicLength: (n: number) => number): SeriesInput {
  const bad = (message: string) => new OrchardError(code, { message: `${where}: ${message}`, details: { where } });
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw bad('a series is a JSON object with "start" and "target"');
  const o = obj as Record<string, unknown>;
  const startMs = parseStart(o.start);
  if (Number.isNaN(startMs)) throw bad(`"start" must be a timestamp like "2021-01-01 00:00:00"; got ${JSON.stringify(o.start)?.slice(0, 40)}`);
  if (!Array.isArray(o.target)) throw bad('"target" must be an array of numbers');
  const target = new Float64Array(o.target.length);
  for (let i = 0; i < o.target.length; i++) {
    const v = o.target[i];
    if (typeof v === 'number' && Number.isFinite(v)) target[i] = v;
    else if (v === null || v === 'NaN' || v === 'nan') target[i] = NaN;
    else throw bad(`"target"[${i}] is ${JSON.stringify(v)?.slice(0, 40)}, not a number`);
  }
  let cat: number[] = [];
  if (o.cat !== undefined && o.cat !== null) {
    const c = Array.isArray(o.cat) ? o.cat : [o.cat];
    if (!c.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) throw bad('"cat" must be an array of non-negative integers');
    cat = c as number[];
  }
  const dynamic: Float64Array[] = [];
  if (o.dynamic_feat !== undefined && o.dynamic_feat !== null) {
    if (!Array.isArray(o.dynamic_feat)) throw bad('"dynamic_feat" must be an array of arrays of numbers');
    const need = dynamicLength(target.length);
    for (let d = 0; d < o.dynamic_feat.length; d++) {
      const f = o.dynamic_feat[d] as unknown;
      if (!Array.isArray(f) || f.length < need) throw bad(`"dynamic_feat"[${d}] must hold ${need} numbers (it has ${Array.isArray(f) ? f.length : 'none'})`);
      const a = new Float64Array(f.length);
      for (let i = 0; i < f.length; i++) {
        if (typeof f[i] !== 'number' || !Number.isFinite(f[i])) throw bad(`"dynamic_feat"[${d}][${i}] is not a number`);
        a[i] = f[i] as number;
      }
      dynamic.push(a);
    }
  }
  return { target, startMs, cat, dynamic };
}

/** Every series of a channel's JSON Lines files (blank lines skipped). */
export async function readSeriesFiles(files: string[], channel: string): Promise<SeriesInput[]> {
  const out: SeriesInput[] = [];
  for (const file of files) {
    const lines = readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `line ${n} of the ${channel} channel is not JSON`, details: { channel, line: n } });
      }
      out.push(toSeries(obj, `line ${n} of the ${channel} channel`, 'ORCH_TRAINING_DATA_INVALID', (len) => len));
    }
  }
  return out;
}
