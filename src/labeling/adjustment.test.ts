import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { DatasetVersion } from '../contracts/index.js';
import type { JobQueue } from '../jobs/index.js';
import { openArtifactStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { adjustmentStatus, existingLabel, sameAnswer, withAdjustmentStatus } from './adjustment.js';
import { consolidate } from './consolidate.js';
import { encodeMaskPng } from './consolidation/index.js';
import { LabelingService } from './service.js';

const meta = (type: string, extra: Record<string, unknown> = {}) => ({ type, 'job-name': 'labeling-job/first', 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00', ...extra });
const IMG = { width: 40, height: 30 };
const BOXES = {
  'source-ref': 'img/0.png',
  cars: { annotations: [{ class_id: 0, left: 2, top: 3, width: 10, height: 5 }], image_size: [{ width: 40, height: 30, depth: 3 }] },
  'cars-metadata': meta('groundtruth/object-detection', { objects: [{ confidence: 0.8 }], 'class-map': { '0': 'car' } }),
};
const SENT = { source: 'a delightful film', sent: 0, 'sent-metadata': meta('groundtruth/text-classification', { 'class-name': 'pos', confidence: 0.9 }) };
const ctx = (taskType: 'bounding-box' | 'text-classification' | 'polygon' | 'ner' | 'image-classification', labels: string[], extra: { multiLabel?: boolean; text?: string | null } = {}) => ({
  taskType,
  multiLabel: extra.multiLabel ?? false,
  labels,
  image: ['bounding-box', 'polygon', 'image-classification'].includes(taskType) ? IMG : null,
  text: extra.text ?? null,
});

describe('the existing label an adjustment pre-fills', () => {
  it('reads classes, boxes, spans and segmentation outlines as answers of the task', () => {
    expect(existingLabel(SENT, 'sent', ctx('text-classification', ['pos', 'neg']))).toEqual({ answer: { label: 'pos' } });
    expect(existingLabel(BOXES, 'cars', ctx('bounding-box', ['car', 'bus']))).toEqual({ answer: { boxes: [{ label: 'car', left: 2, top: 3, width: 10, height: 5 }] } });
    const multi = { 'source-ref': 'i.png', tags: [0, 2], 'tags-metadata': meta('groundtruth/image-classification-multilabel', { 'class-map': { '0': 'cat', '2': 'dog' } }) };
    expect(existingLabel(multi, 'tags', ctx('image-classification', ['cat', 'dog'], { multiLabel: true }))).toEqual({ answer: { labels: ['cat', 'dog'] } });
    const ner = { source: 'Ada wrote', ents: { annotations: { entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }] } }, 'ents-metadata': meta('groundtruth/text-span') };
    expect(existingLabel(ner, 'ents', ctx('ner', ['PER', 'ORG'], { text: 'Ada wrote' }))).toEqual({ answer: { entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }] } });
    const seg = {
      'source-ref': 'i.png',
      'seg-ref': 'masks/0.png',
      'seg-ref-metadata': meta('groundtruth/semantic-segmentation', {
        'internal-color-map': { '0': { 'class-name': 'BACKGROUND', 'hex-color': '#ffffff' }, '1': { 'class-name': 'road', 'hex-color': '#2ca02c' } },
        polygons: [
          { class_id: 1, vertices: [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }], hole: false },
          { class_id: 1, vertices: [{ x: 2, y: 2 }, { x: 2, y: 4 }, { x: 4, y: 4 }], hole: true },
        ],
      }),
    };
    expect(existingLabel(seg, 'seg-ref', ctx('polygon', ['road']))).toEqual({ answer: { polygons: [{ label: 'road', vertices: [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }] }] } });
  });

  it('says why a line cannot be adjusted: no label, another shape, a class the job lacks, a box outside the image', () => {
    expect(existingLabel({ source: 'x' }, 'sent', ctx('text-classification', ['pos']))).toEqual({ problem: expect.stringContaining('has no "sent"') });
    expect(existingLabel(SENT, 'sent', ctx('bounding-box', ['pos']))).toEqual({ problem: expect.stringContaining('reads groundtruth/object-detection') });
    expect(existingLabel(SENT, 'sent', ctx('text-classification', ['neg']))).toEqual({ problem: expect.stringContaining('unknown label "pos"') });
    const wide = { ...BOXES, cars: { annotations: [{ class_id: 0, left: 35, top: 3, width: 10, height: 5 }] } };
    expect(existingLabel(wide, 'cars', ctx('bounding-box', ['car']))).toEqual({ problem: expect.stringContaining('outside the 40×30 image') });
    const bare = { 'source-ref': 'i.png', 'seg-ref': 'm.png', 'seg-ref-metadata': meta('groundtruth/semantic-segmentation', { 'internal-color-map': {} }) };
    expect(existingLabel(bare, 'seg-ref', ctx('polygon', ['road']))).toEqual({ problem: expect.stringContaining('no "polygons"') });
  });
});

