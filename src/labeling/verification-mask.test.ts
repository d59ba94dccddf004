import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { DatasetVersion } from '../contracts/index.js';
import type { JobQueue } from '../jobs/index.js';
import { openArtifactStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { encodeMaskPng } from './consolidation/index.js';
import { LabelingService } from './service.js';
import { labelToVerify } from './verification.js';

const COLORS = {
  '0': { 'class-name': 'BACKGROUND', confidence: 0.9, 'hex-color': '#ffffff' },
  '2': { 'class-name': 'car', confidence: 0.9, 'hex-color': '#1F77B4' },
  '1': { 'class-name': 'road', confidence: 0.9, 'hex-color': '#2ca02c' },
};
const SEG = {
  'source-ref': 'img/0.png',
  'seg-ref': 'masks/0.png',
  'seg-ref-metadata': { type: 'groundtruth/semantic-segmentation', 'job-name': 'labeling-job/seg', 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00', 'internal-color-map': COLORS },
};

describe('a semantic-segmentation label to verify', () => {
  it('is the mask’s location with its classes by pixel value, background left out', () => {
    expect(labelToVerify(SEG, 'seg-ref')).toEqual({
      image: true,
      label: {
        attribute: 'seg-ref',
        type: 'groundtruth/semantic-segmentation',
        kind: 'mask',
        classes: ['road', 'car'],
        boxes: [],
        entities: [],
        mask: { ref: 'masks/0.png', classes: [{ value: 1, name: 'road', color: '#2ca02c' }, { value: 2, name: 'car', color: '#1f77b4' }] },
      },
    });
  });

  it('says what keeps it from being verified', () => {
    expect(labelToVerify({ ...SEG, seg: 'm.png', 'seg-metadata': SEG['seg-ref-metadata'] }, 'seg')).toEqual({ problem: expect.stringContaining('ends with "-ref"') });
    expect(labelToVerify({ ...SEG, 'seg-ref': 3 }, 'seg-ref')).toEqual({ problem: expect.stringContaining('mask PNG') });
    const noMap = { ...SEG, 'seg-ref-metadata': { ...SEG['seg-ref-metadata'], 'internal-color-map': undefined } };
    expect(labelToVerify(noMap, 'seg-ref')).toEqual({ problem: expect.stringContaining('no "internal-color-map"') });
    const badColor = { ...SEG, 'seg-ref-metadata': { ...SEG['seg-ref-metadata'], 'internal-color-map': { '1': { 'class-name': 'road', 'hex-color': 'green' } } } };
    expect(labelToVerify(badColor, 'seg-ref')).toEqual({ problem: expect.stringContaining('#rrggbb') });
  });
});

describe.each(metadataTargets)('segmentation verification jobs on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let artifacts: ArtifactStore;
  let dir: string;
  let svc: LabelingService;
  const queue = { enqueue: async () => undefined, get: async () => null } as unknown as JobQueue;
  const mask = encodeMaskPng(new Uint8Array(8 * 6).fill(1), 8, 6, ['#ffffff', '#2ca02c', '#1f77b4']);

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-verify-mask-'));
    artifacts = await openArtifactStore({ artifactsUrl: pathToFileURL(dir).href } as never);
    await artifacts.put('img/0.png', encodeMaskPng(new Uint8Array(8 * 6), 8, 6, ['#000000']));
    await artifacts.put('masks/0.png', mask);
    await artifacts.put('m/seg.jsonl', JSON.stringify(SEG) + '\n');
    const datasets = { describe: async (ref: string) => ({ name: ref.split('@')[0], version: 1, format: 'jsonl', sourceUri: 'm/seg.jsonl' }) as unknown as DatasetVersion };
    svc = new LabelingService({ metadata: store, queue, artifacts, datasets, labelers: async () => ['ann', 'bob'] });
  });
  afterEach(async () => {
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands out the image with its mask, the mask only to the item’s labeler', async () => {
    await svc.create({ name: 'check-seg', dataset: 'seg', taskType: 'verification', labels: ['correct', 'incorrect'], labelAttribute: 'seg-ref' });
    const task = await svc.next('check-seg', 'ann');
    expect(task).toMatchObject({ image: { width: 8, height: 6 }, verify: { kind: 'mask', mask: { ref: 'masks/0.png' } } });
    const got = await svc.image('check-seg', '0', 'ann', 'mask');
    expect(got.contentType).toBe('image/png');
    expect(got.body.equals(mask)).toBe(true);
    expect(await svc.image('check-seg', '0', 'bob', 'mask').catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_LEASE' });
  });
});
