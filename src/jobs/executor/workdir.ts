import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The working folder of one attempt, laid out as SageMaker's `/opt/ml`, so scripts
 * written for SageMaker find everything where they expect it.
 */
export interface WorkDir {
  root: string;
  configDir: string;
  dataDir: string;
  modelDir: string;
  outputDir: string;
  outputDataDir: string;
  checkpointDir: string;
  /** `input/data/<channel>` for a channel. */
  channelDir(channel: string): string;
}

export interface ChannelConfig {
  /** `text/csv`, `application/x-parquet`, … */
  contentType: string;
  /** SageMaker's S3DistributionType; always a full copy here. */
  distribution?: 'FullyReplicated';
}

export interface WorkDirSpec {
  hyperparameters: Record<string, string>;
  channels: Record<string, ChannelConfig>;
  /** The host names of the attempt's cluster (one host here). */
  hosts?: string[];
}

const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function workDirAt(root: string): WorkDir {
  const input = path.join(root, 'input');
  return {
    root,
    configDir: path.join(input, 'config'),
    dataDir: path.join(input, 'data'),
    modelDir: path.join(root, 'model'),
    outputDir: path.join(root, 'output'),
    outputDataDir: path.join(root, 'output', 'data'),
    checkpointDir: path.join(root, 'checkpoints'),
    channelDir: (channel) => path.join(input, 'data', checkChannel(channel)),
  };
}

function checkChannel(name: string): string {
  if (!CHANNEL_NAME.test(name)) throw new Error(`Invalid channel name '${name}'`);
  return name;
}

/**
 * Creates the folders and the three config files SageMaker writes:
 * `hyperparameters.json` (every value a string), `inputdataconfig.json` and
 * `resourceconfig.json`.
 */
export async function createWorkDir(root: string, spec: WorkDirSpec): Promise<WorkDir> {
  const dir = workDirAt(root);
  for (const folder of [dir.configDir, dir.dataDir, dir.modelDir, dir.outputDataDir, dir.checkpointDir]) {
    await fs.mkdir(folder, { recursive: true });
  }
  for (const channel of Object.keys(spec.channels)) await fs.mkdir(dir.channelDir(channel), { recursive: true });
  const hosts = spec.hosts ?? ['algo-1'];
  const inputDataConfig = Object.fromEntries(
    Object.entries(spec.channels).map(([name, c]) => [name, { ContentType: c.contentType, TrainingInputMode: 'File', S3DistributionType: c.distribution ?? 'FullyReplicated', RecordWrapperType: 'None' }]),
  );
  await writeJson(path.join(dir.configDir, 'hyperparameters.json'), spec.hyperparameters);
  await writeJson(path.join(dir.configDir, 'inputdataconfig.json'), inputDataConfig);
  await writeJson(path.join(dir.configDir, 'resourceconfig.json'), { current_host: hosts[0], hosts, network_interface_name: 'lo' });
  return dir;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
}
