import { sql, type Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusChanges } from '../storage/index.js';

/** `review_flows` (migration 0033): flow definitions. */
export interface ReviewFlowsTable {
  name: string;
  endpoint: string | null;
  labels_json: string;
  instructions: string | null;
  workers_json: string | null;
  reviewers_per_loop: number;
  lease_seconds: number;
  activation_json: string | null;
  /** Migration 0035: the automatic export's dataset and period, and the lease of the server writing one. */
  export_dataset: string | null;
  export_every: number | null;
  export_lease_until: string | null;
  created_by: string | null;
  created_at: string;
}

/** `human_loops`: one per reviewed prediction (or StartHumanLoop call). */
export interface HumanLoopsTable {
  name: string;
  flow: string;
  status: string;
  source: string;
  endpoint: string | null;
  variant: string | null;
  inference_id: string | null;
  confidence: number | null;
  predicted_label: string | null;
  records: number | null;
  input_json: string;
  reviewers_per_loop: number;
  output: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

/** `human_loop_answers`: one per (loop, reviewer): the lease, then the answer. */
export interface HumanLoopAnswersTable {
  loop: string;
  worker: string;
  leased_at: string;
  lease_expires_at: string;
  answer_json: string | null;
  answered_at: string | null;
}

interface ReviewTables {
  review_flows: ReviewFlowsTable;
  human_loops: HumanLoopsTable;
  human_loop_answers: HumanLoopAnswersTable;
}

export const flowNotFound = (name: string) => new OrchardError('ORCH_REVIEW_FLOW_NOT_FOUND', { message: `No flow definition '${name}'`, details: { name } });
export const loopNotFound = (name: string) => new OrchardError('ORCH_REVIEW_LOOP_NOT_FOUND', { message: `No human loop '${name}'`, details: { name } });

/** Reads and writes human review's tables; only the reviews capability uses it. */
export class ReviewStore {
  readonly statusChanges: StatusChanges;

  constructor(readonly metadata: MetadataStore) {
    this.statusChanges = readStatusChanges(metadata, 'human_loops' as keyof Database);
  }

  private get db(): Kysely<ReviewTables> {
    return this.metadata.db as unknown as Kysely<ReviewTables>;
  }

  async insertFlow(row: ReviewFlowsTable): Promise<void> {
    try {
      await this.db.insertInto('review_flows').values(row).execute();
    } catch (err) {
      if (!this.metadata.isUniqueViolation(err)) throw err;
      if (await this.db.selectFrom('review_flows').select('name').where('name', '=', row.name).executeTakeFirst()) {
        throw new OrchardError('ORCH_REVIEW_FLOW_EXISTS', { message: `A flow definition named '${row.name}' exists`, details: { name: row.name } });
      }
      throw new OrchardError('ORCH_REVIEW_ENDPOINT_TAKEN', { message: `Another flow definition reviews endpoint '${row.endpoint}'`, details: { endpoint: row.endpoint } });
    }
  }

  async flow(name: string): Promise<ReviewFlowsTable> {
    const row = await this.db.selectFrom('review_flows').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw flowNotFound(name);
    return row;
  }

