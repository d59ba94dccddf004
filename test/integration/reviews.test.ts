import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type HumanLoop } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { refusalOf as codeOf } from '../support/refusals.js';

const THRESHOLD = 0.8;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}


async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe.each(backends)('human review of an endpoint’s predictions on $name', (backend) => {
  // The suite's own setup (not cliSuite's): the last case restarts the server on the same stores.
  const suite = {} as { server: RunningServer; admin: { url: string; token: string }; dir: string; env: Record<string, string> };
  let teardown: (() => Promise<void>) | undefined;
  let admin: Orchard;
  const tokens: Record<string, { url: string; token: string }> = {};
  const as = (user: string) => new Orchard(tokens[user]);

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    suite.env = { ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR };
    suite.server = await startServer(suite.env);
    suite.admin = { url: suite.server.url, token: suite.server.adminToken };
    suite.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-reviews-'));
    admin = new Orchard(suite.admin);
    for (const name of ['ann', 'bob', 'cyd']) {
      await admin.users.create({ name, role: 'labeler' });
      tokens[name] = { url: suite.admin.url, token: (await admin.tokens.create({ user: name, name: 'review' })).token };
    }
    // A small xgboost classifier: class 1 when x0 - x2 > 0 (and a little noise).
    const file = writeClassificationCsv(path.join(suite.dir, 'train.csv'), 400, 7);
    const steps: string[][] = [
      ['datasets', 'create', 'train', '--file', file],
      ['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'train', '--hp', 'objective=binary:logistic', '--hp', 'num_round=20', '--hp', 'max_depth=3', '--wait'],
      ['models', 'create', 'gb', '--from-job', 'gb'],
      ['endpoints', 'create', 'gb-ep', '--model', 'gb', '--wait'],
    ];
    for (const step of steps) {
      const res = await cli([...step, '--json'], suite.admin);
      expect(res.code, `${step.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
  }, 300_000);
  afterAll(async () => {
    await suite.server?.stop();
    await teardown?.();
    if (suite.dir) fs.rmSync(suite.dir, { recursive: true, force: true });
  });

  const invoke = async (row: string, inferenceId: string): Promise<number> => {
    const res = await fetch(`${suite.admin.url}/api/v1/endpoints/gb-ep/invocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv', accept: 'application/json', 'x-amzn-sagemaker-inference-id': inferenceId },
      body: `${row}\n`,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: number[] };
    return body.predictions[0];
  };

  it('refuses flows that cannot work, with every problem listed', async () => {
    const bad = await codeOf(admin.reviews.flows.create({ name: 'bad', endpoint: 'gb-ep', labels: ['neg', 'pos', 'neg'], workers: ['ann', 'zed'], activation: { labels: ['maybe'] } }));
    expect(bad.code).toBe('ORCH_REVIEW_INVALID');
    const fields = (bad.details?.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['activation.labels', 'labels', 'workers']);
    expect((await codeOf(admin.reviews.flows.create({ name: 'bad', endpoint: 'gb-ep', labels: ['neg', 'pos'] }))).code).toBe('ORCH_REVIEW_INVALID');
    // The schema refuses a threshold outside (0, 1].
    expect((await codeOf(admin.reviews.flows.create({ name: 'bad', endpoint: 'gb-ep', labels: ['neg', 'pos'], activation: { confidenceBelow: 1.5 } }))).code).toBe('ORCH_API_BAD_REQUEST');
    // A labeler reads no flows and creates none.
    expect((await codeOf(as('ann').reviews.flows.list())).code).toBe('ORCH_AUTH_FORBIDDEN');
  });

  it('sends only the unconfident predictions to a reviewer, who answers; the loop completes with A2I’s output in the store', async () => {
    const created = await cli(['reviews', 'flows', 'create', 'gb-review', '--endpoint', 'gb-ep', '--labels', 'neg,pos', '--confidence-below', String(THRESHOLD), '--workers', 'ann,bob', '--json'], suite.admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'gb-review', endpoint: 'gb-ep', labels: ['neg', 'pos'], activation: { confidenceBelow: THRESHOLD }, workers: ['ann', 'bob'], reviewersPerLoop: 1 });
    expect((await codeOf(admin.reviews.flows.create({ name: 'other', endpoint: 'gb-ep', labels: ['a', 'b'], activation: { samplePercent: 5 } }))).code).toBe('ORCH_REVIEW_ENDPOINT_TAKEN');

    // Far from the boundary (x0 - x2 = ±4) the model is sure; on it, unsure.
    const rows: Record<string, string> = {
      'sure-pos': '2,0,-2,0',
      'sure-neg': '-2,0,2,0',
      'edge-0': '0,0,0,0',
      'edge-1': '0.05,0.5,0,-0.5',
      'edge-2': '-0.05,-0.5,0,0.5',
      'edge-3': '0.1,0,0.1,0',
    };
    const confidence: Record<string, number> = {};
    for (const [id, row] of Object.entries(rows)) {
      const p = await invoke(row, id);
      confidence[id] = Math.max(p, 1 - p);
    }
    expect(confidence['sure-pos']).toBeGreaterThanOrEqual(THRESHOLD);
    expect(confidence['sure-neg']).toBeGreaterThanOrEqual(THRESHOLD);
    const unsure = Object.keys(rows).filter((id) => confidence[id] < THRESHOLD).sort();
    expect(unsure.length).toBeGreaterThan(0);

    // Exactly the unconfident requests became loops, each with its request and prediction.
    const loops = await until('the loops', async () => {
      const page = await admin.reviews.list({ flow: 'gb-review' });
      return page.total >= unsure.length && page.items;
    });
    await new Promise((r) => setTimeout(r, 500));
    const all = (await admin.reviews.list({ flow: 'gb-review' })).items;
    expect(all.length).toBe(loops.length);
    expect(all.map((l) => l.inferenceId).sort()).toEqual(unsure);
    for (const loop of all) {
      expect(loop).toMatchObject({ status: 'InProgress', source: 'confidence', endpoint: 'gb-ep', variant: 'AllTraffic', humanAnswers: [], output: null });
      expect(loop.confidence).toBeCloseTo(confidence[loop.inferenceId!], 5);
      expect(loop.inputContent).toMatchObject({ endpoint: 'gb-ep', request: { contentType: 'text/csv', encoding: 'CSV', data: `${rows[loop.inferenceId!]}\n` }, response: { encoding: 'JSON' } });
    }

    // A labeler outside the workforce gets nothing; ann leases the oldest loop through the CLI.
    expect(await as('cyd').reviews.next()).toBeNull();
    expect((await codeOf(as('cyd').reviews.next('gb-review'))).code).toBe('ORCH_REVIEW_NOT_IN_WORKFORCE');
    const next = await cli(['reviews', 'tasks', 'next', '--flow', 'gb-review', '--json'], tokens.ann);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const task = (next.json as { task: { loop: string; labels: string[]; records: number; predictedLabel: string } }).task;
    expect(task).toMatchObject({ labels: ['neg', 'pos'], records: 1 });
    expect(['neg', 'pos']).toContain(task.predictedLabel);
    const first = all.find((l) => l.name === task.loop)!;
    expect(first).toBeDefined();

    // Bob cannot answer ann's lease; a label outside the flow's is refused.
    expect((await codeOf(as('bob').reviews.answer(task.loop, { label: 'pos' }))).code).toBe('ORCH_REVIEW_LEASE');
    const wrong = await codeOf(as('ann').reviews.answer(task.loop, { label: 'maybe' }));
    expect(wrong.code).toBe('ORCH_REVIEW_ANSWER_INVALID');
    const answered = await cli(['reviews', 'tasks', 'answer', task.loop, '--answer', '{"label":"pos","comment":"on the line"}', '--json'], tokens.ann);
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    expect(answered.json).toMatchObject({ loop: task.loop, worker: 'ann', duplicate: false, status: 'Completed' });
    // Sent again: acknowledged once.
    expect(await as('ann').reviews.answer(task.loop, { label: 'pos', comment: 'on the line' })).toMatchObject({ duplicate: true, status: 'Completed' });

    // orchard reviews describe shows the completed loop and where its output is.
    const described = await cli(['reviews', 'describe', task.loop, '--json'], suite.admin);
    expect(described.code, described.stdout + described.stderr).toBe(0);
    const loop = described.json as HumanLoop;
    expect(loop).toMatchObject({ status: 'Completed', humanAnswers: [{ workerId: 'ann', answerContent: { label: 'pos', comment: 'on the line' } }] });
    expect(loop.output).toMatch(new RegExp(`^reviews/gb-review/\\d{4}/\\d\\d/\\d\\d/\\d\\d/\\d\\d/\\d\\d/${task.loop}/output\\.json$`));
    const output = JSON.parse(await text(await admin.artifacts.get(loop.output!))) as Record<string, unknown>;
    expect(output).toMatchObject({
      flowDefinitionArn: 'arn:orchard:sagemaker:::flow-definition/gb-review',
      humanLoopName: task.loop,
      inputContent: { endpoint: 'gb-ep', inferenceId: first.inferenceId, request: { data: `${rows[first.inferenceId!]}\n` } },
      humanAnswers: [{ answerContent: { label: 'pos', comment: 'on the line' }, workerId: 'ann', workerMetadata: { identityData: { sub: 'ann' } } }],
    });

    // The rest: bob takes one; a loop is stopped; list by status shows each.
    const listed = await cli(['reviews', 'list', '--flow', 'gb-review', '--status', 'Completed', '--json'], suite.admin);
    expect((listed.json as { items: HumanLoop[] }).items.map((l) => l.name)).toEqual([task.loop]);
    const rest = all.filter((l) => l.name !== task.loop);
    if (rest.length > 0) {
      const stopped = await cli(['reviews', 'stop', rest[0].name, '--json'], suite.admin);
      expect(stopped.json).toMatchObject({ status: 'Stopped', output: null });
      const bobs = await as('bob').reviews.next();
      if (rest.length > 1) expect(bobs?.loop).toBe(rest[1].name);
      else expect(bobs).toBeNull();
    }
    const flow = await admin.reviews.flows.describe('gb-review');
    expect(flow.counts.completed).toBe(1);

    // Without a flow the endpoint is not reviewed: deleting it stops new loops (and its waiting ones).
    await admin.reviews.flows.delete('gb-review');
    await invoke(rows['edge-0'], 'after-delete');
    await new Promise((r) => setTimeout(r, 500));
    const after = (await admin.reviews.list({ flow: 'gb-review' })).items;
    expect(after.map((l) => l.inferenceId)).not.toContain('after-delete');
    expect(after.filter((l) => l.status === 'InProgress')).toEqual([]);
  });

  it('starts a loop by StartHumanLoop for a flow without an endpoint; two reviewers answer it', async () => {
    const flow = await admin.reviews.flows.create({ name: 'docs', labels: ['ok', 'bad'], reviewersPerLoop: 2, instructions: 'Is the summary right?', autoExport: { dataset: 'docs-reviewed', everyLoops: 1 } });
    expect(flow.autoExport).toEqual({ dataset: 'docs-reviewed', everyLoops: 1 });
    const started = await cli(['reviews', 'start', 'doc-1', '--flow', 'docs', '--input', '{"summary":"short","source":"long text"}', '--json'], suite.admin);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    expect(started.json).toMatchObject({ name: 'doc-1', source: 'api', status: 'InProgress', reviewersPerLoop: 2 });
    expect((await codeOf(admin.reviews.create({ name: 'doc-1', flow: 'docs', inputContent: {} }))).code).toBe('ORCH_REVIEW_LOOP_EXISTS');
    expect((await codeOf(admin.reviews.create({ name: 'doc-2', flow: 'nope', inputContent: {} }))).code).toBe('ORCH_REVIEW_FLOW_NOT_FOUND');
    const a = await as('ann').reviews.next('docs');
    expect(a).toMatchObject({ loop: 'doc-1', instructions: 'Is the summary right?', records: null, inputContent: { summary: 'short' } });
    // A reviewer never gets the same loop twice.
    expect(await as('ann').reviews.next('docs')).toBeNull();
    expect((await as('ann').reviews.answer('doc-1', { labels: ['ok'] })).status).toBe('InProgress');
    const c = await as('cyd').reviews.next('docs');
    expect(c?.loop).toBe('doc-1');
    expect((await as('cyd').reviews.answer('doc-1', { label: 'bad' })).status).toBe('Completed');
    const loop = await admin.reviews.describe('doc-1');
    expect(loop.humanAnswers.map((h) => h.workerId).sort()).toEqual(['ann', 'cyd']);
    const output = JSON.parse(await text(await admin.artifacts.get(loop.output!))) as { humanAnswers: unknown[] };
    expect(output.humanAnswers).toHaveLength(2);
    // The flow's automatic export: each completed loop (everyLoops 1) as the next manifest version.
    const exported = await until('the automatic export', async () => (await admin.datasets.versions('docs-reviewed').catch(() => []))[0]);
    expect(exported).toMatchObject({ version: 1, rowCount: 1, tags: { 'orchard:review-flow': 'docs' } });
    expect((await codeOf(as('bob').reviews.answer('doc-1', { label: 'ok' }))).code).toBe('ORCH_REVIEW_LEASE');
  });

  it('writes the reviewed answers as a dataset version that a training job trains on; a second export adds only new loops', async () => {
    await admin.reviews.flows.create({ name: 'gb-retrain', endpoint: 'gb-ep', labels: ['neg', 'pos'], activation: { confidenceBelow: THRESHOLD }, workers: ['ann'] });
    // Requests of several records, each with one on the boundary: every request becomes a loop of all its records.
    const truth = (row: string) => { const [x0, , x2] = row.split(',').map(Number); return x0 - x2 > 0 ? 'pos' : 'neg'; };
    const requests = Array.from({ length: 4 }, (_, r) => ['0,0,0,0', ...Array.from({ length: 7 }, (_, i) => `${((i - 3) * 0.7 + r * 0.1).toFixed(2)},${(i % 3) - 1},${(r - 1.5) * 0.4},${i * 0.1}`)]);
    const send = async (rows: string[], inferenceId: string) => {
      const res = await fetch(`${suite.admin.url}/api/v1/endpoints/gb-ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv', accept: 'application/json', 'x-amzn-sagemaker-inference-id': inferenceId }, body: rows.join('\n') + '\n' });
      expect(res.status).toBe(200);
    };
    for (const [i, rows] of requests.entries()) await send(rows, `retrain-${i}`);
    await until('the loops', async () => (await admin.reviews.list({ flow: 'gb-retrain' })).total >= requests.length);
    const answerAll = async () => {
      let answered = 0;
      for (let task = await as('ann').reviews.next('gb-retrain'); task; task = await as('ann').reviews.next('gb-retrain')) {
        const rows = ((task.inputContent.request as { data: string }).data).trim().split('\n');
        expect(rows.length).toBe(task.records);
        expect((await as('ann').reviews.answer(task.loop, { labels: rows.map(truth) })).status).toBe('Completed');
        answered++;
      }
      return answered;
    };
    expect(await answerAll()).toBe(requests.length);

    const first = await cli(['reviews', 'export', 'gb-retrain', '--dataset', 'reviewed', '--json'], suite.admin);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json).toMatchObject({ flow: 'gb-retrain', dataset: 'reviewed@1', version: 1, format: 'csv', loops: requests.length, rows: requests.length * 8, skipped: [] });
    // The label first, as a class index, then the features as the endpoint received them.
    const version = await admin.datasets.describe('reviewed@1');
    expect(version.rowCount).toBe(requests.length * 8);
    expect(version.tags).toMatchObject({ 'orchard:review-flow': 'gb-retrain' });
    const provenance = (await text(await admin.artifacts.get((first.json as { provenance: string }).provenance))).trim().split('\n').map((l) => JSON.parse(l) as { inferenceId: string; label: string; prediction: { label: string | null }; reviewedAt: string });
    expect(provenance).toHaveLength(requests.length * 8);
    expect(new Set(provenance.map((p) => p.inferenceId))).toEqual(new Set(requests.map((_, i) => `retrain-${i}`)));
    expect(provenance.every((p) => ['neg', 'pos'].includes(p.prediction.label!) && !Number.isNaN(Date.parse(p.reviewedAt)))).toBe(true);

    // Nothing new: nothing written.
    const again = await admin.reviews.flows.export('gb-retrain', { dataset: 'reviewed' });
    expect(again).toMatchObject({ dataset: null, loops: 0 });
    expect((await admin.datasets.versions('reviewed')).map((v) => v.version)).toEqual([1]);

    // A training job reads the export as any CSV training data.
    const trained = await cli(['train', '--name', 'gb-reviewed', '--algorithm', 'xgboost', '--train', 'reviewed', '--hp', 'objective=binary:logistic', '--hp', 'num_round=5', '--hp', 'max_depth=2', '--wait', '--json'], suite.admin);
    expect(trained.code, trained.stdout + trained.stderr).toBe(0);
    expect(trained.json).toMatchObject({ status: 'Completed' });

    // One more reviewed request: the next export holds only its rows; --all holds every loop.
    await send(requests[0], 'retrain-late');
    await until('the late loop', async () => (await admin.reviews.list({ flow: 'gb-retrain' })).total > requests.length);
    expect(await answerAll()).toBe(1);
    const second = await admin.reviews.flows.export('gb-retrain', { dataset: 'reviewed' });
    expect(second).toMatchObject({ dataset: 'reviewed@2', loops: 1, rows: 8 });
    const all = await cli(['reviews', 'export', 'gb-retrain', '--dataset', 'reviewed-all', '--all', '--json'], suite.admin);
    expect(all.json).toMatchObject({ dataset: 'reviewed-all@1', loops: requests.length + 1 });
    expect((await codeOf(admin.reviews.flows.export('gb-retrain', { dataset: 'reviewed', since: 'yesterday' }))).code).toBe('ORCH_REVIEW_INVALID');
    expect((await codeOf(as('ann').reviews.flows.export('gb-retrain', { dataset: 'mine' }))).code).toBe('ORCH_AUTH_FORBIDDEN');
    await admin.reviews.flows.delete('gb-retrain');
  }, 240_000);

  it('a flow keeps reviewing its endpoint after the server restarts', async () => {
    await admin.reviews.flows.create({ name: 'all', endpoint: 'gb-ep', labels: ['neg', 'pos'], activation: { samplePercent: 100 } });
    await suite.server.stop();
    suite.server = await startServer(suite.env, suite.server.home);
    suite.admin.url = suite.server.url;
    admin = new Orchard(suite.admin);
    await until('the endpoint back in service', async () => (await admin.endpoints.describe('gb-ep')).status === 'InService', 120_000);
    await until('an answer', async () => {
      const res = await fetch(`${suite.admin.url}/api/v1/endpoints/gb-ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv', 'x-amzn-sagemaker-inference-id': 'after-restart' }, body: '2,0,-2,0\n' });
      return res.status === 200;
    }, 60_000);
    const loop = await until('the loop', async () => (await admin.reviews.list({ flow: 'all' })).items.find((l) => l.inferenceId === 'after-restart'));
    expect(loop).toMatchObject({ source: 'sample', status: 'InProgress', predictedLabel: 'pos' });
  }, 240_000);
});
