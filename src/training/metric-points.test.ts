import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import { migrations } from '../storage/metadata/migrations.js';
import type { MetadataStore } from '../storage/index.js';
import { TrainingStore, type TrainingSpec } from './training-store.js';

const SPEC: TrainingSpec = { algorithm: null, script: { entryPoint: 'train.js', sourceKey: 'k' }, hyperParameters: {}, channels: {}, maxRuntimeSeconds: 60, maxRetries: 0, metricDefinitions: [], tags: {} };
const at = new Date().toISOString();

describe.each(metadataTargets)('metric series on $name', (target) => {
  let opened: { store: MetadataStore; cleanup(): Promise<void> } | undefined;
  afterEach(async () => opened?.cleanup());

  const points = async (store: MetadataStore) =>
    (await store.db.selectFrom('training_job_metrics').select(['seq', 'name', 'value', 'step']).where('job_name', '=', 'm1').orderBy('seq').execute()).map((r) => ({ ...r, seq: Number(r.seq), step: r.step === null ? null : Number(r.step) }));

  it('keep one point per (job, metric, step) when an attempt runs again; points without a step all stay', async () => {
    opened = await target.open();
    const training = new TrainingStore(opened.store);
    await training.insert('m1', SPEC, null);
    await training.appendMetrics('m1', [
      { seq: 1, name: 'loss', value: 0.9, step: 1, at },
      { seq: 2, name: 'auc', value: 0.6, step: 1, at },
      { seq: 3, name: 'loss', value: 0.8, step: 2, at },
      { seq: 4, name: 'final', value: 1, step: null, at },
    ]);
    // The second attempt repeats step 2 and goes on.
    await training.appendMetrics('m1', [
      { seq: 5, name: 'loss', value: 0.81, step: 2, at },
      { seq: 6, name: 'loss', value: 0.7, step: 3, at },
      { seq: 7, name: 'final', value: 2, step: null, at },
    ]);
    expect(await points(opened.store)).toEqual([
      { seq: 1, name: 'loss', value: 0.9, step: 1 },
      { seq: 2, name: 'auc', value: 0.6, step: 1 },
      { seq: 3, name: 'loss', value: 0.8, step: 2 },
      { seq: 4, name: 'final', value: 1, step: null },
      { seq: 6, name: 'loss', value: 0.7, step: 3 },
      { seq: 7, name: 'final', value: 2, step: null },
    ]);
  });

  it('migration 0012 removes the points recorded twice before it, keeping the first', async () => {
    opened = await target.open();
    const { db } = opened.store;
    await new TrainingStore(opened.store).insert('m1', SPEC, null);
    await migrations['0012_metric_points_once'].down!(db);
    const row = (seq: number, name: string, step: number | null) => ({ job_name: 'm1', seq, name, value: seq, step, created_at: at });
    await db.insertInto('training_job_metrics').values([row(1, 'loss', 590), row(2, 'loss', 591), row(3, 'loss', 590), row(4, 'loss', 591), row(5, 'loss', 590), row(6, 'x', null), row(7, 'x', null)]).execute();
    await migrations['0012_metric_points_once'].up(db);
    expect((await points(opened.store)).map((p) => p.seq)).toEqual([1, 2, 6, 7]);
    await expect(sql`INSERT INTO training_job_metrics (job_name, seq, name, value, step, created_at) VALUES ('m1', 8, 'loss', 1, 590, ${at})`.execute(db)).rejects.toThrow();
  });
});