describe('adjustment-status', () => {
  const box = { label: 'car', left: 2, top: 3, width: 10, height: 5 };
  it('is unadjusted when every answer keeps the label (shape order and sub-pixel jitter aside)', () => {
    const before = { boxes: [box, { ...box, left: 20 }] };
    expect(adjustmentStatus(before, [{ boxes: [{ ...box, left: 20.3 }, box] }])).toBe('unadjusted');
    expect(adjustmentStatus(before, [{ boxes: [box, { ...box, left: 20 }] }, { boxes: [box] }])).toBe('adjusted');
    expect(adjustmentStatus(before, [{ boxes: [box, { ...box, left: 24 }] }])).toBe('adjusted');
    expect(sameAnswer({ label: 'pos' }, { label: 'neg' })).toBe(false);
    expect(sameAnswer({ labels: ['a', 'b'] }, { labels: ['b', 'a'] })).toBe(true);
    expect(sameAnswer({ entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }] }, { entities: [{ label: 'PER', startOffset: 0, endOffset: 4 }] })).toBe(false);
  });

  it('goes into the output line’s -metadata beside the consolidated label', async () => {
    const items = [
      { item: '0', source: BOXES, image: IMG, gold: null, answers: [{ worker: 'a', answer: { boxes: [{ ...box, label: 'car', left: 12 }] } }] },
      { item: '1', source: { ...BOXES, 'source-ref': 'img/1.png' }, image: IMG, gold: null, answers: [{ worker: 'a', answer: { boxes: [box] } }] },
    ];
    const job = { attribute: 'fixed', adjusted: 'cars', taskType: 'bounding-box' as const, multiLabel: false, labels: ['car', 'bus'] };
    const r = await consolidate({ jobName: 'fix', taskType: 'bounding-box', multiLabel: false, labels: job.labels, attribute: 'fixed', items, putMask: async () => '' });
    const lines = withAdjustmentStatus(r.lines, items, job);
    expect(lines[0]).toMatchObject({ cars: BOXES.cars, fixed: { annotations: [{ class_id: 0, left: 12, top: 3, width: 10, height: 5 }] }, 'fixed-metadata': { 'adjustment-status': 'adjusted', type: 'groundtruth/object-detection' } });
    expect(lines[1]).toMatchObject({ 'fixed-metadata': { 'adjustment-status': 'unadjusted' } });
  });
});

describe.each(metadataTargets)('adjustment jobs on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let artifacts: ArtifactStore;
  let dir: string;
  let svc: LabelingService;
  const queue = { enqueue: async () => undefined, get: async () => null } as unknown as JobQueue;

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-adjust-'));
    artifacts = await openArtifactStore({ artifactsUrl: pathToFileURL(dir).href } as never);
    await artifacts.put('img/0.png', encodeMaskPng(new Uint8Array(40 * 30), 40, 30, ['#000000']));
    const lines = { boxes: [BOXES], mixed: [BOXES, { 'source-ref': 'img/0.png' }], sent: [SENT] };
    for (const [k, ls] of Object.entries(lines)) await artifacts.put(`m/${k}.jsonl`, ls.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const datasets = { describe: async (ref: string) => ({ name: ref.split('@')[0], version: 1, format: 'jsonl', sourceUri: `m/${ref.split('@')[0]}.jsonl` }) as unknown as DatasetVersion };
    svc = new LabelingService({ metadata: store, queue, artifacts, datasets, labelers: async () => ['ann', 'bob'] });
  });
  afterEach(async () => {
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses at create a line without the label or with one of another shape, and hands out each item pre-filled', async () => {
    const base = { taskType: 'bounding-box' as const, labels: ['car', 'bus'], adjustAttribute: 'cars' };
    expect(await svc.create({ ...base, name: 'a0', dataset: 'mixed' }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_ADJUST_INVALID', details: { errors: [{ field: 'dataset[1]', message: expect.stringContaining('has no "cars"') }] } });
    expect(await svc.create({ ...base, name: 'a1', dataset: 'sent', taskType: 'text-classification', adjustAttribute: 'sent', labels: ['neg'] }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_ADJUST_INVALID' });
    expect(await svc.create({ ...base, name: 'a2', dataset: 'boxes', taskType: 'verification', labels: ['correct', 'incorrect'], labelAttribute: 'cars' }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_INVALID', details: { errors: [{ field: 'adjustAttribute' }] } });
    expect(await svc.create({ ...base, name: 'cars', dataset: 'boxes' }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_INVALID', details: { errors: [{ field: 'adjustAttribute' }] } });

    const job = await svc.create({ ...base, name: 'fix', dataset: 'boxes' });
    expect(job).toMatchObject({ adjustAttribute: 'cars', verifiedAttribute: null, labelAttribute: 'fix' });
    const task = await svc.next('fix', 'ann');
    expect(task).toMatchObject({ item: '0', adjust: { attribute: 'cars', answer: { boxes: [{ label: 'car', left: 2, top: 3, width: 10, height: 5 }] } } });
  });
});
