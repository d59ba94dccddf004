import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusChanges } from '../storage/index.js';
import { ALARM_LIMITS } from '../contracts/alarm-values.js';

/** `alarms` (migration 0027): one row per alarm, its state in `status`. */
export interface AlarmsTable {
  name: string;
  description: string | null;
  namespace: string;
  metric: string;
  dimensions_json: string;
  endpoint: string | null;
  stat: string;
  period: number;
  threshold: string;
  comparison: string;
  evaluation_periods: number;
  datapoints_to_alarm: number;
  treat_missing_data: string;
  actions_json: string;
  ok_actions_json: string;
  enabled: number;
  status: string;
  state_reason: string;
  state_updated_at: string;
  last_evaluated_at: string | null;
  last_datapoints_json: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** `alarm_transitions`: an alarm's state changes, each with its actions' results. */
export interface AlarmTransitionsTable {
  id: string;
  alarm: string;
  at: string;
  from_state: string;
  to_state: string;
  reason: string;
  datapoints_json: string;
  actions_json: string;
  /** 1 while an action has not settled (a crash mid-way: the next evaluation finishes it). */
  actions_pending: number;
  /** While pending: until when one evaluator runs the actions (the one that made the transition, at first). */
  actions_lease_until: string | null;
}

interface AlarmTables {
  alarms: AlarmsTable;
  alarm_transitions: AlarmTransitionsTable;
}

export function alarmNotFound(name: string): OrchardError {
  return new OrchardError('ORCH_ALARM_NOT_FOUND', { message: `No alarm '${name}'`, details: { name } });
}

/** Reads and writes the alarms' tables; only the alarms capability uses it. */
export class AlarmStore {
  readonly statusChanges: StatusChanges;

  constructor(readonly metadata: MetadataStore) {
    // The feed's failure reason is the state's reason: what a subscriber shows next to ALARM.
    this.statusChanges = readStatusChanges(metadata, 'alarms' as keyof Database, { failureReason: 'state_reason' });
  }

  private get db(): Kysely<AlarmTables> {
    return this.metadata.db as unknown as Kysely<AlarmTables>;
  }

  async insert(row: AlarmsTable): Promise<void> {
    try {
      await this.db.insertInto('alarms').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_ALARM_EXISTS', { message: `An alarm named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async get(name: string): Promise<AlarmsTable> {
    const row = await this.db.selectFrom('alarms').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw alarmNotFound(name);
    return row;
  }

  async list(filter: { state?: string; namespace?: string; endpoint?: string }, limit: number, offset: number): Promise<{ rows: AlarmsTable[]; total: number }> {
    let q = this.db.selectFrom('alarms');
    if (filter.state) q = q.where('status', '=', filter.state);
    if (filter.namespace) q = q.where('namespace', '=', filter.namespace);
    if (filter.endpoint) q = q.where('endpoint', '=', filter.endpoint);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Enabled alarms' names (the evaluator's round). */
  async enabledNames(): Promise<string[]> {
    const rows = await this.db.selectFrom('alarms').select('name').where('enabled', '=', 1).orderBy('name').execute();
    return rows.map((r) => r.name);
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('alarm_transitions').where('alarm', '=', name).execute();
    const res = await this.db.deleteFrom('alarms').where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw alarmNotFound(name);
  }

  /** Enables or disables; a disabled alarm goes back to INSUFFICIENT_DATA when enabled (it has not been watching). */
  async setEnabled(name: string, enabled: boolean, reset?: { status: string; reason: string }): Promise<void> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('alarms')
      .set({ enabled: enabled ? 1 : 0, updated_at: now, ...(reset ? { status: reset.status, state_reason: reset.reason, state_updated_at: now } : {}) })
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw alarmNotFound(name);
  }

  /** An evaluation that kept the state: when, and what it saw (not a change for the feed). */
  async evaluated(name: string, at: string, datapointsJson: string): Promise<void> {
    await this.db.updateTable('alarms').set({ last_evaluated_at: at, last_datapoints_json: datapointsJson }).where('name', '=', name).execute();
  }

