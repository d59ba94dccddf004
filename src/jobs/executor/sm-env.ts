import os from 'node:os';
import path from 'node:path';
import type { WorkDir } from './workdir.js';

export interface ScriptEnvSpec {
  jobName: string;
  workDir: WorkDir;
  /** Hyperparameters as given (SageMaker passes strings). */
  hyperparameters: Record<string, string>;
  channels: Record<string, { contentType: string }>;
  /** The entry point's file name inside the source folder. */
  entryPoint: string;
  numCpus?: number;
}

/** A hyperparameter as the SageMaker training toolkit decodes it: JSON when it parses, else the string. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** `--key value` pairs, as the toolkit passes hyperparameters to a script. */
export function hyperparameterArgs(hps: Record<string, string>): string[] {
  return Object.entries(hps).flatMap(([k, v]) => [`--${k}`, v]);
}

/**
 * The `SM_*` environment the SageMaker training toolkit gives a script, pointing at
 * this attempt's working folder instead of `/opt/ml`.
 */
export function scriptEnvironment(spec: ScriptEnvSpec): Record<string, string> {
  const { workDir } = spec;
  const channels = Object.keys(spec.channels).sort();
  const hps = Object.fromEntries(Object.entries(spec.hyperparameters).map(([k, v]) => [k, decode(v)]));
  const hosts = ['algo-1'];
  const numCpus = spec.numCpus ?? os.availableParallelism();
  const inputDataConfig = Object.fromEntries(Object.entries(spec.channels).map(([n, c]) => [n, { ContentType: c.contentType, TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', RecordWrapperType: 'None' }]));
  const resourceConfig = { current_host: hosts[0], hosts, network_interface_name: 'lo' };
  const userArgs = hyperparameterArgs(spec.hyperparameters);
  const moduleName = spec.entryPoint.replace(/\.[^.]+$/, '');
  const channelDirs = Object.fromEntries(channels.map((c) => [c, workDir.channelDir(c)]));
  const trainingEnv = {
    additional_framework_parameters: {},
    channel_input_dirs: channelDirs,
    current_host: hosts[0],
    framework_module: null,
    hosts,
    hyperparameters: hps,
    input_config_dir: workDir.configDir,
    input_data_config: inputDataConfig,
    input_dir: path.dirname(workDir.configDir),
    job_name: spec.jobName,
    log_level: 20,
    model_dir: workDir.modelDir,
    module_name: moduleName,
    network_interface_name: 'lo',
    num_cpus: numCpus,
    num_gpus: 0,
    output_data_dir: workDir.outputDataDir,
    output_dir: workDir.outputDir,
    resource_config: resourceConfig,
    user_entry_point: spec.entryPoint,
  };
  const env: Record<string, string> = {
    SM_MODEL_DIR: workDir.modelDir,
    SM_CHANNELS: JSON.stringify(channels),
    SM_HPS: JSON.stringify(hps),
    SM_OUTPUT_DATA_DIR: workDir.outputDataDir,
    SM_OUTPUT_DIR: workDir.outputDir,
    SM_INPUT_DIR: trainingEnv.input_dir,
    SM_INPUT_CONFIG_DIR: workDir.configDir,
    SM_INPUT_DATA_CONFIG: JSON.stringify(inputDataConfig),
    SM_RESOURCE_CONFIG: JSON.stringify(resourceConfig),
    SM_CHECKPOINT_DIR: workDir.checkpointDir,
    SM_CURRENT_HOST: hosts[0],
    SM_HOSTS: JSON.stringify(hosts),
    SM_NETWORK_INTERFACE_NAME: 'lo',
    SM_NUM_CPUS: String(numCpus),
    SM_NUM_GPUS: '0',
    SM_LOG_LEVEL: '20',
    SM_MODULE_NAME: moduleName,
    SM_USER_ENTRY_POINT: spec.entryPoint,
    SM_USER_ARGS: JSON.stringify(userArgs),
    SM_FRAMEWORK_PARAMS: '{}',
    SM_TRAINING_ENV: JSON.stringify(trainingEnv),
  };
  for (const c of channels) env[`SM_CHANNEL_${c.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = workDir.channelDir(c);
  for (const [k, v] of Object.entries(spec.hyperparameters)) env[`SM_HP_${k.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = v;
  return env;
}
