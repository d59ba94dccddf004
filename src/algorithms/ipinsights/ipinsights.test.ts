import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { ipInsights } from './index.js';
import { parseIpv4 } from './ip-core.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipinsights-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 60 users, each logging in from a few addresses of its own /24 network (one of 6 networks per group of users). */
function logins(rows: number, seed: number): string[] {
  const rng = createRandom(seed);
  return Array.from({ length: rows }, () => {
    const u = rng.int(60);
    return `user${u},10.${u % 6}.${(u % 6) * 7}.${1 + rng.int(20)}`;
  });
}

const HP = { num_entity_vectors: 200, vector_dim: 16, epochs: 15, batch_size: 100, learning_rate: 0.02 };

function context(values: Record<string, string | number>, channels: Record<string, string>, modelDir: string) {
  const metrics: Record<string, number> = {};
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(ipInsights, { ...HP, ...values }),
    channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
    modelDir,
    checkpointDir: path.join(modelDir, 'ckpt'),
    threads: 1,
    seed: 5,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  return { ctx, metrics };
}

function write(name: string, lines: string[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('ipinsights', () => {
  it('parses dotted-quad IPv4 only', () => {
    expect(parseIpv4('10.0.0.1')).toBe(167772161);
    expect(parseIpv4('255.255.255.255')).toBe(4294967295);
    expect(parseIpv4('256.1.1.1')).toBeNull();
    expect(parseIpv4('::1')).toBeNull();
    expect(parseIpv4('1.2.3')).toBeNull();
  });

  it.each([0, 2])('scores a user’s usual network above other networks and random addresses (%i encoder layers)', async (layers) => {
    const dir = path.join(tmp, `m${layers}`);
    const { ctx, metrics } = context({ num_ip_encoder_layers: layers }, { train: write('train.csv', logins(3000, 1)), validation: write('valid.csv', logins(300, 2)) }, dir);
    await ipInsights.train(ctx);
    expect(metrics['validation:discriminator_auc']).toBeGreaterThan(0.9);
    expect(metrics['train:binary_classification_cross_entropy']).toBeLessThan(0.5);
    const p = await ipInsights.load(dir);
    // Normal: each user from an unseen address of its own network; anomalous: the same users from another group's network.
    const normal = Array.from({ length: 60 }, (_, u) => `user${u},10.${u % 6}.${(u % 6) * 7}.${100 + u}`);
    const odd = Array.from({ length: 60 }, (_, u) => `user${u},10.${(u + 3) % 6}.${((u + 3) % 6) * 7}.${100 + u}`);
    const score = (lines: string[]) => (JSON.parse(p.invoke!({ contentType: 'text/csv', accept: 'application/json', body: Buffer.from(lines.join('\n')) }).body) as { predictions: { dot_product: number }[] }).predictions.map((x) => x.dot_product);
    const a = score(normal);
    const b = score(odd);
    let wins = 0;
    for (let i = 0; i < 60; i++) if (a[i] > b[i]) wins++;
    expect(wins).toBeGreaterThanOrEqual(57);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(a)).toBeGreaterThan(mean(b));
  });

  it('answers SageMaker’s documents, verbose embeddings, numeric rows, and refuses bad requests', async () => {
    const dir = path.join(tmp, 'm-doc');
    const { ctx } = context({ epochs: 3 }, { train: write('t2.csv', logins(500, 3)) }, dir);
    await ipInsights.train(ctx);
    const p = await ipInsights.load(dir);
    const body = JSON.stringify({ instances: [{ data: { features: { values: ['user1', '10.1.7.5'] } } }, { features: ['17', '10.5.35.2'] }] });
    const verbose = JSON.parse(p.invoke!({ contentType: 'application/json', accept: 'application/json; verbose=true', body: Buffer.from(body) }).body) as { predictions: { dot_product: number; entity_embedding: number[]; ip_embedding: number[] }[] };
    expect(verbose.predictions).toHaveLength(2);
    expect(verbose.predictions[0].entity_embedding).toHaveLength(16);
    expect(verbose.predictions[0].ip_embedding).toHaveLength(16);
    const dotted = verbose.predictions[0].entity_embedding.reduce((s, x, j) => s + x * verbose.predictions[0].ip_embedding[j], 0);
    expect(dotted).toBeCloseTo(verbose.predictions[0].dot_product, 4);
    const lines = p.invoke!({ contentType: 'application/jsonlines', accept: 'application/jsonlines', body: Buffer.from('["user1","10.1.7.5"]\n') }).body;
    expect(JSON.parse(lines.trim()).dot_product).toBeCloseTo(verbose.predictions[0].dot_product, 5);
    // Numeric rows: entity 17 (hashed as "17") and the octets of 10.5.35.2.
    const numeric = p.predict(Float32Array.from([17, 10, 5, 35, 2]), 1);
    expect(numeric.values[0]).toBeCloseTo(verbose.predictions[1].dot_product, 4);
    expect(() => p.invoke!({ contentType: 'text/csv', accept: undefined, body: Buffer.from('user1,10.1.7.300\n') })).toThrow(/Row 1: "10.1.7.300" is not an IPv4 address/);
    expect(() => p.invoke!({ contentType: 'text/csv', accept: undefined, body: Buffer.from('user1\n') })).toThrow(/expected entity,ip/);
    expect(() => p.predict(Float32Array.from([1, 300, 0, 0, 1]), 1)).toThrow(/octets/);
  });

  it('refuses bad training data with the field and line named', async () => {
    const run = (lines: string[]) => ipInsights.train(context({}, { train: write(`bad-${Math.random()}.csv`, lines) }, path.join(tmp, 'bad')).ctx);
    await expect(run(['user1,10.0.0.1', 'user2,fe80::1'])).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', details: { field: 'ip', line: 2 } });
    await expect(run([',10.0.0.1'])).rejects.toMatchObject({ details: { field: 'entity', line: 1 } });
    await expect(run(['user1,10.0.0.1,extra'])).rejects.toThrow(/expected entity,ip; got 3 fields/);
    expect(() => resolveHyperparameters(ipInsights, { num_entity_vectors: 10, vector_dim: 2 })).toThrow();
  });
});
