/** The wire shapes of processing jobs are declared once, in the contracts. */
export type {
  CreateProcessingJobInput,
  ProcessingDistribution,
  ProcessingInput,
  ProcessingInputFormat,
  ProcessingInstance,
  ProcessingInstanceStatus,
  ProcessingJob,
  ProcessingJobFilter,
  ProcessingJobStatus,
  ProcessingLogLine,
  ProcessingOutput,
} from '../contracts/index.js';
import type { ProcessingInput, ProcessingOutput } from '../contracts/index.js';

/** What a job row's `spec_json` holds: the request, validated, with its dataset refs resolved. */
export interface ProcessingSpec {
  script: { entryPoint: string; sourceKey: string };
  arguments: string[];
  environment: Record<string, string>;
  inputs: ProcessingInput[];
  outputs: ProcessingOutput[];
  maxRuntimeSeconds: number;
  maxRetries: number;
  /** Cores each instance asks for; absent: all of a worker's. */
  cpus?: number;
  tags: Record<string, string>;
}

/** Queue kinds: one job per instance, then one that turns the instances' outputs into datasets and artifacts. */
export const PROCESSING_KIND = 'processing';
export const PROCESSING_ASSEMBLE_KIND = 'processing-assemble';

export const instanceJobId = (name: string, instance: number) => `processing.${name}.${instance}`;
export const assembleJobId = (name: string) => `processing.${name}.assemble`;

/** Attempts an instance may lose to the platform (a worker killed, a restart) beyond its own retries. */
export const PLATFORM_RETRIES = 3;
/** Assembly attempts in all. */
export const ASSEMBLE_ATTEMPTS = 5;

/** SageMaker's host names: `algo-1` for instance 0. */
export const hostOf = (instance: number) => `algo-${instance + 1}`;

/** Where an instance's output files wait (a platform folder) until the whole job has succeeded. */
export const stagingPrefix = (name: string) => `jobs/${name}/processing/`;
/** An instance's staging folder, or one output's folder in it. */
export const instanceStagingPrefix = (name: string, instance: number, output?: string) => `${stagingPrefix(name)}${hostOf(instance)}/${output === undefined ? '' : `${output}/`}`;
