import type { Command } from 'commander';
import { ENDPOINT_METRIC_NAMES, JOB_METRIC_NAMES, METRIC_STAT_VALUES } from '../../contracts/metrics-values.js';
import type { GetMetricsOptions } from '../../sdk/index.js';
import { client, run } from '../context.js';
import { emit, table } from '../output.js';

/** The SDK's options as commander hands them over: every value a string, plus `--json`. */
type GetOpts = Omit<GetMetricsOptions, 'stat' | 'period' | 'since' | 'until'> & { json?: boolean; stat: string; period: string; since: string; until?: string };

/** `orchard metrics get`: one statistic of a stored metric per period. */
export function metricsCommand(program: Command): void {
  const metrics = program.command('metrics').description("Stored metrics (CloudWatch's role): endpoints' invocations, errors, latencies, CPU and memory; jobs' CPU and memory");
  metrics
    .command('get')
    .description('Datapoints of a metric for one statistic per period (periods without samples are left out)')
    .option('--endpoint <name>', 'an endpoint (namespace endpoint)')
    .option('--variant <name>', 'one variant of it')
    .option('--instance <id>', "one instance of it (CPUUtilization, MemoryUtilization, MemoryUsedMiB)")
    .option('--job <name>', 'a training or processing job (namespace job)')
    .option('--kind <kind>', 'training | processing (with --job, when both kinds have the name)')
    .option('--namespace <ns>', 'endpoint | job | monitor (default: job with --job, monitor with --schedule, else endpoint)')
    .option('--schedule <name>', 'a monitoring schedule (namespace monitor)')
    .option('--feature <name>', "a monitored feature (namespace monitor)")
    .requiredOption('--metric <name>', `endpoint: ${ENDPOINT_METRIC_NAMES.join(', ')}; job: ${JOB_METRIC_NAMES.join(', ')}`)
    .option('--stat <stat>', METRIC_STAT_VALUES.join(' | '), 'avg')
    .option('--period <seconds>', 'seconds per datapoint, a multiple of 60', '60')
    .option('--since <when>', 'a duration back from now (15m, 1h, 2d) or an ISO time', '1h')
    .option('--until <when>', 'a duration back from now or an ISO time (default now)')
    .option('--json', 'machine output')
    .action((opts: GetOpts) =>
      run(opts, async () => {
        const { json: _json, ...query } = opts;
        const res = await client().metrics.get({ ...query, period: Number(opts.period) });
        emit(opts, res, () =>
          res.datapoints.length === 0
            ? `No datapoints of ${opts.metric} (${opts.stat}) since ${opts.since}.`
            : table(['timestamp', `${opts.metric} ${opts.stat}`], res.datapoints.map((d) => [d.timestamp, formatValue(d.value)])),
        );
      }),
    );
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3);
}
