import type { Kysely } from 'kysely';
import { OrchardError } from '../../core/index.js';
import type { MetadataStore } from '../../storage/index.js';

/** `labeling_teams` (migration 0034). */
export interface LabelingTeamsTable {
  name: string;
  description: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** `labeling_team_members`: one row per (team, member). */
export interface LabelingTeamMembersTable {
  team: string;
  member: string;
  added_at: string;
}

interface TeamTables {
  labeling_teams: LabelingTeamsTable;
  labeling_team_members: LabelingTeamMembersTable;
  labeling_jobs: { name: string; team: string | null; status: string; annotators_per_item: number };
}

/** Jobs in these statuses still hand out items or consolidate: their team is in use. */
export const ACTIVE_JOB_STATUSES = ['InProgress', 'Consolidating', 'Stopping'] as const;

export function teamNotFound(name: string): OrchardError {
  return new OrchardError('ORCH_LABELING_TEAM_NOT_FOUND', { message: `No labeling team '${name}'`, details: { name } });
}

/** Reads and writes the labeling teams' tables; only the labeling capability uses it. */
export class TeamStore {
  constructor(readonly metadata: MetadataStore) {}

  private get db(): Kysely<TeamTables> {
    return this.metadata.db as unknown as Kysely<TeamTables>;
  }

  async insert(row: LabelingTeamsTable, members: readonly string[]): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('labeling_teams').values(row).execute();
        await tx.insertInto('labeling_team_members').values(members.map((member) => ({ team: row.name, member, added_at: row.created_at }))).execute();
      });
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_LABELING_TEAM_EXISTS', { message: `A labeling team named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async find(name: string): Promise<LabelingTeamsTable | undefined> {
    return this.db.selectFrom('labeling_teams').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async get(name: string): Promise<LabelingTeamsTable> {
    const row = await this.find(name);
    if (!row) throw teamNotFound(name);
    return row;
  }

  async list(member: string | undefined, limit: number, offset: number): Promise<{ rows: LabelingTeamsTable[]; total: number }> {
    let q = this.db.selectFrom('labeling_teams as t');
    if (member !== undefined) q = q.where(({ exists, selectFrom }) => exists(selectFrom('labeling_team_members as m').select('m.member').whereRef('m.team', '=', 't.name').where('m.member', '=', member)));
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll('t').orderBy('t.name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async members(team: string): Promise<string[]> {
    const rows = await this.db.selectFrom('labeling_team_members').select('member').where('team', '=', team).orderBy('member').execute();
    return rows.map((r) => r.member);
  }

  async isMember(team: string, member: string): Promise<boolean> {
    return (await this.db.selectFrom('labeling_team_members').select('member').where('team', '=', team).where('member', '=', member).executeTakeFirst()) !== undefined;
  }

  /** The teams a user is a member of. */
  async teamsOf(member: string): Promise<Set<string>> {
    const rows = await this.db.selectFrom('labeling_team_members').select('team').where('member', '=', member).execute();
    return new Set(rows.map((r) => r.team));
  }

  /** Members added and removed, the description set, in one transaction. */
  async update(name: string, change: { add: readonly string[]; remove: readonly string[]; description?: string | null }, now: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('labeling_teams')
        .set({ updated_at: now, ...(change.description !== undefined ? { description: change.description } : {}) })
        .where('name', '=', name)
        .execute();
      if (change.remove.length > 0) await tx.deleteFrom('labeling_team_members').where('team', '=', name).where('member', 'in', [...change.remove]).execute();
      const present = new Set((await tx.selectFrom('labeling_team_members').select('member').where('team', '=', name).execute()).map((r) => r.member));
      const added = change.add.filter((m) => !present.has(m));
      if (added.length > 0) await tx.insertInto('labeling_team_members').values(added.map((member) => ({ team: name, member, added_at: now }))).execute();
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('labeling_team_members').where('team', '=', name).execute();
      const res = await tx.deleteFrom('labeling_teams').where('name', '=', name).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  /** Labeling jobs for the team that have not ended, with the annotators each item needs. */
  async activeJobs(team: string): Promise<{ name: string; annotatorsPerItem: number }[]> {
    const rows = await this.db
      .selectFrom('labeling_jobs')
      .select(['name', 'annotators_per_item'])
      .where('team', '=', team)
      .where('status', 'in', [...ACTIVE_JOB_STATUSES])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ name: r.name, annotatorsPerItem: r.annotators_per_item }));
  }
}
