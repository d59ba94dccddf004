import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

/** A PNG's first bytes: signature and an IHDR of w×h (what the header reader checks). */
function pngHeader(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(w, 8);
  ihdr.writeUInt32BE(h, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.alloc(12)]);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** An earlier bounding-box job's output line, as Ground Truth (and Orchard) write it. */
const boxLine = (i: number) => ({
  'source-ref': `img/${i}.png`,
  cars: { annotations: [{ class_id: 0, left: 4 + i, top: 5, width: 20, height: 10 }], image_size: [{ width: 64, height: 48, depth: 3 }] },
  'cars-metadata': { objects: [{ confidence: 0.9 }], 'class-map': { '0': 'car' }, type: 'groundtruth/object-detection', 'job-name': 'labeling-job/cars', 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00' },
});

describe.each(backends)('labeling teams and verification jobs on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-labeling-teams-' });
  let admin: Orchard;
  const token: Record<string, { url: string; token: string }> = {};

  beforeAll(async () => {
    admin = new Orchard(suite.admin);
    for (const name of ['ann', 'bob', 'cyd']) {
      await admin.users.create({ name, role: 'labeler' });
      token[name] = { url: suite.admin.url, token: (await admin.tokens.create({ user: name, name: 'labeling' })).token };
    }
    const png = path.join(suite.dir, 'i.png');
    fs.writeFileSync(png, pngHeader(64, 48));
    for (const i of [0, 1, 2]) await admin.artifacts.put(`img/${i}.png`, png);
    const manifest = path.join(suite.dir, 'cars.jsonl');
    fs.writeFileSync(manifest, [0, 1, 2].map((i) => JSON.stringify(boxLine(i))).join('\n') + '\n');
    await admin.datasets.create({ name: 'cars', file: manifest });
  });

  it('a team verifies boxes: only its members get the items, the verdicts join the manifest as Ground Truth writes them', async () => {
    const team = await cli(['labeling', 'teams', 'create', 'red', '--members', 'ann,bob', '--description', 'box checkers', '--json'], suite.admin);
    expect(team.code, team.stdout + team.stderr).toBe(0);
    expect(team.json).toMatchObject({ name: 'red', members: ['ann', 'bob'], activeJobs: [] });
    const create = ['labeling', 'jobs', 'create', 'check', '--task', 'verification', '--dataset', 'cars', '--label-attribute', 'cars', '--labels', 'correct,incorrect', '--team', 'red', '--json'];
    // Three reviewers per item from a team of two: refused, with the workforce code.
    const short = await cli([...create, '--annotators-per-item', '3'], suite.admin);
    expect(short.code).not.toBe(0);
    expect(short.json).toMatchObject({ code: 'ORCH_LABELING_WORKFORCE', message: expect.stringContaining("team 'red'") });
    const created = await cli([...create, '--annotators-per-item', '2'], suite.admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'check', taskType: 'verification', team: 'red', verifiedAttribute: 'cars', labelAttribute: 'check', counts: { total: 3 } });

    // cyd is a labeler but not in the team: no items, and the job is not on cyd's work list.
    const refused = await cli(['labeling', 'tasks', 'next', 'check', '--json'], token.cyd);
    expect(refused.json).toMatchObject({ code: 'ORCH_LABELING_NOT_TEAM_MEMBER' });
    expect((await new Orchard(token.cyd).http.request<{ items: { job: string }[] }>('GET', '/api/v1/labeling-work')).items.map((w) => w.job)).not.toContain('check');
    // The team is in use while the job runs.
    const busy = await cli(['labeling', 'teams', 'delete', 'red', '--json'], suite.admin);
    expect(busy.json).toMatchObject({ code: 'ORCH_LABELING_TEAM_IN_USE', details: { jobs: ['check'] } });

    // The task carries the boxes to judge; ann and bob say item 1's box is wrong.
    const first = await cli(['labeling', 'tasks', 'next', 'check', '--json'], token.ann);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json.task).toMatchObject({ item: '0', taskType: 'verification', labels: ['correct', 'incorrect'], image: { width: 64, height: 48 }, verify: { attribute: 'cars', kind: 'boxes', boxes: [{ label: 'car', left: 4, top: 5, width: 20, height: 10 }] } });
    for (const who of ['ann', 'bob']) {
      const reviewer = new Orchard(token[who]);
      let task = who === 'ann' ? first.json.task : await reviewer.labeling.next('check');
      while (task) {
        const answer = task.item === '1' ? { label: 'incorrect', comment: `${who}: the box misses the bumper` } : { label: 'correct' };
        const sub = await cli(['labeling', 'tasks', 'submit', 'check', '--item', task.item, '--answer', JSON.stringify(answer), '--json'], token[who]);
        expect(sub.code, sub.stdout + sub.stderr).toBe(0);
        task = await reviewer.labeling.next('check');
      }
    }
    const done = await until('consolidation', async () => {
      const j = await admin.labeling.describe('check');
      return j.status !== 'InProgress' && j.status !== 'Consolidating' && j;
    });
    expect(done).toMatchObject({ status: 'Completed', output: 'check-labels@1', counts: { labeled: 3, answers: 6 } });

    // The output keeps the verified boxes and adds the verdict under the job's name.
    const version = await admin.datasets.describe('check-labels');
    const object = (await admin.artifacts.list()).find((a) => version.sourceUri.endsWith(`/${a.key}`) || version.sourceUri === a.key);
    expect(object).toBeDefined();
    const chunks: Buffer[] = [];
    for await (const c of await admin.artifacts.get(object!.key)) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ cars: boxLine(0).cars, check: '0', 'check-metadata': { 'class-name': 'correct', type: 'groundtruth/label-verification', 'job-name': 'labeling-job/check', 'human-annotated': 'yes' } });
    expect(lines[1]).toMatchObject({ check: '1', 'check-metadata': { 'class-name': 'incorrect', 'worker-feedback': [{ comment: 'ann: the box misses the bumper' }, { comment: 'bob: the box misses the bumper' }] } });
    expect(lines[1]['check-metadata'].confidence).toBeGreaterThan(0);

    // The job ended: the team can change and go.
    const updated = await cli(['labeling', 'teams', 'update', 'red', '--remove', 'bob', '--add', 'cyd', '--json'], suite.admin);
    expect(updated.json).toMatchObject({ members: ['ann', 'cyd'], activeJobs: [] });
    expect((await cli(['labeling', 'teams', 'delete', 'red', '--json'], suite.admin)).code).toBe(0);
    const listed = await cli(['labeling', 'teams', 'list', '--json'], suite.admin);
    expect(listed.json).toMatchObject({ items: [], total: 0 });
  });
});
