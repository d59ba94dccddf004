import { Option, type Command } from 'commander';
import type { Webhook, WebhookCreated, WebhookDelivery } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { WEBHOOK_DELIVERY_STATUSES } from '../../contracts/webhook-values.js';
import { client, exit, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

/** A port from the command line: 1–65535. */
function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`Expected a port from 1 to 65535, got '${value}'`);
  return n;
}

/** `orchard webhooks …`: signed deliveries of platform events, their log, and the admins' allow-list. */
export function webhooksCommand(program: Command): void {
  const webhooks = program.command('webhooks').description('Webhooks: signed HTTP deliveries of platform events (pipeline notify steps, alarms, pings) with retries and a log');
  webhooks
    .command('create <name>')
    .description('Create a webhook; its signing secret is printed this once')
    .requiredOption('--url <url>', 'http:// or https:// target; private, loopback and link-local addresses need an allow rule')
    .option('--events <list>', 'comma-separated events it takes, a trailing * as a prefix (default: every event)')
    .option('--description <text>', 'what it is for')
    .option('--disabled', 'create it disabled (deliveries refused)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { url: string; events?: string; description?: string; disabled?: boolean }) =>
      run(opts, async () => {
        const events = opts.events === undefined ? undefined : opts.events.split(',').map((e) => e.trim()).filter((e) => e !== '');
        const created = await client().webhooks.create({ name, url: opts.url, events, description: opts.description, enabled: opts.disabled ? false : undefined });
        emit(opts, created, () => secretText(created, 'Created'));
      }),
    );
  webhooks
    .command('list')
    .description('List webhooks')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { limit?: number }) =>
      run(opts, async () => {
        const res = await client().webhooks.list({ limit: opts.limit });
        emit(opts, res, () => (res.items.length === 0 ? 'No webhooks.' : table(['name', 'url', 'events', 'enabled', 'created'], res.items.map((w) => [w.name, w.url, w.events?.join(',') ?? 'all', w.enabled, w.createdAt]))));
      }),
    );
  webhooks
    .command('describe <name>')
    .description('A webhook (never its secret)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const w = await client().webhooks.describe(name);
        emit(opts, w, () => describeText(w));
      }),
    );
  webhooks
    .command('delete <name>')
    .description('Delete a webhook and its delivery log')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().webhooks.delete(name);
        emit(opts, { deleted: name }, () => `Deleted webhook ${name}`);
      }),
    );
  webhooks
    .command('rotate-secret <name>')
    .description('Make a new signing secret (the old one stops at once); printed this once')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const rotated = await client().webhooks.rotateSecret(name);
        emit(opts, rotated, () => secretText(rotated, 'Rotated the secret of'));
      }),
    );
  deliveryCommands(webhooks);
  allowCommands(webhooks);
}

/** `orchard webhooks test|deliveries|delivery`: sending a ping and reading the log. */
function deliveryCommands(webhooks: Command): void {
  webhooks
    .command('test <name>')
    .description('Send a ping event to the webhook')
    .option('--wait', 'wait until it is delivered or has failed; exit 1 unless delivered')
    .option('--max-attempts <n>', 'attempts in all (default 8)', positiveInt)
    .option('--backoff-ms <ms>', 'first retry wait, doubling (default 1000)', positiveInt)
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { wait?: boolean; maxAttempts?: number; backoffMs?: number }) =>
      run(opts, async () => {
        const sdk = client().webhooks;
        const started = await sdk.test(name, { maxAttempts: opts.maxAttempts, backoffMs: opts.backoffMs });
        if (!opts.wait) {
          emit(opts, started, () => `Queued delivery ${started.id} (ping) to ${name}`);
          return;
        }
        const ended = await sdk.waitForDelivery(started.id, { pollMs: 300 });
        emit(opts, ended, () => deliveryText(ended));
        if (ended.status !== 'Delivered') exit.code = 1;
      }),
    );
  webhooks
    .command('deliveries <name>')
    .description("A webhook's deliveries, newest first")
    .addOption(new Option('--status <status>', 'only these').choices(WEBHOOK_DELIVERY_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { status?: WebhookDelivery['status']; limit?: number }) =>
      run(opts, async () => {
        const res = await client().webhooks.deliveries(name, { status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No deliveries.'
            : table(['id', 'event', 'status', 'attempts', 'last status', 'last error', 'created'], res.items.map((d) => [d.id, d.event, d.status, d.attempts, d.lastStatusCode, d.lastError, d.createdAt])),
        );
      }),
    );
  webhooks
    .command('delivery <id>')
    .description('One delivery with each attempt: status code, error, duration')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const d = await client().webhooks.delivery(id);
        emit(opts, d, () => deliveryText(d));
      }),
    );
}

