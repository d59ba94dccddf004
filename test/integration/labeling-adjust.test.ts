import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

/** An augmented manifest of reviews already labeled by an earlier job (`sent`), one of them wrongly. */
const meta = (name: string) => ({ type: 'groundtruth/text-classification', 'class-name': name, confidence: 0.8, 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00', 'job-name': 'labeling-job/sent' });
const LINES = [
  { source: 'a delightful film', sent: 0, 'sent-metadata': meta('pos') },
  { source: 'dull and far too long', sent: 0, 'sent-metadata': meta('pos') },
  { source: 'the cast shines', sent: 0, 'sent-metadata': meta('pos') },
];

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(backends)('label adjustment jobs through the CLI on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-labeling-adjust-' });
  let admin: Orchard;
  let ann: { url: string; token: string };

  beforeAll(async () => {
    admin = new Orchard(suite.admin);
    await admin.users.create({ name: 'ann', role: 'labeler' });
    ann = { url: suite.admin.url, token: (await admin.tokens.create({ user: 'ann', name: 'labeling' })).token };
    const file = path.join(suite.dir, 'labeled.jsonl');
    fs.writeFileSync(file, LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
    await admin.datasets.create({ name: 'labeled', file });
    const plain = path.join(suite.dir, 'plain.jsonl');
    fs.writeFileSync(plain, JSON.stringify({ source: 'no label here' }) + '\n');
    await admin.datasets.create({ name: 'plain', file: plain });
  });

  it('hands out each item with its label pre-filled; the output says which were adjusted; a manifest without the label is refused', async () => {
    const refused = await cli(['labeling', 'jobs', 'create', 'bad', '--dataset', 'plain', '--task', 'text-classification', '--labels', 'pos,neg', '--adjust', 'sent', '--json'], suite.admin);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('ORCH_LABELING_ADJUST_INVALID');
    expect(refused.stdout + refused.stderr).not.toMatch(/\n\s+at /);
    const wrongShape = await cli(['labeling', 'jobs', 'create', 'bad2', '--dataset', 'labeled', '--task', 'ner', '--labels', 'PER', '--adjust', 'sent', '--json'], suite.admin);
    expect(wrongShape.code).not.toBe(0);
    expect(wrongShape.stdout + wrongShape.stderr).toContain('ORCH_LABELING_ADJUST_INVALID');

    const created = await cli(['labeling', 'jobs', 'create', 'fix', '--dataset', 'labeled', '--task', 'text-classification', '--labels', 'pos,neg', '--adjust', 'sent', '--json'], suite.admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'fix', adjustAttribute: 'sent', labelAttribute: 'fix', counts: { total: 3 } });

    for (let i = 0; i < LINES.length; i++) {
      const next = await cli(['labeling', 'tasks', 'next', 'fix', '--json'], ann);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.json.task).toMatchObject({ item: String(i), adjust: { attribute: 'sent', answer: { label: 'pos' } } });
      // The second review is negative: ann corrects it; the others she keeps.
      const answer = JSON.stringify({ label: i === 1 ? 'neg' : 'pos' });
      const sent = await cli(['labeling', 'tasks', 'submit', 'fix', '--item', String(i), '--answer', answer, '--json'], ann);
      expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    }
    await until('consolidation', async () => (await admin.labeling.describe('fix')).status === 'Completed');
    const described = await cli(['labeling', 'jobs', 'describe', 'fix', '--json'], suite.admin);
    expect(described.json).toMatchObject({ status: 'Completed', output: 'fix-labels@1', adjustAttribute: 'sent' });
    const files = await admin.artifacts.list('datasets/fix-labels/');
    let text = '';
    for await (const chunk of await admin.artifacts.get(files[files.length - 1].key)) text += chunk;
    const lines = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(lines.map((l) => [l['fix-metadata']['class-name'], l['fix-metadata']['adjustment-status']])).toEqual([
      ['pos', 'unadjusted'],
      ['neg', 'adjusted'],
      ['pos', 'unadjusted'],
    ]);
    expect(lines[1]['sent-metadata']).toMatchObject({ 'class-name': 'pos' });
    // Eleven CLI processes, each a Node start-up: on a busy machine that outlasts the default minute.
  }, 300_000);
});
