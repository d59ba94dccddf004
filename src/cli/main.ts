import { Command, CommanderError } from 'commander';
import { VERSION } from '../core/index.js';
import { artifactsCommand } from './commands/artifacts.js';
import { crawlersCommand } from './commands/crawlers.js';
import { webhooksCommand } from './commands/webhooks.js';
import { metricsCommand } from './commands/metrics.js';
import { pipelinesCommand } from './commands/pipelines.js';
import { eventsCommand } from './commands/events.js';
import { triggersCommand } from './commands/triggers.js';
import { alarmsCommand } from './commands/alarms.js';
import { labelingCommand } from './commands/labeling.js';
import { reviewsCommand } from './commands/reviews.js';
import { dashboardsCommand } from './commands/dashboards.js';
import { datasetsCommand } from './commands/datasets.js';
import { dataQualityCommand } from './commands/data-quality.js';
import { monitorCommand } from './commands/monitor.js';
import { monitorGroundTruthCommand } from './commands/monitor-ground-truth.js';
import { forecastCommand } from './commands/forecast.js';
import { endpointsCommand } from './commands/endpoints.js';
import { experimentsCommand, runsCommand } from './commands/experiments.js';
import { tuneCommand, tunesCommand } from './commands/tuning.js';
import { automlCommand } from './commands/automl.js';
import { modelsCommand, registryCommand } from './commands/models.js';
import { tokensCommand } from './commands/tokens.js';
import { accessKeysCommand } from './commands/access-keys.js';
import { transformCommand, transformsCommand } from './commands/transforms.js';
import { recipesCommand } from './commands/recipes.js';
import { processCommand, processingCommand } from './commands/processing.js';
import { jobsCommand, trainCommand } from './commands/training.js';
import { upCommand, workerCommand } from './commands/up.js';
import { usersCommand } from './commands/users.js';
import { client, exit, run } from './context.js';
import { emit } from './output.js';

/** Runs the `orchard` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('orchard')
    .description('Orchard: a self-hosted machine-learning platform')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('version')
    .description('Client and server versions')
    .option('--json', 'machine output')
    .action((opts: { json?: boolean }) =>
      run(opts, async () => {
        const server = await client()
          .version()
          .then((v) => v.version)
          .catch(() => null);
        emit(opts, { client: VERSION, server }, () => `orchard ${VERSION}\nserver  ${server ?? 'unreachable'}`);
      }),
    );
  upCommand(program);
  workerCommand(program);
  datasetsCommand(program);
  dataQualityCommand(program);
  monitorCommand(program);
  monitorGroundTruthCommand(program);
  crawlersCommand(program);
  webhooksCommand(program);
  metricsCommand(program);
  pipelinesCommand(program);
  eventsCommand(program);
  triggersCommand(program);
  alarmsCommand(program);
  labelingCommand(program);
  reviewsCommand(program);
  artifactsCommand(program);
  usersCommand(program);
  tokensCommand(program);
  accessKeysCommand(program);
  trainCommand(program);
  jobsCommand(program);
  modelsCommand(program);
  registryCommand(program);
  transformCommand(program);
  transformsCommand(program);
  recipesCommand(program);
  processCommand(program);
  processingCommand(program);
  endpointsCommand(program);
  experimentsCommand(program);
  runsCommand(program);
  tuneCommand(program);
  tunesCommand(program);
  automlCommand(program);
  dashboardsCommand(program);
  forecastCommand(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return exit.code;
}
