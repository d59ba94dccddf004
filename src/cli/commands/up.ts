import type { Command } from 'commander';
import { optionsFromEnv, parsePort, resolveConfig } from '../../core/index.js';
import { run } from '../context.js';

export function upCommand(program: Command): void {
  program
    .command('up')
    .description('Start the platform (embedded defaults: SQLite + local artifacts under ORCHARD_HOME)')
    .option('--port <port>', 'HTTP port (ORCHARD_PORT, default 7070)')
    .option('--home <dir>', 'data folder (ORCHARD_HOME, default ./.orchard)')
    .option('--host <host>', 'interface to bind (ORCHARD_HOST, default 127.0.0.1)')
    .option('--workers <n>', 'training attempts run at once (ORCHARD_WORKERS, default: cores; 0 = none)')
    .option('--json', 'print start-up facts as JSON')
    .action(async (opts: { port?: string; home?: string; host?: string; workers?: string; json?: boolean }) =>
      run(opts, async () => {
        const fromEnv = optionsFromEnv();
        const config = resolveConfig({
          ...fromEnv,
          ...(opts.port !== undefined ? { port: parsePort(opts.port) } : {}),
          ...(opts.home !== undefined ? { home: opts.home } : {}),
          ...(opts.host !== undefined ? { host: opts.host } : {}),
          ...(opts.workers !== undefined ? { workers: Number(opts.workers) } : {}),
          logLevel: fromEnv.logLevel ?? 'warn',
        });
        // Loaded here so that client commands never load the server's stores and DuckDB.
        const { startPlatform } = await import('../../api/index.js');
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
          process.stdout.write(`Orchard is up at ${facts.url}\n  home      ${facts.home}\n  metadata  ${facts.database}\n  artifacts ${facts.artifacts}\n`);
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
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
