/**
 * The IP Insights artifact: `model.json` (header, sizes, metrics) and `weights.bin` (the
 * entity table, the IP prefix table, then each encoder layer's weights and biases, as
 * little-endian float32 in that order), and its predictor. Requests are `entity,ip`
 * pairs (CSV lines, or JSON / JSON Lines instances `{"data": {"features": {"values":
 * [entity, ip]}}}`, `{"features": [entity, ip]}` or `[entity, ip]`), answered as
 * SageMaker does: `{"predictions": [{"dot_product": s}]}`, with `entity_embedding` and
 * `ip_embedding` under `Accept: …; verbose=true`. Rows of numbers (batch transform over
 * a numeric dataset) are `entity, a, b, c, d`: a numeric entity id and the address's four
 * octets; the entity is hashed as its decimal text, so `17` and `"17"` are the same entity.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../../core/errors.js';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { answerType, badInput, encodeRecords } from '../data/instances.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { entityRow, ipVector, parseIpv4, scorePairs, type IpNetwork } from './ip-core.js';

export const IPINSIGHTS_FORMAT = 'orchard-ipinsights';
export const IPINSIGHTS_VERSION = '1.0.0';
export const WEIGHTS_FILE = 'weights.bin';

export interface IpInsightsArtifact {
  format: typeof IPINSIGHTS_FORMAT;
  algorithm: 'ipinsights';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  vectorDim: number;
  numEntityVectors: number;
  buckets: number;
  layers: number;
  metrics: Record<string, number>;
}

const arrays = (net: IpNetwork): Float32Array[] => [net.entity, net.ip, ...net.W.flatMap((w, l) => [w, net.b[l]])];

export async function saveIpInsights(modelDir: string, a: IpInsightsArtifact, net: IpNetwork): Promise<void> {
  await writeModelFile(modelDir, a);
  const handle = await fs.open(path.join(modelDir, WEIGHTS_FILE), 'w');
  try {
    for (const arr of arrays(net)) await handle.write(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  } finally {
    await handle.close();
  }
}

export async function readIpInsights(modelDir: string): Promise<{ artifact: IpInsightsArtifact; net: IpNetwork }> {
  const a = await readModelFile<IpInsightsArtifact>(modelDir, { format: IPINSIGHTS_FORMAT, algorithm: 'ipinsights', version: IPINSIGHTS_VERSION, label: 'IP Insights' });
  const D = a.vectorDim;
  const ok = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  if (!ok(D, 1) || !ok(a.numEntityVectors, 1) || !ok(a.buckets, 1) || !ok(a.layers, 0)) throw invalidModel('IP Insights model lacks its sizes');
  let bin: Buffer;
  try {
    bin = await fs.readFile(path.join(modelDir, WEIGHTS_FILE));
  } catch (cause) {
    throw invalidModel(`IP Insights model has no readable ${WEIGHTS_FILE}`, { cause: String(cause) });
  }
  const sizes = [a.numEntityVectors * D, a.buckets * D, ...Array.from({ length: a.layers }, () => [D * D, D]).flat()];
  if (bin.byteLength !== sizes.reduce((s, n) => s + n, 0) * 4) throw invalidModel(`IP Insights ${WEIGHTS_FILE} does not match the model's sizes`);
  // A copy keeps the arrays 4-byte aligned whatever the Buffer's offset.
  const all = new Float32Array(new Uint8Array(bin).buffer);
  let off = 0;
  const take = (n: number) => all.subarray(off, (off += n));
  const entity = take(sizes[0]);
  const ip = take(sizes[1]);
  const W: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let l = 0; l < a.layers; l++) {
    W.push(take(D * D));
    b.push(take(D));
  }
  return { artifact: a, net: { D, numEntityVectors: a.numEntityVectors, buckets: a.buckets, layers: a.layers, entity, ip, W, b } };
}

/** Splits a request body into (entity, ip text) pairs. */
function requestPairs(contentType: 'text/csv' | 'application/json' | 'application/jsonlines', body: Buffer): [string, string][] {
  const text = body.toString('utf8');
  const pairs: [string, string][] = [];
  const fromInstance = (x: unknown, row: number) => {
    const o = x as Record<string, unknown> | null;
    const f = Array.isArray(x) ? x : o && typeof o === 'object' ? (((o.data as Record<string, unknown> | undefined)?.features as Record<string, unknown> | undefined)?.values ?? o.features ?? (o.data as Record<string, unknown> | undefined)?.features) : null;
    if (!Array.isArray(f) || f.length !== 2) throw badInput(`Row ${row}: expected [entity, ip], {"features": [entity, ip]} or {"data": {"features": {"values": [entity, ip]}}}`, { row });
    pairs.push([String(f[0]), String(f[1])]);
  };
  const parse = (s: string, what: string) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      throw badInput(`${what} is not valid JSON`);
    }
  };
  if (contentType === 'text/csv') {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parts = line.split(',');
      if (parts.length !== 2) throw badInput(`Row ${pairs.length + 1}: expected entity,ip; got ${parts.length} fields`, { row: pairs.length + 1 });
      pairs.push([parts[0].trim(), parts[1].trim()]);
    }
  } else if (contentType === 'application/jsonlines') {
    for (const line of text.split('\n')) if (line.trim() !== '') fromInstance(parse(line, `Row ${pairs.length + 1}`), pairs.length + 1);
  } else {
    const doc = parse(text, 'The request body') as Record<string, unknown> | null;
    if (doc && typeof doc === 'object' && Array.isArray(doc.instances)) doc.instances.forEach((x, i) => fromInstance(x, i + 1));
    else throw badInput('Send {"instances": [...]}');
  }
  if (pairs.length === 0) throw badInput('The request has no rows');
  return pairs;
}

function addressOf(text: string, row: number): number {
  const ip = parseIpv4(text);
  if (ip === null) throw badInput(`Row ${row}: ${JSON.stringify(text.slice(0, 60))} is not an IPv4 address`, { row, field: 'ip' });
  return ip;
}

export function ipInsightsPredictor(net: IpNetwork): Predictor {
  const D = net.D;
  return {
    numFeatures: 5,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, 5);
      const ents = new Int32Array(rows);
      const ips = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const e = features[r * 5];
        const octets = features.subarray(r * 5 + 1, r * 5 + 5);
        if (!Number.isFinite(e)) throw new OrchardError('ORCH_MODEL_INPUT_INVALID', { message: `Row ${r + 1}: the entity is missing`, details: { row: r + 1, field: 'entity' } });
        if (!octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255)) throw badInput(`Row ${r + 1}: columns 2-5 must be the address's octets, whole numbers 0-255`, { row: r + 1, field: 'ip' });
        ents[r] = entityRow(String(e), net.numEntityVectors);
        ips[r] = ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3];
      }
      return { values: Float32Array.from(scorePairs(net, ents, ips)), outputsPerRow: 1 };
    },
    invoke({ contentType, accept, body }) {
      const { type, verbose } = answerType(accept, contentType);
      const pairs = requestPairs(contentType, body);
      const ents = Int32Array.from(pairs, ([e]) => entityRow(e, net.numEntityVectors));
      const ips = Float64Array.from(pairs, ([, ip], i) => addressOf(ip, i + 1));
      const scores = scorePairs(net, ents, ips);
      const records = pairs.map((_, i) =>
        verbose
          ? { dot_product: scores[i], entity_embedding: Array.from(net.entity.subarray(ents[i] * D, ents[i] * D + D)), ip_embedding: ipVector(net, ips[i]) }
          : { dot_product: scores[i] },
      );
      return encodeRecords(type, 'predictions', records, ['dot_product']);
    },
  };
}
