import type { Command } from 'commander';
import type { PlatformEvent } from '../../contracts/index.js';
import { TERMINAL_EXECUTION_STATUSES } from '../../contracts/pipeline.values.js';
import { client, collect, positiveInt, run } from '../context.js';

interface EventsOptions {
  since?: string;
  kind?: string[];
  execution?: string;
  count?: number;
  json?: boolean;
}

/** One line per event: time, kind, name, status, then what the kind adds. */
export function eventLine(e: PlatformEvent): string {
  if (e.type === 'pipeline-step') {
    const extra = [`attempt ${e.attempt}`, e.resource, e.failureCode && e.failureReason ? `${e.failureCode}: ${e.failureReason}` : e.failureReason].filter(Boolean);
    return `${e.updatedAt}  ${e.kind}  ${e.name}  ${e.status}  ${extra.join('  ')}`;
  }
  const extra = [e.secondaryStatus, e.failureReason].filter(Boolean);
  return `${e.updatedAt}  ${e.kind}  ${e.name}  ${e.status}${extra.length ? `  ${extra.join('  ')}` : ''}`;
}

/** Whether an event concerns one pipeline execution: its own status, or one of its steps. */
function ofExecution(e: PlatformEvent, id: string): boolean {
  return e.type === 'pipeline-step' ? e.execution === id : e.kind === 'pipeline-execution' && e.name === id;
}

export function eventsCommand(program: Command): void {
  program
    .command('events')
    .description('Follow the platform feed: status changes (jobs, endpoints, …) and pipeline steps as they change')
    .option('--since <time>', 'first replay what changed after this ISO-8601 time')
    .option('--kind <kind>', 'only events of this kind (training-job, pipeline-step, …; repeatable)', collect, [])
    .option('--execution <id>', "only one pipeline execution's status and steps; ends when the execution does")
    .option('--count <n>', 'stop after this many events', positiveInt)
    .option('--json', 'one JSON object per line')
    .action((opts: EventsOptions) =>
      run(opts, async () => {
        let seen = 0;
        // One execution: from its start by default, so its steps' current states come first
        // and an execution that has ended already ends the command at once.
        const since = opts.since ?? (opts.execution ? (await client().pipelines.execution(opts.execution)).createdAt : undefined);
        // Leaving the loop closes the stream.
        for await (const e of client().events.feed({ since })) {
          if (opts.kind?.length && !opts.kind.includes(e.kind)) continue;
          if (opts.execution && !ofExecution(e, opts.execution)) continue;
          process.stdout.write((opts.json ? JSON.stringify(e) : eventLine(e)) + '\n');
          const ended = opts.execution !== undefined && e.type === 'status' && TERMINAL_EXECUTION_STATUSES.includes(e.status);
          if (ended || (opts.count !== undefined && ++seen >= opts.count)) break;
        }
      }),
    );
}
