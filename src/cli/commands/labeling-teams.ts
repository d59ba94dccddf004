import type { Command } from 'commander';
import type { LabelingTeam } from '../../sdk/index.js';
import { client, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

const names = (list: string): string[] => list.split(',').map((m) => m.trim()).filter((m) => m.length > 0);

/** `orchard labeling teams …`: named groups of labelers a labeling job can be given to (`jobs create --team`). */
export function labelingTeamsCommand(labeling: Command): void {
  const teams = labeling.command('teams').description('Labeling teams: a job created with --team is handed to the team’s members only');
  teams
    .command('create <name>')
    .description('Create a team of labelers (users with the labeler role)')
    .requiredOption('--members <a,b>', 'the members’ user names, comma separated')
    .option('--description <text>', 'what the team is for')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { members: string; description?: string }) =>
      run(opts, async () => {
        const team = await client().labeling.teams.create({ name, members: names(opts.members), ...(opts.description !== undefined ? { description: opts.description } : {}) });
        emit(opts, team, () => `Created labeling team ${team.name}\n${describeText(team)}`);
      }),
    );
  teams
    .command('list')
    .description('List labeling teams')
    .option('--member <user>', 'only the teams this user is a member of')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { member?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().labeling.teams.list({ member: opts.member, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No labeling teams.'
            : table(['name', 'members', 'active jobs'], res.items.map((t) => [t.name, t.members.join(', '), t.activeJobs.join(', ') || '-'])) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  teams
    .command('describe <name>')
    .description('A labeling team: its members and the jobs for it that have not ended')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      const team = await client().labeling.teams.describe(name);
      emit(opts, team, () => describeText(team));
    }));
  teams
    .command('update <name>')
    .description('Add or remove members (refused when a job for the team would be left with too few)')
    .option('--add <a,b>', 'members to add, comma separated')
    .option('--remove <a,b>', 'members to remove, comma separated')
    .option('--description <text>', 'a new description')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { add?: string; remove?: string; description?: string }) =>
      run(opts, async () => {
        const team = await client().labeling.teams.update(name, {
          ...(opts.add !== undefined ? { add: names(opts.add) } : {}),
          ...(opts.remove !== undefined ? { remove: names(opts.remove) } : {}),
          ...(opts.description !== undefined ? { description: opts.description } : {}),
        });
        emit(opts, team, () => describeText(team));
      }),
    );
  teams
    .command('delete <name>')
    .description('Delete a team (refused while a job for it has not ended)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      await client().labeling.teams.delete(name);
      emit(opts, { deleted: name }, () => `Deleted labeling team ${name}`);
    }));
}

function describeText(t: LabelingTeam): string {
  return fields([
    ['name', t.name],
    ['description', t.description ?? '-'],
    ['members', t.members.join(', ')],
    ['active jobs', t.activeJobs.join(', ') || '-'],
    ['created', `${t.createdAt}${t.createdBy ? ` by ${t.createdBy}` : ''}`],
  ]);
}
