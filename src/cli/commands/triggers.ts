import type { Command } from 'commander';
import type { CreateTriggerRequest, PipelineTrigger } from '../../sdk/index.js';
import { client, collect, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };
type CreateOpts = Json & {
  pipeline: string;
  kind: CreateTriggerRequest['kind'];
  dataset?: string;
  crawler?: string;
  every?: string;
  cron?: string;
  timezone?: string;
  group?: string;
  param?: string[];
  map?: string[];
  description?: string;
  disabled?: boolean;
};

/** `orchard triggers …`: what starts a pipeline with no one at the keyboard. */
export function triggersCommand(program: Command): void {
  const triggers = program.command('triggers').description('Pipeline triggers: a new dataset version, a crawler finding new files, a cron schedule, a registry approval');
  triggers
    .command('create <name>')
    .description('Create a trigger; what exists when it is created does not fire it')
    .requiredOption('--pipeline <name>', 'the pipeline it starts')
    .requiredOption('--kind <kind>', 'dataset | crawler | schedule | registry')
    .option('--dataset <name>', 'dataset: fires on each new version of this dataset')
    .option('--crawler <name>', 'crawler: runs this crawler and fires when a run registers a new version')
    .option('--every <interval>', 'crawler: how often it runs the crawler (30s, 5m, 1h, 1d)')
    .option('--cron <expr>', 'schedule: minute hour day-of-month month day-of-week, e.g. "0 6 * * 1-5"')
    .option('--timezone <zone>', 'schedule: an IANA time zone (default UTC), e.g. Europe/Paris')
    .option('--group <name>', 'registry: fires when a version of this model package group is approved')
    .option('--param <k=v>', 'a fixed parameter value (repeatable)', collect)
    .option('--map <k=field>', "a parameter from the event's field (repeatable), e.g. dataset=dataset", collect)
    .option('--description <text>', 'what it is for')
    .option('--disabled', 'create it disabled')
    .option('--json', 'machine output')
    .action((name: string, opts: CreateOpts) =>
      run(opts, async () => {
        const created = await client().triggers.create({
          name,
          pipeline: opts.pipeline,
          kind: opts.kind,
          dataset: opts.dataset,
          crawler: opts.crawler,
          every: opts.every,
          cron: opts.cron,
          timezone: opts.timezone,
          group: opts.group,
          parameters: parseKeyValues(opts.param, '--param'),
          map: parseKeyValues(opts.map, '--map'),
          description: opts.description,
          enabled: opts.disabled ? false : undefined,
        });
        emit(opts, created, () => `Created ${created.kind} trigger ${created.name} of pipeline ${created.pipeline}${created.nextFireAt ? ` (next at ${created.nextFireAt})` : ''}`);
      }),
    );
  triggers
    .command('list')
    .description('List triggers')
    .option('--pipeline <name>', 'of this pipeline only')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { pipeline?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().triggers.list({ pipeline: opts.pipeline, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0 ? 'No triggers.' : table(['name', 'pipeline', 'kind', 'watches', 'enabled', 'last fired'], res.items.map((t) => [t.name, t.pipeline, t.kind, watches(t), t.enabled, t.lastFired?.at])),
        );
      }),
    );
  triggers
    .command('describe <name>')
    .description('A trigger: what it watches, the parameters it passes, its next and last firing')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const t = await client().triggers.describe(name);
        emit(opts, t, () => describeText(t));
      }),
    );
  triggers
    .command('delete <name>')
    .description('Delete a trigger (executions it started stay)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().triggers.delete(name);
        emit(opts, { deleted: name }, () => `Deleted trigger ${name}`);
      }),
    );
  for (const [verb, on] of [['enable', true], ['disable', false]] as const) {
    triggers
      .command(`${verb} <name>`)
      .description(on ? 'Enable a trigger: it fires for what happens from now on' : 'Disable a trigger')
      .option('--json', 'machine output')
      .action((name: string, opts: Json) =>
        run(opts, async () => {
          const t = on ? await client().triggers.enable(name) : await client().triggers.disable(name);
          emit(opts, t, () => `Trigger ${t.name} is ${t.enabled ? 'enabled' : 'disabled'}`);
        }),
      );
  }
}

function watches(t: PipelineTrigger): string {
  const s = t.source;
  switch (t.kind) {
    case 'dataset':
      return `dataset ${s.dataset}`;
    case 'crawler':
      return `crawler ${s.crawler} every ${s.every}`;
    case 'schedule':
      return `${s.cron} (${s.timezone})`;
    case 'registry':
      return `approvals in ${s.group}`;
  }
}

function describeText(t: PipelineTrigger): string {
  const kv = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${String(v)}`).join(', ') || '-';
  return fields([
    ['name', t.name],
    ['pipeline', t.pipeline],
    ['kind', t.kind],
    ['watches', watches(t)],
    ['enabled', t.enabled],
    ['parameters', kv(t.parameters)],
    ['map', kv(t.map)],
    ['next fire', t.nextFireAt],
    ['last fired', t.lastFired ? `${t.lastFired.at} → ${t.lastFired.execution ?? 'not started'} (${JSON.stringify(t.lastFired.event)})` : null],
    ['last error', t.lastError],
    ['description', t.description],
    ['created', `${t.createdAt} by ${t.createdBy ?? '-'}`],
  ]);
}
