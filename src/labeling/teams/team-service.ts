import type { CreateLabelingTeamInput, LabelingTeam, LabelingTeamFilter, Page, UpdateLabelingTeamRequest } from '../../contracts/index.js';
import { errorOfProblems, OrchardError, type RequestProblem } from '../../core/index.js';
import type { MetadataStore } from '../../storage/index.js';
import { TeamStore, type LabelingTeamsTable } from './team-store.js';

export interface TeamDeps {
  metadata: MetadataStore;
  /** The names of the enabled users who hold the `labeler` role (the workforce a team is drawn from). */
  labelers: () => Promise<string[]>;
}

/**
 * Labeling teams (Ground Truth's private workteams): named groups of labelers. A job made
 * for a team hands its items to the team's members only, so a team may not shrink below
 * what a job that has not ended needs, nor be deleted while one uses it.
 */
export class TeamService {
  readonly store: TeamStore;

  constructor(private readonly deps: TeamDeps) {
    this.store = new TeamStore(deps.metadata);
  }

  async create(input: CreateLabelingTeamInput): Promise<LabelingTeam> {
    const problems: RequestProblem[] = [];
    const members = [...new Set(input.members)];
    await this.checkLabelers(members, 'members', problems);
    if (problems.length > 0) throw errorOfProblems(problems);
    const now = new Date().toISOString();
    await this.store.insert({ name: input.name, description: input.description ?? null, created_by: input.createdBy ?? null, created_at: now, updated_at: now }, members);
    return this.describe(input.name);
  }

  async describe(name: string): Promise<LabelingTeam> {
    return this.toTeam(await this.store.get(name));
  }

  async list(filter: LabelingTeamFilter = {}): Promise<Page<LabelingTeam>> {
    const { rows, total } = await this.store.list(filter.member, filter.limit ?? 100, filter.offset ?? 0);
    return { items: await Promise.all(rows.map((r) => this.toTeam(r))), total };
  }

  /**
   * Adds and removes members (added ones must be enabled labelers; removed ones members).
   * Refused with `ORCH_LABELING_TEAM_IN_USE` when a job of the team that has not ended
   * would be left with fewer enabled members than it has annotators per item.
   */
  async update(name: string, change: UpdateLabelingTeamRequest): Promise<LabelingTeam> {
    await this.store.get(name);
    const add = [...new Set(change.add ?? [])];
    const remove = [...new Set(change.remove ?? [])];
    const problems: RequestProblem[] = [];
    await this.checkLabelers(add, 'add', problems);
    const current = await this.store.members(name);
    remove.forEach((m, i) => {
      if (!current.includes(m)) problems.push({ field: `remove[${i}]`, code: 'ORCH_LABELING_INVALID', message: `remove[${i}]: '${m}' is not a member of team '${name}'` });
      if (add.includes(m)) problems.push({ field: `remove[${i}]`, code: 'ORCH_LABELING_INVALID', message: `remove[${i}]: '${m}' is both added and removed` });
    });
    const after = [...new Set([...current.filter((m) => !remove.includes(m)), ...add])];
    if (problems.length === 0 && after.length === 0) problems.push({ field: 'remove', code: 'ORCH_LABELING_INVALID', message: `remove: team '${name}' would have no members (delete it instead)` });
    if (problems.length > 0) throw errorOfProblems(problems);
    if (remove.length > 0) {
      const enabled = new Set(await this.deps.labelers());
      const left = after.filter((m) => enabled.has(m)).length;
      const short = (await this.store.activeJobs(name)).filter((j) => j.annotatorsPerItem > left);
      if (short.length > 0) {
        throw new OrchardError('ORCH_LABELING_TEAM_IN_USE', {
          message: `Team '${name}' would have ${left} enabled member(s), but labeling job(s) ${short.map((j) => `'${j.name}' (${j.annotatorsPerItem} annotators per item)`).join(', ')} need more; stop them first`,
          details: { name, members: left, jobs: short.map((j) => j.name) },
        });
      }
    }
    await this.store.update(name, { add, remove, ...(change.description !== undefined ? { description: change.description } : {}) }, new Date().toISOString());
    return this.describe(name);
  }

  /** Deletes a team no job that has not ended uses (`ORCH_LABELING_TEAM_IN_USE` otherwise). */
  async delete(name: string): Promise<void> {
    await this.store.get(name);
    const active = await this.store.activeJobs(name);
    if (active.length > 0) {
      throw new OrchardError('ORCH_LABELING_TEAM_IN_USE', {
        message: `Team '${name}' is used by labeling job(s) that have not ended: ${active.map((j) => j.name).join(', ')}; stop them first`,
        details: { name, jobs: active.map((j) => j.name) },
      });
    }
    await this.store.delete(name);
  }

  /**
   * The team's members who may work now (enabled labelers), for a job's create check.
   * An unknown team is `ORCH_LABELING_TEAM_NOT_FOUND`.
   */
  async workforce(name: string): Promise<string[]> {
    await this.store.get(name);
    const enabled = new Set(await this.deps.labelers());
    return (await this.store.members(name)).filter((m) => enabled.has(m));
  }

  private async checkLabelers(names: readonly string[], field: string, problems: RequestProblem[]): Promise<void> {
    if (names.length === 0) return;
    const enabled = new Set(await this.deps.labelers());
    names.forEach((m, i) => {
      if (!enabled.has(m)) problems.push({ field: `${field}[${i}]`, code: 'ORCH_LABELING_INVALID', message: `${field}[${i}]: '${m}' is not an enabled user with the labeler role` });
    });
  }

  private async toTeam(row: LabelingTeamsTable): Promise<LabelingTeam> {
    return {
      name: row.name,
      description: row.description,
      members: await this.store.members(row.name),
      activeJobs: (await this.store.activeJobs(row.name)).map((j) => j.name),
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
