import { sql, type Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusChanges } from '../storage/index.js';

/** `labeling_jobs` (migration 0031). */
export interface LabelingJobsTable {
  name: string;
  dataset: string;
  dataset_version: number;
  task_type: string;
  multi_label: number;
  labels_json: string;
  annotators_per_item: number;
  lease_seconds: number;
  instructions: string | null;
  label_attribute: string;
  output_dataset: string;
  total_items: number;
  gold_items: number;
  labeled_items: number;
  status: string;
  failure_reason: string | null;
  output: string | null;
  estimates_json: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  /** Migration 0034: the team whose members alone are handed the items. */
  team: string | null;
  /** Migration 0034: a verification job's input attribute, the label its reviewers judge. */
  verified_attribute: string | null;
}

/** `labeling_items`: the job's items, in manifest order, gold ones with their answer. */
export interface LabelingItemsTable {
  job: string;
  item: string;
  seq: number;
  source_json: string;
  width: number | null;
  height: number | null;
  gold_json: string | null;
}

/** `labeling_answers`: one per (job, item, worker): the lease, then the answer. */
export interface LabelingAnswersTable {
  job: string;
  item: string;
  worker: string;
  leased_at: string;
  lease_expires_at: string;
  answer_json: string | null;
  answered_at: string | null;
}

interface LabelingTables {
  labeling_jobs: LabelingJobsTable;
  labeling_items: LabelingItemsTable;
  labeling_answers: LabelingAnswersTable;
}

export function labelingJobNotFound(name: string): OrchardError {
  return new OrchardError('ORCH_LABELING_NOT_FOUND', { message: `No labeling job '${name}'`, details: { name } });
}

/** Items are written in batches (SQLite's bound-parameter limit). */
const BATCH = 100;

/** Reads and writes labeling's tables; only the labeling capability uses it. */
export class LabelingStore {
  readonly statusChanges: StatusChanges;

  constructor(readonly metadata: MetadataStore) {
    this.statusChanges = readStatusChanges(metadata, 'labeling_jobs' as keyof Database);
  }

  private get db(): Kysely<LabelingTables> {
    return this.metadata.db as unknown as Kysely<LabelingTables>;
  }

