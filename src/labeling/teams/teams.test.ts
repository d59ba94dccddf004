import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../../test/support/metadata.js';
import type { DatasetVersion } from '../../contracts/index.js';
import type { JobQueue } from '../../jobs/index.js';
import { openArtifactStore, type ArtifactStore, type MetadataStore } from '../../storage/index.js';
import { LabelingService } from '../service.js';

/** A dataset service that knows one manifest per name, stored as an artifact. */
function datasets(manifests: Record<string, string>) {
  return {
    describe: async (ref: string) => {
      const name = ref.split('@')[0];
      return { name, version: 1, format: 'jsonl', sourceUri: manifests[name] } as unknown as DatasetVersion;
    },
  };
}

const queue = { enqueue: async () => undefined, get: async () => null } as unknown as JobQueue;

describe.each(metadataTargets)('labeling teams on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let artifacts: ArtifactStore;
  let dir: string;
  let labelers: string[];
  let svc: LabelingService;

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-teams-'));
    artifacts = await openArtifactStore({ artifactsUrl: pathToFileURL(dir).href, s3Endpoint: undefined, s3Region: 'us-east-1' } as never);
    await artifacts.put('m/texts.jsonl', ['good', 'bad', 'fine'].map((source) => JSON.stringify({ source })).join('\n') + '\n');
    labelers = ['ann', 'bob', 'cyd', 'dee'];
    svc = new LabelingService({ metadata: store, queue, artifacts, datasets: datasets({ texts: 'm/texts.jsonl' }), labelers: async () => labelers });
  });
  afterEach(async () => {
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists, updates and deletes teams of labelers', async () => {
    const t = await svc.teams.create({ name: 'red', members: ['bob', 'ann', 'bob'], description: 'the red team', createdBy: 'admin' });
    expect(t).toMatchObject({ name: 'red', members: ['ann', 'bob'], description: 'the red team', activeJobs: [], createdBy: 'admin' });
    await svc.teams.create({ name: 'blue', members: ['cyd'] });
    await expect(svc.teams.create({ name: 'red', members: ['cyd'] })).rejects.toMatchObject({ code: 'ORCH_LABELING_TEAM_EXISTS' });
    // Every member must be an enabled labeler; every problem is listed.
    const bad = await svc.teams.create({ name: 'x', members: ['ann', 'zed', 'admin'] }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'ORCH_LABELING_INVALID', details: { errors: [{ field: 'members[1]' }, { field: 'members[2]' }] } });
    expect((await svc.teams.list()).items.map((x) => x.name)).toEqual(['blue', 'red']);
    expect((await svc.teams.list({ member: 'ann' })).items.map((x) => x.name)).toEqual(['red']);

    expect(await svc.teams.update('red', { add: ['dee'], remove: ['bob'], description: null })).toMatchObject({ members: ['ann', 'dee'], description: null });
    await expect(svc.teams.update('red', { remove: ['bob'] })).rejects.toMatchObject({ code: 'ORCH_LABELING_INVALID' });
    await expect(svc.teams.update('red', { remove: ['ann', 'dee'] })).rejects.toMatchObject({ code: 'ORCH_LABELING_INVALID' });
    await expect(svc.teams.update('nope', { add: ['ann'] })).rejects.toMatchObject({ code: 'ORCH_LABELING_TEAM_NOT_FOUND' });
    await svc.teams.delete('blue');
    await expect(svc.teams.describe('blue')).rejects.toMatchObject({ code: 'ORCH_LABELING_TEAM_NOT_FOUND' });
  });

  it('hands a team job to its members only, and keeps the team while the job runs', async () => {
    await svc.teams.create({ name: 'red', members: ['ann', 'bob'] });
    const base = { dataset: 'texts', taskType: 'text-classification' as const, labels: ['pos', 'neg'] };
    // Fewer members than annotators per item, or no such team: refused at create with their own codes.
    const short = await svc.create({ ...base, name: 'short', team: 'red', annotatorsPerItem: 3 }).catch((e: unknown) => e);
    expect(short).toMatchObject({ code: 'ORCH_LABELING_WORKFORCE', message: expect.stringContaining("team 'red' has 2 enabled labeler(s) (ann, bob)") });
    expect(await svc.create({ ...base, name: 'ghost', team: 'nope' }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_TEAM_NOT_FOUND' });
    // A disabled member does not count.
    labelers = ['ann', 'cyd', 'dee'];
    expect(await svc.create({ ...base, name: 'two', team: 'red', annotatorsPerItem: 2 }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_WORKFORCE' });
    labelers = ['ann', 'bob', 'cyd', 'dee'];

    const job = await svc.create({ ...base, name: 'red-job', team: 'red', annotatorsPerItem: 2 });
    expect(job).toMatchObject({ team: 'red', verifiedAttribute: null });
    await svc.create({ ...base, name: 'open-job' });
    expect((await svc.next('red-job', 'ann'))?.item).toBe('0');
    expect(await svc.next('red-job', 'cyd').catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_NOT_TEAM_MEMBER', status: 403 });
    expect((await svc.work('cyd')).map((w) => w.job)).toEqual(['open-job']);
    expect((await svc.work('bob')).map((w) => w.job).sort()).toEqual(['open-job', 'red-job']);
    expect((await svc.work('bob')).find((w) => w.job === 'red-job')).toMatchObject({ team: 'red' });

    // The team cannot be deleted, nor shrink below the job's two annotators, while the job runs.
    expect(await svc.teams.describe('red')).toMatchObject({ activeJobs: ['red-job'] });
    expect(await svc.teams.delete('red').catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_TEAM_IN_USE', details: { jobs: ['red-job'] } });
    expect(await svc.teams.update('red', { remove: ['bob'] }).catch((e: unknown) => e)).toMatchObject({ code: 'ORCH_LABELING_TEAM_IN_USE' });
    // Adding a member is fine; so is removing one while enough are left.
    await svc.teams.update('red', { add: ['cyd'] });
    expect((await svc.next('red-job', 'cyd'))?.item).toBe('0');
    await svc.teams.update('red', { remove: ['bob'] });
    // Once the job ended, the team can go; the job keeps its name.
    await svc.stop('red-job');
    await store.db.updateTable('labeling_jobs' as never).set({ status: 'Stopped' } as never).where('name' as never, '=', 'red-job' as never).execute();
    await svc.teams.delete('red');
    expect(await svc.describe('red-job')).toMatchObject({ team: 'red', status: 'Stopped' });
  });
});
