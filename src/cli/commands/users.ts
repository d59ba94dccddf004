import { Option, type Command } from 'commander';
// From the contracts' values: auth/ would load the server's session and secret services.
import { ROLES } from '../../contracts/values.js';
import type { Role, User } from '../../sdk/index.js';
import { client, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

/** Reads a password from stdin (first line), so it never appears in the process list. */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

function userText(u: User): string {
  return fields([
    ['name', u.name],
    ['role', u.role],
    ['password', u.hasPassword ? 'set' : 'none'],
    ['created', u.createdAt],
    ['disabled', u.disabledAt],
  ]);
}

export function usersCommand(program: Command): void {
  const users = program.command('users').description('Users and their roles (admin only, except whoami)');
  const role = () => new Option('--role <role>', 'role').choices([...ROLES]);

  users.command('whoami').description('The user your token belongs to').option('--json', 'machine output').action((opts: Json) =>
    run(opts, async () => {
      const me = await client().users.me();
      emit(opts, me, () => userText(me));
    }),
  );

  users.command('list').description('List users').option('--json', 'machine output').action((opts: Json) =>
    run(opts, async () => {
      const items = await client().users.list();
      emit(opts, { items }, () => table(['name', 'role', 'password', 'created', 'disabled'], items.map((u) => [u.name, u.role, u.hasPassword ? 'set' : '', u.createdAt, u.disabledAt])));
    }),
  );

  users
    .command('create <name>')
    .description('Create a user')
    .addOption(role().makeOptionMandatory())
    .option('--password-stdin', 'read a password (for studio sign-in) from stdin')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { role: Role; passwordStdin?: boolean }) =>
      run(opts, async () => {
        const password = opts.passwordStdin ? await readStdinLine() : undefined;
        const u = await client().users.create({ name, role: opts.role, password });
        emit(opts, u, () => `Created user ${u.name} (${u.role})`);
      }),
    );

  users.command('describe <name>').description('Describe a user').option('--json', 'machine output').action((name: string, opts: Json) =>
    run(opts, async () => {
      const u = await client().users.describe(name);
      emit(opts, u, () => userText(u));
    }),
  );

  users
    .command('update <name>')
    .description("Change a user's role, password or disabled state")
    .addOption(role())
    .option('--password-stdin', 'read a new password from stdin')
    .option('--disable', 'disable the user (their tokens stop working)')
    .option('--enable', 'enable the user again')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { role?: Role; passwordStdin?: boolean; disable?: boolean; enable?: boolean }) =>
      run(opts, async () => {
        if (opts.disable && opts.enable) throw new Error('Give --disable or --enable, not both');
        const password = opts.passwordStdin ? await readStdinLine() : undefined;
        const disabled = opts.disable ? true : opts.enable ? false : undefined;
        const u = await client().users.update(name, { role: opts.role, password, disabled });
        emit(opts, u, () => userText(u));
      }),
    );

  users.command('delete <name>').description('Delete a user and their tokens').option('--json', 'machine output').action((name: string, opts: Json) =>
    run(opts, async () => {
      await client().users.delete(name);
      emit(opts, { deleted: name }, () => `Deleted user ${name}`);
    }),
  );
}
