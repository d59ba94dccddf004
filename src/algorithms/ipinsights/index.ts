/**
 * Built-in IP Insights (SageMaker's "IP Insights Algorithm"): embeddings of (entity, IPv4)
 * pairs learned from CSV `entity,ip` lines with negative sampling (ip-core.ts); at
 * inference the dot product of a pair's vectors, high for pairs like those seen and low
 * for anomalous ones. An optional `validation` channel reports
 * `validation:discriminator_auc`: observed pairs against random-address negatives.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { createRandom } from '../parallel/random.js';
import { rankAuc } from '../rank-auc.js';
import { IPINSIGHTS_HYPERPARAMETERS, ipInsightsOptions, type IpInsightsOptions } from './hyperparameters.js';
import { PREFIXES, bucketsFor, entityRow, initNetwork, ipRows, parseIpv4, scorePairs, trainNetwork, type TrainPairs } from './ip-core.js';
import { IPINSIGHTS_FORMAT, IPINSIGHTS_VERSION, ipInsightsPredictor, readIpInsights, saveIpInsights } from './ip-model.js';

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

/** Reads a channel's `entity,ip` lines. */
async function channelPairs(ctx: TrainContext, channel: string, o: IpInsightsOptions): Promise<TrainPairs | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  if (c.contentType.split(';')[0].trim().toLowerCase() !== 'text/csv') {
    throw invalid(`ipinsights reads text/csv lines of entity,ip; channel "${channel}" is ${c.contentType}`, { channel, contentType: c.contentType });
  }
  const entity: number[] = [];
  const ip: number[] = [];
  for (const file of c.files) {
    const text = await fs.readFile(file, 'utf8');
    let line = 0;
    for (const raw of text.split('\n')) {
      line++;
      if (raw.trim() === '') continue;
      const parts = raw.split(',');
      const where = `Channel "${channel}", line ${line}`;
      if (parts.length !== 2) throw invalid(`${where}: expected entity,ip; got ${parts.length} fields`, { channel, line });
      const e = parts[0].trim();
      if (e === '') throw invalid(`${where}: the entity is empty`, { field: 'entity', channel, line });
      const a = parseIpv4(parts[1]);
      if (a === null) throw invalid(`${where}: ${JSON.stringify(parts[1].trim().slice(0, 60))} is not an IPv4 address`, { field: 'ip', channel, line });
      entity.push(entityRow(e, o.numEntityVectors));
      ip.push(a);
    }
  }
  if (entity.length === 0) throw invalid(`Channel "${channel}" has no entity,ip pairs`, { channel });
  return { entity: Int32Array.from(entity), ip: Float64Array.from(ip) };
}

function distinctPrefixes(pairs: TrainPairs): number {
  const seen = new Set<number>();
  const rows = new Int32Array(PREFIXES.length);
  for (const a of pairs.ip) {
    // Distinct (level, prefix) keys, counted through a large table so collisions are rare.
    for (const r of ipRows(a, 1 << 30, rows)) seen.add(r);
  }
  return seen.size;
}

async function train(ctx: TrainContext): Promise<void> {
  const o = ipInsightsOptions(ctx.hyperparameters);
  const pairs = await channelPairs(ctx, 'train', o);
  if (!pairs) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'ipinsights needs a "train" channel', details: { channel: 'train' } });
  const buckets = bucketsFor(distinctPrefixes(pairs), o.vectorDim);
  ctx.log(`ipinsights: ${pairs.entity.length} pairs, vector_dim=${o.vectorDim}, num_entity_vectors=${o.numEntityVectors}, ${buckets} IP prefix rows, ${o.layers} encoder layers, ${o.epochs} epochs`);
  const rng = createRandom(ctx.seed);
  const net = initNetwork(o.vectorDim, o.numEntityVectors, buckets, o.layers, rng);
  trainNetwork(net, pairs, o, rng, {
    signal: ctx.signal,
    onEpoch: (epoch, loss) => {
      ctx.log(`epoch ${epoch}: train:binary_classification_cross_entropy=${loss.toFixed(6)}`);
      ctx.metric('train:binary_classification_cross_entropy', loss, epoch);
    },
  });
  const metrics: Record<string, number> = {};
  const validation = await channelPairs(ctx, 'validation', o);
  if (validation) {
    const n = validation.entity.length;
    const vr = createRandom(ctx.seed + 1);
    const negatives = Float64Array.from({ length: n }, () => Math.floor(vr.next() * 4294967296));
    const pos = scorePairs(net, validation.entity, validation.ip);
    const neg = scorePairs(net, validation.entity, negatives);
    const labels = Float64Array.from({ length: 2 * n }, (_, i) => (i < n ? 1 : 0));
    const scores = new Float64Array(2 * n);
    scores.set(pos);
    scores.set(neg, n);
    metrics['validation:discriminator_auc'] = rankAuc(labels, scores);
  }
  for (const [name, value] of Object.entries(metrics)) ctx.metric(name, value);
  await saveIpInsights(
    ctx.modelDir,
    {
      format: IPINSIGHTS_FORMAT,
      algorithm: 'ipinsights',
      version: IPINSIGHTS_VERSION,
      hyperparameters: ctx.hyperparameters,
      seed: ctx.seed,
      vectorDim: o.vectorDim,
      numEntityVectors: o.numEntityVectors,
      buckets,
      layers: o.layers,
      metrics,
    },
    net,
  );
}

export const ipInsights: Algorithm = {
  name: 'ipinsights',
  version: IPINSIGHTS_VERSION,
  description: 'IP Insights: embeddings of (entity, IPv4) pairs learned with negative sampling; scores how usual a pair is.',
  hyperparameters: IPINSIGHTS_HYPERPARAMETERS,
  metrics: [
    { name: 'train:binary_classification_cross_entropy', goal: 'minimize' },
    { name: 'validation:discriminator_auc', goal: 'maximize' },
  ],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: ['validation'],
  // One thread: the optimisation runs on the main thread.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return ipInsightsPredictor((await readIpInsights(modelDir)).net);
  },
  exportOnnx: {
    format: IPINSIGHTS_FORMAT,
    majorVersion: IPINSIGHTS_VERSION.split('.')[0],
    build: async (_doc, modelDir) => (await import('./ip-onnx.js')).exportIpInsights(modelDir),
  },
};
