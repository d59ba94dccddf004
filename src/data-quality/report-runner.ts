/**
 * Child-process entry of one data-quality report: runs the analysis (DuckDB queries, the
 * single-feature scores and the quick model, whose training is synchronous work) outside
 * the worker's process, so the server's event loop, the job's heartbeat and the API keep
 * answering while a report runs, and a crash or a stop costs only this process.
 *
 * Protocol: argv[2] is a JSON spec file (`RunnerSpec`); stdout gets `#progress <percent>
 * <stage>` lines; the report is written to `spec.output`. A request the data cannot
 * satisfy (a client error) writes `{code, message}` to `spec.output + '.error'` and exits
 * with `DATA_ERROR_EXIT`: not worth a retry.
 */
import fs from 'node:fs/promises';
import { isOrchardError } from '../core/index.js';
import { exitWithParent } from '../jobs/executor/runner-program.js';
import { analyseDataset, type AnalyseInput } from './analyse.js';

export const DATA_ERROR_EXIT = 3;

export type RunnerSpec = Omit<AnalyseInput, 'signal' | 'onProgress'> & { output: string };

async function main(): Promise<void> {
  exitWithParent();
  const spec = JSON.parse(await fs.readFile(process.argv[2], 'utf8')) as RunnerSpec;
  const report = await analyseDataset({ ...spec, onProgress: (stage, percent) => process.stdout.write(`#progress ${percent} ${stage}\n`) });
  await fs.writeFile(spec.output, JSON.stringify(report));
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(message + '\n');
    if (isOrchardError(err) && err.status < 500) {
      const spec = JSON.parse(await fs.readFile(process.argv[2], 'utf8')) as RunnerSpec;
      await fs.writeFile(`${spec.output}.error`, JSON.stringify({ code: err.code, message: err.message }));
      process.exit(DATA_ERROR_EXIT);
    }
    process.exit(1);
  },
);
