/**
 * The program a built-in algorithm's attempt runs in its own process:
 * `algorithm-runner <algorithm>`, inside a SageMaker-style working folder described by
 * the `SM_*` environment. Metrics go to stdout as `#metric <name>=<value> [step=<n>]`
 * lines; a failure is written to `output/failure`, as SageMaker's contract says.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChannelInput } from '../algorithms/index.js';
// Not through algorithms/index.ts, which loads every built-in: this process runs one, and
// loads that one's folder only.
import { loadBuiltin } from '../algorithms/builtin-loaders.js';
import { readResolvedHyperparameters } from './resolved-hyperparameters-file.js';

async function main(): Promise<void> {
  const name = process.argv[2];
  const env = process.env;
  const algorithm = await loadBuiltin(name);
  const configDir = env.SM_INPUT_CONFIG_DIR!;
  const inputConfig = JSON.parse(await fs.readFile(path.join(configDir, 'inputdataconfig.json'), 'utf8')) as Record<string, { ContentType: string }>;
  // Resolved once, when the job was created; `hyperparameters.json` keeps the strings as given.
  const hyperparameters = await readResolvedHyperparameters(configDir);
  const channels: Record<string, ChannelInput> = {};
  for (const channel of JSON.parse(env.SM_CHANNELS ?? '[]') as string[]) {
    const dir = env[`SM_CHANNEL_${channel.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]!;
    const files = (await fs.readdir(dir)).sort().map((f) => path.join(dir, f));
    channels[channel] = { files, contentType: inputConfig[channel]?.ContentType ?? 'text/csv' };
  }
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  await algorithm.train({
    hyperparameters,
    channels,
    modelDir: env.SM_MODEL_DIR!,
    checkpointDir: env.SM_CHECKPOINT_DIR!,
    threads: Number(env.SM_NUM_CPUS) || os.availableParallelism(),
    seed: typeof hyperparameters.seed === 'number' ? hyperparameters.seed : 0,
    signal: controller.signal,
    log: (line) => process.stdout.write(line + '\n'),
    metric: (metric, value, step) => process.stdout.write(`#metric ${metric}=${value}${step === undefined ? '' : ` step=${step}`}\n`),
  });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: string })?.code;
    await fs.writeFile(path.join(process.env.SM_OUTPUT_DIR ?? '.', 'failure'), code ? `${code}: ${message}` : message).catch(() => undefined);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
