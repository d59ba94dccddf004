import type { Command } from 'commander';
import { client, positiveInt, run } from '../context.js';
import { emit, table } from '../output.js';

type Json = { json?: boolean };

export function tokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('API tokens (hashed at rest; the secret is shown once)');

  tokens
    .command('list')
    .description('Your tokens (an admin may give --user or --all)')
    .option('--user <name>', "another user's tokens (admin)")
    .option('--all', "everyone's tokens (admin)")
    .option('--json', 'machine output')
    .action((opts: Json & { user?: string; all?: boolean }) =>
      run(opts, async () => {
        const items = await client().tokens.list({ user: opts.user, all: opts.all });
        emit(opts, { items }, () =>
          table(['id', 'name', 'user', 'created', 'expires', 'revoked', 'last used'], items.map((t) => [t.id, t.name, t.userName, t.createdAt, t.expiresAt, t.revokedAt, t.lastUsedAt])),
        );
      }),
    );

  tokens
    .command('create')
    .description('Create a token')
    .option('--name <name>', 'a label for the token', 'token')
    .option('--user <name>', 'for another user (admin)')
    .option('--expires-in-days <n>', 'expire after n days', positiveInt)
    .option('--expires-at <time>', 'expire at an ISO-8601 time')
    .option('--json', 'machine output')
    .action((opts: Json & { name: string; user?: string; expiresInDays?: number; expiresAt?: string }) =>
      run(opts, async () => {
        const t = await client().tokens.create({ name: opts.name, user: opts.user, expiresInDays: opts.expiresInDays, expiresAt: opts.expiresAt });
        emit(opts, t, () => `Created token ${t.id} for ${t.userName}${t.expiresAt ? ` (expires ${t.expiresAt})` : ''}.\nSecret (shown once):\n${t.token}`);
      }),
    );

  tokens
    .command('revoke <id>')
    .description('Revoke a token')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const t = await client().tokens.revoke(id);
        emit(opts, t, () => `Revoked ${t.id} (${t.name}, ${t.userName})`);
      }),
    );
}