/** `orchard webhooks allow add|list|remove` (admins). */
function allowCommands(webhooks: Command): void {
  const allow = webhooks.command('allow').description('Admins: hosts and addresses webhooks may reach although private, loopback or link-local');
  allow
    .command('add <pattern>')
    .description('Allow a host name, *.domain, an IP address or a CIDR block (e.g. 127.0.0.1, 10.0.0.0/8, *.corp.example)')
    .option('--port <port>', 'only this port', port)
    .option('--json', 'machine output')
    .action((pattern: string, opts: Json & { port?: number }) =>
      run(opts, async () => {
        const rule = await client().webhooks.allow({ pattern, port: opts.port });
        emit(opts, rule, () => `Allowed ${rule.pattern}${rule.port ? ` port ${rule.port}` : ''}`);
      }),
    );
  allow
    .command('list')
    .description('The allow rules')
    .option('--json', 'machine output')
    .action((opts: Json) =>
      run(opts, async () => {
        const res = await client().webhooks.allowRules();
        emit(opts, res, () => (res.items.length === 0 ? 'No allow rules: webhooks reach public addresses only.' : table(['pattern', 'port', 'added by', 'added'], res.items.map((r) => [r.pattern, r.port ?? 'any', r.createdBy, r.createdAt]))));
      }),
    );
  allow
    .command('remove <pattern>')
    .description('Remove an allow rule (with --port if it was added with one)')
    .option('--port <port>', 'the rule for this port', port)
    .option('--json', 'machine output')
    .action((pattern: string, opts: Json & { port?: number }) =>
      run(opts, async () => {
        await client().webhooks.disallow({ pattern, port: opts.port });
        emit(opts, { removed: pattern, port: opts.port ?? null }, () => `Removed ${pattern}${opts.port ? ` port ${opts.port}` : ''}`);
      }),
    );
}

function secretText(w: WebhookCreated, verb: string): string {
  return [`${verb} webhook ${w.name} -> ${w.url}`, `secret: ${w.secret}`, 'Store the secret now: it is not shown again. Receivers check Orchard-Webhook-Signature with it (docs/webhooks.md).'].join('\n');
}

function describeText(w: Webhook): string {
  return fields([
    ['name', w.name],
    ['url', w.url],
    ['events', w.events?.join(', ') ?? 'all'],
    ['enabled', w.enabled],
    ['description', w.description],
    ['secret made', w.secretCreatedAt],
    ['created', `${w.createdAt} by ${w.createdBy ?? '-'}`],
  ]);
}

function deliveryText(d: WebhookDelivery): string {
  const lines = [
    fields([
      ['delivery', d.id],
      ['webhook', d.webhook],
      ['event', d.event],
      ['source', d.source],
      ['status', d.status],
      ['attempts', `${d.attempts} of ${d.maxAttempts}`],
      ['last status', d.lastStatusCode],
      ['last error', d.lastErrorCode ? `${d.lastErrorCode}: ${d.lastError}` : d.lastError],
      ['next attempt', d.nextAttemptAt],
      ['delivered', d.deliveredAt],
    ]),
  ];
  if (d.attemptLog.length) lines.push('attempts:', ...d.attemptLog.map((a) => `  #${a.attempt} ${a.startedAt} ${a.durationMs} ms ${a.statusCode ?? '-'}${a.error ? ` ${a.error}` : ''}`));
  return lines.join('\n');
}