  /**
   * Moves the alarm from `from` (as last read, at `stateUpdatedAt`) to the transition's
   * state and records the transition, in one transaction. False when the row changed
   * meanwhile (another evaluation got there first): that one runs the actions, this one
   * none, so a transition's actions run once.
   */
  async transition(name: string, expected: { status: string; stateUpdatedAt: string }, t: AlarmTransitionsTable, lastDatapointsJson: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('alarms')
        .set({ status: t.to_state, state_reason: t.reason, state_updated_at: t.at, last_evaluated_at: t.at, last_datapoints_json: lastDatapointsJson, updated_at: t.at })
        .where('name', '=', name)
        .where('status', '=', expected.status)
        .where('state_updated_at', '=', expected.stateUpdatedAt)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await tx.insertInto('alarm_transitions').values(t).execute();
      // Only the newest transitions are kept (never one whose actions are still pending).
      const old = await tx.selectFrom('alarm_transitions').select('id').where('alarm', '=', name).where('actions_pending', '=', 0).orderBy('at', 'desc').orderBy('id', 'desc').offset(ALARM_LIMITS.history).limit(1000).execute();
      if (old.length > 0) await tx.deleteFrom('alarm_transitions').where('id', 'in', old.map((r) => r.id)).execute();
      return true;
    });
  }

  /** Writes what a transition's actions did; `pending` false once every one has settled (the lease goes with it). */
  async actionsDone(id: string, actionsJson: string, pending: boolean): Promise<void> {
    await this.db.updateTable('alarm_transitions').set({ actions_json: actionsJson, actions_pending: pending ? 1 : 0, ...(pending ? {} : { actions_lease_until: null }) }).where('id', '=', id).execute();
  }

  /** Lets go of a transition's actions (an action could not run now): the next evaluation takes them. */
  async releaseActions(id: string): Promise<void> {
    await this.db.updateTable('alarm_transitions').set({ actions_lease_until: null }).where('id', '=', id).execute();
  }

  /**
   * Transitions of an alarm whose actions have not all settled and that no one holds (or
   * whose holder's lease has passed), oldest first, each now held by the caller until `until`.
   */
  async claimPending(name: string, now: string, until: string): Promise<AlarmTransitionsTable[]> {
    const rows = await this.db
      .selectFrom('alarm_transitions')
      .selectAll()
      .where('alarm', '=', name)
      .where('actions_pending', '=', 1)
      .where((eb) => eb.or([eb('actions_lease_until', 'is', null), eb('actions_lease_until', '<', now)]))
      .orderBy('at')
      .orderBy('id')
      .execute();
    const claimed: AlarmTransitionsTable[] = [];
    for (const row of rows) {
      let q = this.db.updateTable('alarm_transitions').set({ actions_lease_until: until }).where('id', '=', row.id).where('actions_pending', '=', 1);
      q = row.actions_lease_until === null ? q.where('actions_lease_until', 'is', null) : q.where('actions_lease_until', '=', row.actions_lease_until);
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) claimed.push({ ...row, actions_lease_until: until });
    }
    return claimed;
  }

  /** The newest transitions of some alarms, newest first per alarm. */
  async history(names: readonly string[], perAlarm: number = ALARM_LIMITS.history): Promise<Map<string, AlarmTransitionsTable[]>> {
    const out = new Map<string, AlarmTransitionsTable[]>();
    if (names.length === 0) return out;
    const rows = await this.db.selectFrom('alarm_transitions').selectAll().where('alarm', 'in', [...names]).orderBy('alarm').orderBy('at', 'desc').orderBy('id', 'desc').execute();
    for (const row of rows) {
      const list = out.get(row.alarm) ?? [];
      if (list.length < perAlarm) list.push(row);
      out.set(row.alarm, list);
    }
    return out;
  }
}
