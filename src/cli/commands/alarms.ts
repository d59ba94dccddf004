import type { Command } from 'commander';
import type { Alarm, CreateAlarmRequest } from '../../sdk/index.js';
import { ALARM_COMPARISONS, ALARM_MISSING_DATA, ALARM_STATS } from '../../contracts/alarm-values.js';
import { client, collect, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };
type CreateOpts = Json & {
  namespace?: CreateAlarmRequest['namespace'];
  endpoint?: string;
  variant?: string;
  job?: string;
  jobKind?: string;
  schedule?: string;
  dimension?: string[];
  metric: string;
  stat: CreateAlarmRequest['stat'];
  period: number;
  threshold: string;
  comparison: CreateAlarmRequest['comparison'];
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  treatMissingData?: CreateAlarmRequest['treatMissingData'];
  action?: string[];
  okAction?: string[];
  description?: string;
  disabled?: boolean;
};

/** `orchard alarms …`: thresholds on stored metrics, and what happens when one is crossed. */
export function alarmsCommand(program: Command): void {
  const alarms = program.command('alarms').description('Alarms on stored metrics: a threshold over N of M periods, with webhook, pipeline and stop-training actions');
  alarms
    .command('create <name>')
    .description('Create an alarm (INSUFFICIENT_DATA until the server first evaluates it)')
    .option('--namespace <ns>', 'endpoint | job | monitor (default: job with --job, monitor with --schedule, else endpoint)')
    .option('--endpoint <name>', 'the endpoint watched (dimension endpoint)')
    .option('--variant <name>', 'one variant of it (dimension variant)')
    .option('--job <name>', 'the job watched (namespace job, dimension job)')
    .option('--job-kind <kind>', 'training (default) or processing')
    .option('--schedule <name>', 'the monitoring schedule watched (namespace monitor)')
    .option('--dimension <k=v>', 'another dimension (repeatable), e.g. instance=… or feature=…', collect)
    .requiredOption('--metric <name>', 'e.g. Invocation4XXErrors, ModelLatency, CPUUtilization')
    .requiredOption('--stat <stat>', ALARM_STATS.join(' | '))
    .option('--period <seconds>', 'seconds per datapoint, a multiple of 60', positiveInt, 60)
    .requiredOption('--threshold <number>', 'the value compared with each datapoint')
    .requiredOption('--comparison <op>', ALARM_COMPARISONS.join(' | '))
    .option('--evaluation-periods <m>', 'M: the periods looked at (the running one included)', positiveInt, 1)
    .option('--datapoints-to-alarm <n>', 'N of the M periods must breach (default M)', positiveInt)
    .option('--treat-missing-data <how>', `${ALARM_MISSING_DATA.join(' | ')} (default missing)`)
    .option('--action <action>', 'on ALARM (repeatable): webhook:NAME, pipeline:NAME[?k=v&…], stop-training:JOB', collect)
    .option('--ok-action <action>', 'on the way back from ALARM to OK (repeatable)', collect)
    .option('--description <text>', 'what it is for')
    .option('--disabled', 'create it disabled')
    .option('--json', 'machine output')
    .action((name: string, opts: CreateOpts) =>
      run(opts, async () => {
        const threshold = Number(opts.threshold);
        if (opts.threshold.trim() === '' || !Number.isFinite(threshold)) throw new Error(`--threshold must be a number, got '${opts.threshold}'`);
        const namespace = opts.namespace ?? (opts.job ? 'job' : opts.schedule ? 'monitor' : 'endpoint');
        const dimensions: Record<string, string> = {};
        const set = (k: string, v: string | undefined) => v !== undefined && (dimensions[k] = v);
        set('endpoint', opts.endpoint);
        set('variant', opts.variant);
        set('job', opts.job);
        set('kind', opts.jobKind);
        set('schedule', opts.schedule);
        Object.assign(dimensions, parseKeyValues(opts.dimension, '--dimension') ?? {});
        const created = await client().alarms.create({
          name,
          namespace,
          metric: opts.metric,
          dimensions,
          stat: opts.stat,
          period: opts.period,
          threshold,
          comparison: opts.comparison,
          evaluationPeriods: opts.evaluationPeriods,
          datapointsToAlarm: opts.datapointsToAlarm,
          treatMissingData: opts.treatMissingData,
          actions: opts.action,
          okActions: opts.okAction,
          description: opts.description,
          enabled: opts.disabled ? false : undefined,
        });
        emit(opts, created, () => `Created alarm ${created.name}: ${rule(created)} (${created.state})`);
      }),
    );
  alarms
    .command('list')
    .description('List alarms with their state')
    .option('--state <state>', 'OK | ALARM | INSUFFICIENT_DATA')
    .option('--endpoint <name>', 'alarms on this endpoint')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { state?: Alarm['state']; endpoint?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().alarms.list({ state: opts.state, endpoint: opts.endpoint, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0 ? 'No alarms.' : table(['name', 'state', 'rule', 'enabled', 'since'], res.items.map((a) => [a.name, a.state, rule(a), a.enabled, a.stateUpdatedAt])),
        );
      }),
    );
  alarms
    .command('describe <name>')
    .description('An alarm: its rule, state and reason, the datapoints last seen and its history')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const a = await client().alarms.describe(name);
        emit(opts, a, () => describeText(a));
      }),
    );
  alarms
    .command('delete <name>')
    .description('Delete an alarm and its history')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().alarms.delete(name);
        emit(opts, { deleted: name }, () => `Deleted alarm ${name}`);
      }),
    );
  for (const [verb, on] of [['enable', true], ['disable', false]] as const) {
    alarms
      .command(`${verb} <name>`)
      .description(on ? 'Enable an alarm: evaluated again, from INSUFFICIENT_DATA' : 'Disable an alarm: no longer evaluated')
      .option('--json', 'machine output')
      .action((name: string, opts: Json) =>
        run(opts, async () => {
          const a = on ? await client().alarms.enable(name) : await client().alarms.disable(name);
          emit(opts, a, () => `Alarm ${a.name} is ${a.enabled ? 'enabled' : 'disabled'} (${a.state})`);
        }),
      );
  }
  alarms
    .command('evaluate <name>')
    .description('Evaluate an alarm now; its actions run if its state changes')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const a = await client().alarms.evaluate(name);
        emit(opts, a, () => `${a.name}: ${a.state} — ${a.stateReason}`);
      }),
    );
}

