import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { refusalOf } from '../support/refusals.js';

const N = 40;
/** Labels flipped in the first upload: 6 of 40. */
const flippedFirst = (i: number) => i % 7 === 0;
/** And in the second: half. */
const flippedSecond = (i: number) => i % 2 === 0;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The metrics by their definitions, counted here (AUC over every positive–negative pair). */
function expectedBinary(actual: number[], scores: number[]) {
  const predicted = scores.map((s) => (s >= 0.5 ? 1 : 0));
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  actual.forEach((y, i) => (y === 1 ? (predicted[i] === 1 ? tp++ : fn++) : predicted[i] === 1 ? fp++ : tn++));
  let pairs = 0;
  let wins = 0;
  actual.forEach((y, i) =>
    actual.forEach((z, j) => {
      if (y === 1 && z === 0) {
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }),
  );
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  return { accuracy: (tp + tn) / actual.length, precision, recall, f1: (2 * precision * recall) / (precision + recall), auc: wins / pairs, matrix: { '0': { '0': tn, '1': fp }, '1': { '0': fn, '1': tp } } };
}

describe.each(backends)('model quality through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let sdk: Orchard;
  let dir: string;
  const scores: number[] = [];

  const labelsFile = (name: string, flip: (i: number) => boolean, extra: object[] = []) => {
    const lines = scores.map((s, i) => {
      const label = (s >= 0.5 ? 1 : 0) ^ (flip(i) ? 1 : 0);
      // Both accepted shapes: SageMaker's record and the short one.
      return JSON.stringify(i % 2 ? { groundTruthData: { data: String(label), encoding: 'CSV' }, eventMetadata: { eventId: `req-${i}` }, eventVersion: '0' } : { inferenceId: `req-${i}`, label });
    });
    const file = path.join(dir, name);
    fs.writeFileSync(file, [...lines, ...extra.map((e) => JSON.stringify(e))].join('\n') + '\n');
    return file;
  };

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' });
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-model-quality-'));
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 600, 11);
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], admin)).code).toBe(0);
    const trained = await cli(['train', '--name', 'mq1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=6', '--wait', '--json'], admin);
    expect(trained.code, trained.stdout + trained.stderr).toBe(0);
    expect((await cli(['models', 'create', 'mqm', '--from-job', 'mq1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'mq', '--model', 'mqm', '--capture-percent', '100', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);

    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(0, N).map((l) => l.slice(l.indexOf(',') + 1));
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${admin.url}/api/v1/endpoints/mq/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv', 'x-amzn-sagemaker-inference-id': `req-${i}` }, body: rows[i] + '\n' });
      expect(r.status).toBe(200);
      scores.push(Number(await r.text()));
    }
    // Both classes predicted, so every metric is defined.
    expect(new Set(scores.map((s) => s >= 0.5)).size).toBe(2);
    // The capture is flushed every 200 ms.
    await until('captured invocations', async () => {
      let seen = 0;
      for (const f of await sdk.artifacts.list('endpoints/mq/capture/')) {
        const stream = await sdk.artifacts.get(f.key);
        let text = '';
        for await (const chunk of stream) text += chunk;
        seen += text.split('\n').filter((l) => l.includes('"inferenceId":"req-')).length;
      }
      return seen === N;
    });
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('keeps the inference id in the capture record, and refuses a malformed one', async () => {
    const [file] = await sdk.artifacts.list('endpoints/mq/capture/');
    let text = '';
    for await (const chunk of await sdk.artifacts.get(file.key)) text += chunk;
    expect(JSON.parse(text.split('\n')[0]).eventMetadata).toMatchObject({ inferenceId: expect.stringMatching(/^req-\d+$/), eventId: expect.any(String) });
    const r = await fetch(`${admin.url}/api/v1/endpoints/mq/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv', 'x-amzn-sagemaker-inference-id': 'x'.repeat(65) }, body: '1,2,3,4\n' });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 'ORCH_ENDPOINT_INVALID' });
  });

  it('refuses ground truth whose ids are all unknown, and with --strict any unknown id', async () => {
    const unknown = path.join(dir, 'unknown.jsonl');
    fs.writeFileSync(unknown, JSON.stringify({ inferenceId: 'nope-1', label: 1 }) + '\n' + JSON.stringify({ inferenceId: 'nope-2', label: 0 }) + '\n');
    const res = await cli(['monitor', 'ground-truth', 'put', '--endpoint', 'mq', '--file', unknown, '--json'], admin);
    expect(res.code).toBe(1);
    expect(res.json).toMatchObject({ code: 'ORCH_MONITOR_GROUND_TRUTH_UNKNOWN', details: { unknown: 2, ids: ['nope-1', 'nope-2'] } });
    // The other refusals through the SDK: the records the CLI reads from its file, in the request it sends.
    const refusal = refusalOf;
    const recordsOf = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const strict = await refusal(sdk.modelQuality.putGroundTruth('mq', { records: recordsOf(labelsFile('strict.jsonl', () => false, [{ inferenceId: 'nope-3', label: 1 }])), strict: true }));
    expect(strict).toMatchObject({ code: 'ORCH_MONITOR_GROUND_TRUTH_UNKNOWN', details: { unknown: 1, ids: ['nope-3'] } });
    const bad = [{ inferenceId: 'req-1' }];
    expect(await refusal(sdk.modelQuality.putGroundTruth('mq', { records: bad }))).toMatchObject({ code: 'ORCH_MONITOR_GROUND_TRUTH_INVALID' });
    expect(await refusal(sdk.modelQuality.putGroundTruth('nosuch', { records: bad }))).toMatchObject({ code: 'ORCH_ENDPOINT_NOT_FOUND' });
  });

  it('merges uploaded labels with the captured predictions and computes the metrics', async () => {
    const put = await cli(['monitor', 'ground-truth', 'put', '--endpoint', 'mq', '--file', labelsFile('first.jsonl', flippedFirst, [{ inferenceId: 'later-1', label: 0 }]), '--json'], admin);
    expect(put.code, put.stdout + put.stderr).toBe(0);
    expect(put.json).toMatchObject({ stored: N + 1, matched: N, unmatched: 1, unmatchedIds: ['later-1'] });

    const constraints = path.join(dir, 'constraints.json');
    fs.writeFileSync(constraints, JSON.stringify({ version: 0.0, binary_classification_constraints: { f1: { threshold: 0.5, comparison_operator: 'LessThanThreshold' } } }));
    const res = await cli(['monitor', 'model-quality', 'run', '--endpoint', 'mq', '--problem-type', 'BinaryClassification', '--constraints', constraints, '--since', '1h', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const actual = scores.map((s, i) => (s >= 0.5 ? 1 : 0) ^ (flippedFirst(i) ? 1 : 0));
    const want = expectedBinary(actual, scores);
    expect(want.accuracy).toBe(34 / 40);
    expect(res.json).toMatchObject({ status: 'Completed', matched: N, captured: N, violations: [], confusionMatrix: want.matrix });
    for (const m of ['accuracy', 'precision', 'recall', 'f1', 'auc'] as const) expect(res.json.metrics[m], m).toBeCloseTo(want[m], 12);

    // The statistics file is SageMaker's shape.
    let text = '';
    for await (const chunk of await sdk.artifacts.get(res.json.statisticsKey)) text += chunk;
    expect(JSON.parse(text)).toMatchObject({ version: 0, dataset: { item_count: N }, binary_classification_metrics: { accuracy: { value: want.accuracy }, confusion_matrix: want.matrix } });
  });

  it('flags the drop against a good baseline as CompletedWithViolations', async () => {
    // The baseline: the model's own predictions with correct labels (accuracy 1).
    const baseline = path.join(dir, 'baseline.csv');
    fs.writeFileSync(baseline, 'label,prob\n' + scores.map((s) => `${s >= 0.5 ? 1 : 0},${s}`).join('\n') + '\n');
    expect((await cli(['datasets', 'create', 'mqbase', '--file', baseline, '--header', '--json'], admin)).code).toBe(0);
    const out = path.join(dir, 'baseline-out');
    const b = await cli(['monitor', 'model-quality', 'baseline', '--dataset', 'mqbase', '--problem-type', 'BinaryClassification', '--ground-truth-attribute', 'label', '--probability-attribute', 'prob', '--out', out, '--json'], admin);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(b.json).toMatchObject({ rows: N, metrics: { accuracy: 1, f1: 1 } });
    expect(JSON.parse(fs.readFileSync(path.join(out, 'constraints.json'), 'utf8')).binary_classification_constraints.accuracy).toEqual({ threshold: 1, comparison_operator: 'LessThanThreshold' });

    // Half the labels flipped in a later upload (a later label of an id wins).
    expect((await cli(['monitor', 'ground-truth', 'put', '--endpoint', 'mq', '--file', labelsFile('second.jsonl', flippedSecond), '--json'], admin)).code).toBe(0);
    const res = await cli(['monitor', 'model-quality', 'run', '--endpoint', 'mq', '--problem-type', 'BinaryClassification', '--constraints', path.join(out, 'constraints.json'), '--since', '1h', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'CompletedWithViolations', matched: N });
    expect(res.json.metrics.accuracy).toBe(0.5);
    expect(res.json.violations).toEqual(expect.arrayContaining([expect.objectContaining({ metric_name: 'accuracy', constraint_check_type: 'LessThanThreshold', description: expect.stringContaining('accuracy') })]));

    // The same through --baseline-dataset, computed on the server.
    const direct = await cli(['monitor', 'model-quality', 'run', '--endpoint', 'mq', '--problem-type', 'BinaryClassification', '--baseline-dataset', 'mqbase', '--ground-truth-attribute', 'label', '--baseline-probability-attribute', 'prob', '--json'], admin);
    expect(direct.json).toMatchObject({ status: 'CompletedWithViolations' });

    const list = await cli(['monitor', 'model-quality', 'executions', '--endpoint', 'mq', '--json'], admin);
    expect(list.json.items.map((e: { status: string }) => e.status)).toEqual(['CompletedWithViolations', 'CompletedWithViolations', 'Completed']);
  });

  it("runs on a model-quality monitoring schedule with the baseline's constraints", async () => {
    await sdk.artifacts.put('monitor-inputs/mq/constraints.json', path.join(dir, 'baseline-out', 'constraints.json'));
    await sdk.monitor.schedules.create({ name: 'mq-quality', endpoint: 'mq', type: 'model-quality', modelQuality: { problemType: 'BinaryClassification', constraints: 'monitor-inputs/mq/constraints.json' } });
    const started = await sdk.monitor.schedules.run('mq-quality', {});
    const done = await sdk.monitor.executions.waitFor(started.id, { pollMs: 200 });
    expect(done).toMatchObject({ status: 'CompletedWithViolations', metrics: { accuracy: 0.5 } });
    expect(done.violations).toEqual(expect.arrayContaining([expect.objectContaining({ feature_name: 'accuracy', constraint_check_type: 'LessThanThreshold' })]));
  });

  it('answers bad constraints and an empty window with clear outcomes', async () => {
    const bad = path.join(dir, 'bad-constraints.json');
    fs.writeFileSync(bad, JSON.stringify({ version: 0, binary_classification_constraints: { f2: { threshold: 1, comparison_operator: 'Below' } } }));
    const res = await cli(['monitor', 'model-quality', 'run', '--endpoint', 'mq', '--problem-type', 'BinaryClassification', '--constraints', bad, '--json'], admin);
    expect(res.code).toBe(1);
    expect(res.json).toMatchObject({ code: 'ORCH_MONITOR_MODEL_QUALITY_INVALID' });
    const empty = await cli(['monitor', 'model-quality', 'run', '--endpoint', 'mq', '--problem-type', 'BinaryClassification', '--until', '2000-01-01T00:00:00Z', '--json'], admin);
    expect(empty.code).toBe(1);
    expect(empty.json).toMatchObject({ status: 'Failed', failureReason: expect.stringContaining('No captured invocation') });
  });
});
