import type { Kysely } from 'kysely';
import type { MetadataStore } from '../storage/index.js';
import type { ProfilePhase, ProfileSample, RuleAction, RuleStatus, RuleStatusName } from './types.js';

/** The debugger's tables (migration 0029_debugger); only this store reads or writes them. */
export interface RuleStatusesTable {
  job_name: string;
  rule: string;
  action: string;
  status: string;
  message: string | null;
  updated_at: string;
}

export interface ProfilesTable {
  job_name: string;
  attempt: number;
  started_at: string;
  interval_ms: number;
  samples_json: string;
  phases_json: string;
  updated_at: string;
}

interface DebuggerTables {
  debugger_rule_statuses: RuleStatusesTable;
  debugger_profiles: ProfilesTable;
}

/** A stored attempt profile before its summary is computed. */
export interface StoredProfile {
  attempt: number;
  startedAt: string;
  intervalMs: number;
  samples: ProfileSample[];
  phases: ProfilePhase[];
}

export class DebuggerStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<DebuggerTables> {
    return this.metadata.db as unknown as Kysely<DebuggerTables>;
  }

  /** Writes a rule's status (insert or replace). */
  async setRule(job: string, rule: string, action: RuleAction, status: RuleStatusName, message: string | null): Promise<void> {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto('debugger_rule_statuses')
      .values({ job_name: job, rule, action, status, message, updated_at })
      .onConflict((oc) => oc.columns(['job_name', 'rule']).doUpdateSet({ action, status, message, updated_at }))
      .execute();
  }

  async rules(job: string): Promise<RuleStatus[]> {
    const rows = await this.db.selectFrom('debugger_rule_statuses').selectAll().where('job_name', '=', job).orderBy('rule').execute();
    return rows.map((r) => ({ name: r.rule, status: r.status as RuleStatusName, action: r.action as RuleAction, message: r.message, updatedAt: r.updated_at }));
  }

  async saveProfile(job: string, p: StoredProfile): Promise<void> {
    const updated_at = new Date().toISOString();
    const samples_json = JSON.stringify(p.samples);
    const phases_json = JSON.stringify(p.phases);
    await this.db
      .insertInto('debugger_profiles')
      .values({ job_name: job, attempt: p.attempt, started_at: p.startedAt, interval_ms: p.intervalMs, samples_json, phases_json, updated_at })
      .onConflict((oc) => oc.columns(['job_name', 'attempt']).doUpdateSet({ interval_ms: p.intervalMs, samples_json, phases_json, updated_at }))
      .execute();
  }

  async profiles(job: string): Promise<StoredProfile[]> {
    const rows = await this.db.selectFrom('debugger_profiles').selectAll().where('job_name', '=', job).orderBy('attempt').execute();
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      startedAt: r.started_at,
      intervalMs: Number(r.interval_ms),
      samples: JSON.parse(r.samples_json) as ProfileSample[],
      phases: JSON.parse(r.phases_json) as ProfilePhase[],
    }));
  }
}
