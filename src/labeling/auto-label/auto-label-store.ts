import { sql, type Kysely } from 'kysely';
import type { MetadataStore } from '../../storage/index.js';
import type { LabelingItemsTable } from '../store.js';

/** `labeling_auto_label` (migration 0032): a job's automated-labeling settings and round state. */
export interface AutoLabelTable {
  job: string;
  target_accuracy: number;
  batch_share: number;
  holdout_share: number;
  state: string;
  round: number;
  next_round_at: number;
  training_job: string | null;
  threshold: number | null;
  expected_correct: number;
  last_error: string | null;
  updated_at: string;
}

/** `labeling_machine_labels`: the label a round's model gave an item no labeler answered. */
export interface MachineLabelsTable {
  job: string;
  item: string;
  label: string;
  confidence: number;
  round: number;
  created_at: string;
}

interface Tables {
  labeling_auto_label: AutoLabelTable;
  labeling_machine_labels: MachineLabelsTable;
  labeling_items: LabelingItemsTable;
  labeling_answers: { job: string; item: string; worker: string; leased_at: string; lease_expires_at: string; answer_json: string | null; answered_at: string | null };
}

const BATCH = 100;

/** Reads and writes automated labeling's tables (and reads labeling's items and answers). */
export class AutoLabelStore {
  constructor(readonly metadata: MetadataStore) {}

  private get db(): Kysely<Tables> {
    return this.metadata.db as unknown as Kysely<Tables>;
  }

  async insert(row: AutoLabelTable): Promise<void> {
    await this.db.insertInto('labeling_auto_label').values(row).execute();
  }

  async get(job: string): Promise<AutoLabelTable | undefined> {
    return this.db.selectFrom('labeling_auto_label').selectAll().where('job', '=', job).executeTakeFirst();
  }

  /** Moves the round state when it is still `from` in round `round`; false when someone else moved it. */
  async transition(job: string, from: { state: string; round: number }, set: Partial<AutoLabelTable>): Promise<boolean> {
    const res = await this.db
      .updateTable('labeling_auto_label')
      .set({ ...set, updated_at: new Date().toISOString() })
      .where('job', '=', job)
      .where('state', '=', from.state)
      .where('round', '=', from.round)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Machine labels of a round; an item labeled before (by an earlier attempt or round) keeps its label. */
  async addLabels(rows: MachineLabelsTable[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db
        .insertInto('labeling_machine_labels')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) => oc.columns(['job', 'item']).doNothing())
        .execute();
    }
  }

  async labels(job: string): Promise<MachineLabelsTable[]> {
    return this.db.selectFrom('labeling_machine_labels').selectAll().where('job', '=', job).execute();
  }

  async machineLabeled(job: string): Promise<number> {
    const r = await this.db.selectFrom('labeling_machine_labels').select((eb) => eb.fn.countAll().as('n')).where('job', '=', job).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Dataset items (gold apart) with all their human answers, and items still waiting for
   * people: fewer answers than `perItem` and no machine label.
   */
  async progress(job: string, perItem: number): Promise<{ humanComplete: number; waiting: number }> {
    const r = await sql<{ complete: number | string; waiting: number | string }>`
      SELECT
        COALESCE(SUM(CASE WHEN n >= ${perItem} AND gold = 0 THEN 1 ELSE 0 END), 0) AS complete,
        COALESCE(SUM(CASE WHEN n < ${perItem} AND m = 0 THEN 1 ELSE 0 END), 0) AS waiting
      FROM (
        SELECT i.item,
          CASE WHEN i.gold_json IS NULL THEN 0 ELSE 1 END AS gold,
          (SELECT COUNT(*) FROM labeling_answers a WHERE a.job = i.job AND a.item = i.item AND a.answered_at IS NOT NULL) AS n,
          (SELECT COUNT(*) FROM labeling_machine_labels l WHERE l.job = i.job AND l.item = i.item) AS m
        FROM labeling_items i WHERE i.job = ${job}
      ) t`.execute(this.db);
    return { humanComplete: Number(r.rows[0]?.complete ?? 0), waiting: Number(r.rows[0]?.waiting ?? 0) };
  }

  /** Dataset items nobody has answered or holds a live lease on, with no machine label: what a round may label. */
  async unlabeled(job: string, now: string): Promise<LabelingItemsTable[]> {
    return this.db
      .selectFrom('labeling_items as i')
      .selectAll('i')
      .where('i.job', '=', job)
      .where('i.gold_json', 'is', null)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('labeling_machine_labels as m').select('m.item').whereRef('m.job', '=', 'i.job').whereRef('m.item', '=', 'i.item'))))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('labeling_answers as a')
              .select('a.item')
              .whereRef('a.job', '=', 'i.job')
              .whereRef('a.item', '=', 'i.item')
              .where((w) => w.or([w('a.answered_at', 'is not', null), w('a.lease_expires_at', '>', now)])),
          ),
        ),
      )
      .orderBy('i.seq')
      .execute();
  }
}
