import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { DatasetVersion } from '../contracts/index.js';
import type { JobQueue } from '../jobs/index.js';
import { openArtifactStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { checkAnswer } from './answers.js';
import { consolidate } from './consolidate.js';
import { LabelingService } from './service.js';
import { labelToVerify } from './verification.js';

const meta = (type: string, extra: Record<string, unknown> = {}) => ({ type, 'job-name': 'labeling-job/first', 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00', ...extra });
const SENT = { source: 'a delightful film', sent: 0, 'sent-metadata': meta('groundtruth/text-classification', { 'class-name': 'pos', confidence: 0.9 }) };
const BOXES = {
  'source-ref': 'img/0.png',
  cars: { annotations: [{ class_id: 1, left: 2, top: 3, width: 10, height: 5 }], image_size: [{ width: 40, height: 30, depth: 3 }] },
  'cars-metadata': meta('groundtruth/object-detection', { objects: [{ confidence: 0.8 }], 'class-map': { '1': 'car' } }),
};

describe('the label a verification shows', () => {
  it('reads classes, boxes and spans from the shapes Ground Truth writes', () => {
    expect(labelToVerify(SENT, 'sent')).toEqual({ image: false, label: { attribute: 'sent', type: 'groundtruth/text-classification', kind: 'classes', classes: ['pos'], boxes: [], entities: [] } });
    expect(labelToVerify(BOXES, 'cars')).toMatchObject({ image: true, label: { kind: 'boxes', boxes: [{ label: 'car', left: 2, top: 3, width: 10, height: 5 }] } });
    const multi = { 'source-ref': 'i.png', tags: [0, 2], 'tags-metadata': meta('groundtruth/image-classification-multilabel', { 'class-map': { '0': 'cat', '2': 'dog' } }) };
    expect(labelToVerify(multi, 'tags')).toMatchObject({ image: true, label: { kind: 'classes', classes: ['cat', 'dog'] } });
    const ner = { source: 'Ada wrote', ents: { annotations: { entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }], labels: [{ label: 'PER' }] } }, 'ents-metadata': meta('groundtruth/text-span') };
    expect(labelToVerify(ner, 'ents')).toMatchObject({ image: false, label: { kind: 'entities', entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }] } });
  });

  it('says what keeps a line from being verified', () => {
    expect(labelToVerify({ source: 'x' }, 'sent')).toEqual({ problem: expect.stringContaining('has no "sent"') });
    expect(labelToVerify({ 'source-ref': 'm', seg: 'k', 'seg-metadata': meta('groundtruth/semantic-segmentation') }, 'seg')).toEqual({ problem: expect.stringContaining('groundtruth/semantic-segmentation') });
    expect(labelToVerify({ ...BOXES, 'cars-metadata': meta('groundtruth/object-detection', { 'class-map': {} }) }, 'cars')).toHaveProperty('problem');
  });
});