  async flows(filter: { endpoint?: string }, limit: number, offset: number): Promise<{ rows: ReviewFlowsTable[]; total: number }> {
    let q = this.db.selectFrom('review_flows');
    if (filter.endpoint) q = q.where('endpoint', '=', filter.endpoint);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Flows that watch an endpoint (the taps set up when the server starts). */
  async endpointFlows(): Promise<ReviewFlowsTable[]> {
    return this.db.selectFrom('review_flows').selectAll().where('endpoint', 'is not', null).execute();
  }

  async deleteFlow(name: string): Promise<void> {
    await this.db.deleteFrom('review_flows').where('name', '=', name).execute();
  }

  async loopCounts(flow: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('human_loops').select(['status', (eb) => eb.fn.countAll().as('n')]).where('flow', '=', flow).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async insertLoop(row: HumanLoopsTable): Promise<void> {
    try {
      await this.db.insertInto('human_loops').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_REVIEW_LOOP_EXISTS', { message: `A human loop named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async loop(name: string): Promise<HumanLoopsTable> {
    const row = await this.db.selectFrom('human_loops').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw loopNotFound(name);
    return row;
  }

  async loops(filter: { flow?: string; status?: string; endpoint?: string }, limit: number, offset: number): Promise<{ rows: HumanLoopsTable[]; total: number }> {
    let q = this.db.selectFrom('human_loops');
    if (filter.flow) q = q.where('flow', '=', filter.flow);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.endpoint) q = q.where('endpoint', '=', filter.endpoint);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /**
   * A flow's completed loops in the order they ended (then by name), after a watermark
   * (`ended_at`, `name`) and from a time on; the export reads them a page at a time.
   */
  async completedLoops(flow: string, after: { endedAt: string; name: string } | null, since: string | null, limit: number): Promise<HumanLoopsTable[]> {
    let q = this.db.selectFrom('human_loops').selectAll().where('flow', '=', flow).where('status', '=', 'Completed').where('ended_at', 'is not', null);
    if (since !== null) q = q.where('ended_at', '>=', since);
    if (after !== null) q = q.where((w) => w.or([w('ended_at', '>', after.endedAt), w.and([w('ended_at', '=', after.endedAt), w('name', '>', after.name)])]));
    return q.orderBy('ended_at').orderBy('name').limit(limit).execute();
  }

  /** Completed loops of a flow after a watermark (all of them without one). */
  async completedCount(flow: string, after: { endedAt: string; name: string } | null): Promise<number> {
    let q = this.db.selectFrom('human_loops').where('flow', '=', flow).where('status', '=', 'Completed').where('ended_at', 'is not', null);
    if (after !== null) q = q.where((w) => w.or([w('ended_at', '>', after.endedAt), w.and([w('ended_at', '=', after.endedAt), w('name', '>', after.name)])]));
    return Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  }

  /** Takes the flow's export lease when no live one is held (one server of a fleet exports at a time); false otherwise. */
  async leaseExport(flow: string, now: string, until: string): Promise<boolean> {
    const res = await this.db
      .updateTable('review_flows')
      .set({ export_lease_until: until })
      .where('name', '=', flow)
      .where((w) => w.or([w('export_lease_until', 'is', null), w('export_lease_until', '<=', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async releaseExport(flow: string): Promise<void> {
    await this.db.updateTable('review_flows').set({ export_lease_until: null }).where('name', '=', flow).execute();
  }

  /** The answers of several loops at once. */
  async answersOf(loops: readonly string[]): Promise<HumanLoopAnswersTable[]> {
    if (loops.length === 0) return [];
    return this.db.selectFrom('human_loop_answers').selectAll().where('loop', 'in', [...loops]).where('answered_at', 'is not', null).orderBy('answered_at').orderBy('worker').execute();
  }

  /** Moves a loop from one status to another; false when it was not in `from`. */
  async transition(name: string, from: readonly string[], set: Partial<HumanLoopsTable> & { status: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('human_loops')
      .set({ ...set, updated_at: new Date().toISOString() })
      .where('name', '=', name)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Stops a flow's loops that wait for reviewers (its deletion). */
  async stopFlowLoops(flow: string, now: string): Promise<void> {
    await this.db.updateTable('human_loops').set({ status: 'Stopped', updated_at: now, ended_at: now }).where('flow', '=', flow).where('status', '=', 'InProgress').execute();
  }

  async answers(loop: string): Promise<HumanLoopAnswersTable[]> {
    return this.db.selectFrom('human_loop_answers').selectAll().where('loop', '=', loop).orderBy('answered_at').orderBy('worker').execute();
  }

  async answerRow(loop: string, worker: string): Promise<HumanLoopAnswersTable | undefined> {
    return this.db.selectFrom('human_loop_answers').selectAll().where('loop', '=', loop).where('worker', '=', worker).executeTakeFirst();
  }

  /**
   * In-progress loops the worker may be given now, oldest first: of the given flows, never
   * leased to them, with fewer answers and live leases than the loop's reviewers.
   */
  async candidates(flows: readonly string[], worker: string, now: string, limit: number): Promise<HumanLoopsTable[]> {
    if (flows.length === 0) return [];
    return this.db
      .selectFrom('human_loops as l')
      .selectAll('l')
      .where('l.flow', 'in', [...flows])
      .where('l.status', '=', 'InProgress')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('human_loop_answers as a').select('a.loop').whereRef('a.loop', '=', 'l.name').where('a.worker', '=', worker))))
      .where(
        (eb) =>
          eb
            .selectFrom('human_loop_answers as b')
            .select(eb.fn.countAll().as('n'))
            .whereRef('b.loop', '=', 'l.name')
            .where((w) => w.or([w('b.answered_at', 'is not', null), w('b.lease_expires_at', '>', now)])),
        '<',
        sql.ref<number>('l.reviewers_per_loop'),
      )
      .orderBy('l.created_at')
      .orderBy('l.name')
      .limit(limit)
      .execute();
  }

  /**
   * Takes a lease on the loop when it has fewer answers and live leases than its reviewers,
   * in one transaction holding the loop's row (PostgreSQL's read committed needs the lock;
   * SQLite's writer lock already orders transactions).
   */
  async lease(row: HumanLoopAnswersTable): Promise<boolean> {
    const pg = this.metadata.dialect === 'postgres';
    return this.db.transaction().execute(async (tx) => {
      const loop = await tx
        .selectFrom('human_loops')
        .select(['status', 'reviewers_per_loop'])
        .where('name', '=', row.loop)
        .$if(pg, (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (!loop || loop.status !== 'InProgress') return false;
      const mine = await tx.selectFrom('human_loop_answers').select('loop').where('loop', '=', row.loop).where('worker', '=', row.worker).executeTakeFirst();
      if (mine) return false;
      const taken = await tx
        .selectFrom('human_loop_answers')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('loop', '=', row.loop)
        .where((w) => w.or([w('answered_at', 'is not', null), w('lease_expires_at', '>', row.leased_at)]))
        .executeTakeFirstOrThrow();
      if (Number(taken.n) >= loop.reviewers_per_loop) return false;
      await tx.insertInto('human_loop_answers').values(row).execute();
      return true;
    });
  }

  /** Records the answer on a live lease; false when the lease is gone, expired or already answered. */
  async answer(loop: string, worker: string, answerJson: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('human_loop_answers')
      .set({ answer_json: answerJson, answered_at: now })
      .where('loop', '=', loop)
      .where('worker', '=', worker)
      .where('answered_at', 'is', null)
      .where('lease_expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