  /** The job and its items, in one transaction (a job never exists without its items). */
  async insert(row: LabelingJobsTable, items: LabelingItemsTable[]): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('labeling_jobs').values(row).execute();
        for (let i = 0; i < items.length; i += BATCH) await tx.insertInto('labeling_items').values(items.slice(i, i + BATCH)).execute();
      });
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_LABELING_EXISTS', { message: `A labeling job named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async get(name: string): Promise<LabelingJobsTable> {
    const row = await this.db.selectFrom('labeling_jobs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw labelingJobNotFound(name);
    return row;
  }

  async list(filter: { status?: string; dataset?: string }, limit: number, offset: number): Promise<{ rows: LabelingJobsTable[]; total: number }> {
    let q = this.db.selectFrom('labeling_jobs');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.dataset) q = q.where('dataset', '=', filter.dataset);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Moves the job from one status to another; false when it was not in `from` (someone else moved it). */
  async transition(name: string, from: readonly string[], set: Partial<LabelingJobsTable> & { status: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('labeling_jobs')
      .set({ ...set, updated_at: new Date().toISOString() })
      .where('name', '=', name)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async item(job: string, item: string): Promise<LabelingItemsTable | undefined> {
    return this.db.selectFrom('labeling_items').selectAll().where('job', '=', job).where('item', '=', item).executeTakeFirst();
  }

  async items(job: string): Promise<LabelingItemsTable[]> {
    return this.db.selectFrom('labeling_items').selectAll().where('job', '=', job).orderBy('seq').execute();
  }

  async answers(job: string): Promise<LabelingAnswersTable[]> {
    return this.db.selectFrom('labeling_answers').selectAll().where('job', '=', job).orderBy('item').orderBy('answered_at').execute();
  }

  async row(job: string, item: string, worker: string): Promise<LabelingAnswersTable | undefined> {
    return this.db.selectFrom('labeling_answers').selectAll().where('job', '=', job).where('item', '=', item).where('worker', '=', worker).executeTakeFirst();
  }

  /**
   * Items the worker may be given now, in manifest order: never leased to them before,
   * with fewer than `perItem` answers plus live leases, and (`skipMachineLabeled`) no machine label.
   */
  async candidates(job: string, worker: string, perItem: number, now: string, limit: number, opts: { skipMachineLabeled?: boolean } = {}): Promise<LabelingItemsTable[]> {
    return this.db
      .selectFrom('labeling_items as i')
      .selectAll('i')
      .where('i.job', '=', job)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('labeling_answers as a').select('a.item').whereRef('a.job', '=', 'i.job').whereRef('a.item', '=', 'i.item').where('a.worker', '=', worker))))
      // With automated labeling (auto-label/, its own table), items a model labeled are not handed to people.
      .$if(opts.skipMachineLabeled === true, (qb) => qb.where(sql<boolean>`NOT EXISTS (SELECT 1 FROM labeling_machine_labels m WHERE m.job = i.job AND m.item = i.item)`))
      .where(
        (eb) =>
          eb
            .selectFrom('labeling_answers as b')
            .select(eb.fn.countAll().as('n'))
            .whereRef('b.job', '=', 'i.job')
            .whereRef('b.item', '=', 'i.item')
            .where((w) => w.or([w('b.answered_at', 'is not', null), w('b.lease_expires_at', '>', now)])),
        '<',
        perItem,
      )
      .orderBy('i.seq')
      .limit(limit)
      .execute();
  }

  /**
   * Takes a lease on the item for the worker when it has fewer than `perItem` answers and
   * live leases. The check and the insert run in one transaction holding the item's row:
   * PostgreSQL's read committed needs the row locked (SQLite's writer lock already orders
   * the transactions), so two labelers racing for an item's last place never both get it.
   */
  async lease(row: LabelingAnswersTable, perItem: number): Promise<boolean> {
    const pg = this.metadata.dialect === 'postgres';
    return this.db.transaction().execute(async (tx) => {
      const item = await tx
        .selectFrom('labeling_items')
        .select('item')
        .where('job', '=', row.job)
        .where('item', '=', row.item)
        .$if(pg, (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (!item) return false;
      const mine = await tx.selectFrom('labeling_answers').select('item').where('job', '=', row.job).where('item', '=', row.item).where('worker', '=', row.worker).executeTakeFirst();
      if (mine) return false;
      const taken = await tx
        .selectFrom('labeling_answers')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('job', '=', row.job)
        .where('item', '=', row.item)
        .where((w) => w.or([w('answered_at', 'is not', null), w('lease_expires_at', '>', row.leased_at)]))
        .executeTakeFirstOrThrow();
      if (Number(taken.n) >= perItem) return false;
      await tx.insertInto('labeling_answers').values(row).execute();
      return true;
    });
  }

  /** Records the answer on a live lease; false when the lease is gone, expired or already answered. */
  async answer(job: string, item: string, worker: string, answerJson: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('labeling_answers')
      .set({ answer_json: answerJson, answered_at: now })
      .where('job', '=', job)
      .where('item', '=', item)
      .where('worker', '=', worker)
      .where('answered_at', 'is', null)
      .where('lease_expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Answers per worker, and how many items (gold apart) have `perItem` answers; live leases. */
  async counts(job: string, perItem: number, now: string): Promise<{ answers: number; leased: number; complete: number; incomplete: number; perWorker: { worker: string; n: number }[] }> {
    const perWorker = await this.db
      .selectFrom('labeling_answers')
      .select(['worker', (eb) => eb.fn.countAll().as('n')])
      .where('job', '=', job)
      .where('answered_at', 'is not', null)
      .groupBy('worker')
      .orderBy('worker')
      .execute();
    const leased = await this.db
      .selectFrom('labeling_answers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('job', '=', job)
      .where('answered_at', 'is', null)
      .where('lease_expires_at', '>', now)
      .executeTakeFirstOrThrow();
    const complete = await sql<{ complete: number | string; incomplete: number | string }>`
      SELECT
        COALESCE(SUM(CASE WHEN n >= ${perItem} THEN 1 ELSE 0 END), 0) AS complete,
        COALESCE(SUM(CASE WHEN n < ${perItem} THEN 1 ELSE 0 END), 0) AS incomplete
      FROM (
        SELECT i.item, (SELECT COUNT(*) FROM labeling_answers a WHERE a.job = i.job AND a.item = i.item AND a.answered_at IS NOT NULL) AS n
        FROM labeling_items i WHERE i.job = ${job}
      ) t`.execute(this.db);
    const c = complete.rows[0];
    return {
      answers: perWorker.reduce((s, r) => s + Number(r.n), 0),
      leased: Number(leased.n),
      complete: Number(c?.complete ?? 0),
      incomplete: Number(c?.incomplete ?? 0),
      perWorker: perWorker.map((r) => ({ worker: r.worker, n: Number(r.n) })),
    };
  }

  /** Running jobs (for requeueing lost consolidations). */
  async consolidating(): Promise<string[]> {
    const rows = await this.db.selectFrom('labeling_jobs').select('name').where('status', 'in', ['Consolidating', 'Stopping']).execute();
    return rows.map((r) => r.name);
  }
}