function rule(a: Pick<Alarm, 'namespace' | 'metric' | 'dimensions' | 'stat' | 'period' | 'comparison' | 'threshold' | 'datapointsToAlarm' | 'evaluationPeriods'>): string {
  const dims = Object.entries(a.dimensions).map(([k, v]) => `${k}=${v}`).join(',');
  const op = { GreaterThanThreshold: '>', GreaterThanOrEqualToThreshold: '>=', LessThanThreshold: '<', LessThanOrEqualToThreshold: '<=' }[a.comparison];
  return `${a.stat}(${a.namespace}/${a.metric}{${dims}}, ${a.period}s) ${op} ${a.threshold} for ${a.datapointsToAlarm} of ${a.evaluationPeriods}`;
}

function describeText(a: Alarm): string {
  const head = fields([
    ['name', a.name],
    ['state', `${a.state} since ${a.stateUpdatedAt}`],
    ['reason', a.stateReason],
    ['rule', rule(a)],
    ['missing data', a.treatMissingData],
    ['actions', a.actions.join(', ') || '-'],
    ['ok actions', a.okActions.join(', ') || '-'],
    ['enabled', a.enabled],
    ['last evaluated', a.lastEvaluatedAt],
    ['datapoints', a.lastDatapoints.map((d) => `${d.timestamp.slice(11, 16)}=${d.value ?? '-'}`).join('  ') || '-'],
    ['description', a.description],
    ['created', `${a.createdAt} by ${a.createdBy ?? '-'}`],
  ]);
  if (a.history.length === 0) return `${head}\n\nNo transitions yet.`;
  const rows = a.history.map((t) => [t.at, `${t.from} → ${t.to}`, t.actions.map((r) => `${r.action}: ${r.status}${r.resource ? ` (${r.resource})` : ''}${r.error ? ` ${r.error}` : ''}`).join('\n') || '-', t.reason]);
  return `${head}\n\n${table(['at', 'transition', 'actions', 'reason'], rows)}`;
}
