import type { Command } from 'commander';
import { client, run } from '../context.js';
import { emit, table } from '../output.js';

type Json = { json?: boolean };

export function accessKeysCommand(program: Command): void {
  const keys = program.command('access-keys').description('AWS-style access keys for boto3 and the AWS SDKs (SigV4; the secret is shown once)');

  keys
    .command('create')
    .description('Create an access key: its id and secret (shown once)')
    .option('--user <name>', 'for another user (admin)')
    .option('--description <text>', 'what the key is for')
    .option('--json', 'machine output')
    .action((opts: Json & { user?: string; description?: string }) =>
      run(opts, async () => {
        const k = await client().accessKeys.create({ user: opts.user, description: opts.description });
        emit(opts, k, () =>
          [
            `Created access key ${k.accessKeyId} for ${k.userName}.`,
            'Secret access key (shown once):',
            k.secretAccessKey,
            '',
            'For boto3 and the AWS CLI:',
            `  export AWS_ACCESS_KEY_ID=${k.accessKeyId}`,
            '  export AWS_SECRET_ACCESS_KEY=<the secret above>',
          ].join('\n'),
        );
      }),
    );

  keys
    .command('list')
    .description('Your access keys (an admin may give --user or --all)')
    .option('--user <name>', "another user's keys (admin)")
    .option('--all', "everyone's keys (admin)")
    .option('--json', 'machine output')
    .action((opts: Json & { user?: string; all?: boolean }) =>
      run(opts, async () => {
        const items = await client().accessKeys.list({ user: opts.user, all: opts.all });
        emit(opts, { items }, () =>
          table(['access key id', 'user', 'status', 'created', 'last used', 'description'], items.map((k) => [k.accessKeyId, k.userName, k.status, k.createdAt, k.lastUsedAt, k.description])),
        );
      }),
    );

  for (const [name, status, verb] of [
    ['disable', 'Inactive', 'Disabled'],
    ['enable', 'Active', 'Enabled'],
  ] as const) {
    keys
      .command(`${name} <accessKeyId>`)
      .description(name === 'disable' ? 'Refuse the key (Inactive) until it is enabled again' : 'Accept the key again (Active)')
      .option('--json', 'machine output')
      .action((id: string, opts: Json) =>
        run(opts, async () => {
          const k = await client().accessKeys.setStatus(id, status);
          emit(opts, k, () => `${verb} ${k.accessKeyId} (${k.userName})`);
        }),
      );
  }

  keys
    .command('delete <accessKeyId>')
    .description('Delete an access key')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        await client().accessKeys.delete(id);
        emit(opts, { accessKeyId: id, deleted: true }, () => `Deleted ${id}`);
      }),
    );
}