describe('verification answers and output', () => {
  const ctx = { taskType: 'verification' as const, multiLabel: false, labels: ['correct', 'incorrect'], image: null, text: 'x' };
  it('takes a verdict with an optional comment', () => {
    expect(checkAnswer({ label: 'correct' }, ctx)).toEqual({ answer: { label: 'correct' } });
    expect(checkAnswer({ label: 'incorrect', comment: ' too wide ' }, ctx)).toEqual({ answer: { label: 'incorrect', comment: 'too wide' } });
    expect(checkAnswer({ label: 'maybe' }, ctx)).toMatchObject({ problems: [{ code: 'ORCH_LABELING_ANSWER_INVALID' }] });
    expect(checkAnswer({ label: 'correct', comment: 7 }, ctx)).toMatchObject({ problems: [{ field: 'answer.comment' }] });
  });

  it('writes the consolidated verdict as Ground Truth’s label-verification, keeping the verified label', async () => {
    const items = [
      { item: '0', source: SENT, image: null, gold: null, answers: [{ worker: 'a', answer: { label: 'correct' } }, { worker: 'b', answer: { label: 'correct' } }, { worker: 'c', answer: { label: 'incorrect', comment: 'not so sure' } }] },
      { item: '1', source: { ...SENT, source: 'dull' }, image: null, gold: null, answers: [{ worker: 'a', answer: { label: 'incorrect' } }, { worker: 'b', answer: { label: 'incorrect' } }, { worker: 'c', answer: { label: 'incorrect' } }] },
      // More items all three agree on, so Dawid–Skene has something to estimate the reviewers from.
      ...[2, 3, 4, 5].map((i) => {
        const verdict = i % 2 === 0 ? 'correct' : 'incorrect';
        return { item: String(i), source: { ...SENT, source: `s${i}` }, image: null, gold: null, answers: ['a', 'b', 'c'].map((worker) => ({ worker, answer: { label: verdict } })) };
      }),
    ];
    const r = await consolidate({ jobName: 'check', taskType: 'verification', multiLabel: false, labels: ['correct', 'incorrect'], attribute: 'check', items, putMask: async () => '' });
    expect(r.lines[0]).toMatchObject({ sent: 0, 'sent-metadata': { 'class-name': 'pos' }, check: '0', 'check-metadata': { 'class-name': 'correct', type: 'groundtruth/label-verification', 'job-name': 'labeling-job/check', 'human-annotated': 'yes', 'worker-feedback': [{ comment: 'not so sure' }] } });
    expect(r.lines[1]).toMatchObject({ check: '1', 'check-metadata': { 'class-name': 'incorrect' } });
    expect(r.lines[1]['check-metadata']).not.toHaveProperty('worker-feedback');
    const c = (r.lines[0]['check-metadata'] as { confidence: number }).confidence;
    expect(c).toBeGreaterThan(0.5);
    expect(c).toBeLessThanOrEqual(1);
  });
});

describe.each(metadataTargets)('verification jobs on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let artifacts: ArtifactStore;
  let dir: string;
  let svc: LabelingService;
  const queue = { enqueue: async () => undefined, get: async () => null } as unknown as JobQueue;

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-verify-'));
    artifacts = await openArtifactStore({ artifactsUrl: pathToFileURL(dir).href } as never);
    await artifacts.put('m/sent.jsonl', [SENT, { ...SENT, source: 'dull' }].map((l) => JSON.stringify(l)).join('\n') + '\n');
    await artifacts.put('m/mixed.jsonl', [SENT, { source: 'no label' }].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const manifests: Record<string, string> = { sent: 'm/sent.jsonl', mixed: 'm/mixed.jsonl' };
    const datasets = { describe: async (ref: string) => ({ name: ref.split('@')[0], version: 1, format: 'jsonl', sourceUri: manifests[ref.split('@')[0]] }) as unknown as DatasetVersion };
    svc = new LabelingService({ metadata: store, queue, artifacts, datasets, labelers: async () => ['ann', 'bob'] });
  });
  afterEach(async () => {
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands out each line with the label to judge; refuses lines without one', async () => {
    const base = { dataset: 'sent', taskType: 'verification' as const, labels: ['correct', 'incorrect'] };
    expect(await svc.create({ ...base, name: 'v0' }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_INVALID', details: { errors: [{ field: 'labelAttribute' }] } });
    const mixed = await svc.create({ ...base, name: 'v1', dataset: 'mixed', labelAttribute: 'sent' }).catch((e: unknown) => e);
    expect(mixed).toMatchObject({ code: 'ORCH_LABELING_INVALID', details: { errors: [{ field: 'dataset[1]', message: expect.stringContaining('has no "sent"') }] } });
    expect(await svc.create({ ...base, name: 'v2', labelAttribute: 'sent', multiLabel: true }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_INVALID' });

    const job = await svc.create({ ...base, name: 'check', labelAttribute: 'sent' });
    expect(job).toMatchObject({ taskType: 'verification', labelAttribute: 'check', verifiedAttribute: 'sent', outputDataset: 'check-labels', counts: { total: 2 } });
    const task = await svc.next('check', 'ann');
    expect(task).toMatchObject({ item: '0', taskType: 'verification', labels: ['correct', 'incorrect'], image: null, verify: { attribute: 'sent', kind: 'classes', classes: ['pos'] } });
    expect(await svc.submit('check', '0', 'ann', { label: 'incorrect', comment: 'it is negative' })).toMatchObject({ duplicate: false });
    expect(await svc.submit('check', '1', 'ann', { label: 'correct' }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_LEASE' });
  });
});
