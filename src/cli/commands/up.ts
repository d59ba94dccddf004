import type { Command } from 'commander';
import { optionsFromEnv, parseHostList, parsePort, resolveConfig } from '../../core/index.js';
import { run } from '../context.js';

export function upCommand(program: Command): void {
  program
    .command('up')
    .description('Start the platform (embedded defaults: SQLite + local artifacts under ORCHARD_HOME)')
    .option('--port <port>', 'HTTP port (ORCHARD_PORT, default 7070)')
    .option('--home <dir>', 'data folder (ORCHARD_HOME, default ./.orchard)')
    .option('--host <host>', 'interface to bind (ORCHARD_HOST, default 127.0.0.1)')
    .option('--allowed-hosts <names>', 'comma-separated host names the server answers besides localhost, IP addresses and the bind address; * for any (ORCHARD_ALLOWED_HOSTS)')
    .option('--workers <n>', 'training attempts run at once (ORCHARD_WORKERS, default: cores; 0 = none)')
    .option('--cpus <n>', 'cores the embedded worker shares out between jobs (ORCHARD_WORKER_CPUS, default: all)')
    .option('--json', 'print start-up facts as JSON')
    .action(async (opts: { port?: string; home?: string; host?: string; allowedHosts?: string; workers?: string; cpus?: string; json?: boolean }) =>
      run(opts, async () => {
        const config = configFrom(opts);
        survivePromiseLeaks();
        // Loaded here so that client commands never load the server's stores and DuckDB.
        const { startPlatform } = await import('../../platform/index.js');
        const platform = await startPlatform(config);
        const facts = {
          url: platform.url,
          home: config.home,
          database: redact(config.databaseUrl),
          artifacts: config.artifactsUrl,
          adminToken: platform.bootstrap.token ?? null,
          adminTokenFile: platform.bootstrap.tokenFile ?? null,
        };
        if (opts.json) process.stdout.write(JSON.stringify(facts) + '\n');
        else {
          process.stdout.write(`Orchard is up at ${facts.url}\n  studio    ${facts.url}/ (sign in with the admin token or a user's password)\n  home      ${facts.home}\n  metadata  ${facts.database}\n  artifacts ${facts.artifacts}\n`);
          if (facts.adminToken) {
            process.stdout.write(`\nFirst start: admin token (shown once; also in ${facts.adminTokenFile}):\n  ${facts.adminToken}\n`);
          }
          process.stdout.write('\nPress Ctrl+C to stop.\n');
        }
        await waitForSignal();
        await platform.close();
      }),
    );
}

/** Environment first, then the command's flags. */
function configFrom(opts: { port?: string; home?: string; host?: string; allowedHosts?: string; workers?: string; cpus?: string }) {
  const fromEnv = optionsFromEnv();
  return resolveConfig({
    ...fromEnv,
    ...(opts.port !== undefined ? { port: parsePort(opts.port) } : {}),
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.allowedHosts !== undefined ? { allowedHosts: parseHostList(opts.allowedHosts) } : {}),
    ...(opts.workers !== undefined ? { workers: Number(opts.workers) } : {}),
    ...(opts.cpus !== undefined ? { workerCpus: Number(opts.cpus) } : {}),
    logLevel: fromEnv.logLevel ?? 'warn',
  });
}

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run training attempts for a fleet: same ORCHARD_DATABASE_URL (PostgreSQL), ORCHARD_ARTIFACTS_URL (S3) and ORCHARD_QUEUE_URL (Redis) as the server')
    .option('--home <dir>', 'local scratch folder (ORCHARD_HOME, default ./.orchard)')
    .option('--workers <n>', 'attempts run at once (ORCHARD_WORKERS, default: cores)')
    .option('--cpus <n>', 'cores this worker shares out between jobs (ORCHARD_WORKER_CPUS, default: all)')
    .option('--json', 'print start-up facts as JSON')
    .action(async (opts: { home?: string; workers?: string; cpus?: string; json?: boolean }) =>
      run(opts, async () => {
        const config = configFrom(opts);
        survivePromiseLeaks();
        const { startWorker } = await import('../../platform/index.js');
        const worker = await startWorker(config);
        const facts = { workers: config.workers, cpus: config.workerCpus, database: redact(config.databaseUrl), artifacts: config.artifactsUrl, queue: redact(config.queueUrl) };
        if (opts.json) process.stdout.write(JSON.stringify(facts) + '\n');
        else process.stdout.write(`Orchard worker running ${facts.workers} attempt slot(s) on ${facts.cpus} core(s)\n  metadata  ${facts.database}\n  artifacts ${facts.artifacts}\n  queue     ${facts.queue}\n`);
        await waitForSignal();
        await worker.close();
      }),
    );
}

/**
 * A long-running server or worker reports a promise rejection nobody handled (a client
 * library's during a Redis or database outage, say) instead of dying of it: its jobs are
 * leased, so dying would cost every running attempt for one stray error.
 */
function survivePromiseLeaks(): void {
  process.on('unhandledRejection', (reason) => {
    const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    process.stderr.write(`orchard: unhandled rejection (kept running): ${text}\n`);
  });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Hides a password in a database URL before printing it. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
