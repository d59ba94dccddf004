/** Processing jobs: CreateProcessingJob, DescribeProcessingJob, ListProcessingJobs, StopProcessingJob. */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { JOB_STATUSES } from '../../contracts/values.js';
import type { CreateProcessingJobInput, ProcessingJob, ProcessingJobStatus, ProcessingService } from '../../processing/index.js';
import { resolveS3Uri, s3UriOfKey } from '../s3-uri.js';
import { channelDatasetName, datasetOfS3Input, discardDatasets, objectsOf } from './channels.js';
import type { Fields } from './fields.js';
import { listPage, readListQuery, type ListQuery } from './list-query.js';
import { epoch, operation, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const PROCESSING_KIND = 'processing-job';
/** Where the script's folder is (SageMaker's ScriptProcessor puts its code input there too). */
export const CODE_PATH = '/opt/ml/processing/input/code';
const S3_URI = { pattern: /^(https|s3):\/\/([^/]+)\/?(.*)$/, source: '^(https|s3)://([^/]+)/?(.*)$' } as const;
const LOCAL_PATH = { pattern: /^\/opt\/ml\/processing\/.+$/, source: '/opt/ml/processing/.+' } as const;
const IO_NAME = { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, source: '[A-Za-z0-9][A-Za-z0-9_-]{0,63}' } as const;

export interface ProcessingInputRequest {
  name: string;
  uri: string;
  localPath: string;
  dataType: string;
  distribution: 'FullyReplicated' | 'ShardedByS3Key';
}

export interface CreateProcessingJobRequest {
  name: string;
  entrypoint: string[];
  arguments: string[];
  inputs: ProcessingInputRequest[];
  outputs: Array<{ name: string; uri: string; localPath: string }>;
  instanceCount: number;
  maxRuntimeSeconds?: number;
  environment: Record<string, string>;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

const trimmed = (p: string) => p.replace(/\/+$/, '');

/** Reads CreateProcessingJob's fields (also a pipeline's processing step, without a name). */
export function readProcessingInput(f: Fields, body: Record<string, unknown>, options: { named: boolean } = { named: true }): CreateProcessingJobRequest {
  const name = options.named ? f.name('ProcessingJobName', { required: true }) : '';
  f.str('RoleArn', { required: true, min: 20, max: 2048 });
  const app = f.obj('AppSpecification', { required: true });
  app?.str('ImageUri', { required: true, max: 255 });
  const entrypoint = app?.strings('ContainerEntrypoint', { max: 100 }) ?? [];
  const args = app?.strings('ContainerArguments', { max: 100 }) ?? [];
  const seen = new Set<string>();
  const unique = (list: Fields, key: string, value: string | undefined) => {
    if (value === undefined) return;
    if (seen.has(value)) list.fail(key, value, 'Member must be unique among the job\'s inputs and outputs');
    seen.add(value);
  };
  const inputs = f.list('ProcessingInputs', { max: 10 }).map((i) => {
    const inputName = i.str('InputName', { required: true, pattern: IO_NAME });
    unique(i, 'InputName', inputName);
    if (i.has('DatasetDefinition')) i.fail('DatasetDefinition', '…', 'Member is not supported by this server; use S3Input');
    const s3 = i.obj('S3Input', { required: true });
    const input = {
      name: inputName ?? '',
      uri: s3?.str('S3Uri', { required: true, max: 1024, pattern: S3_URI }) ?? '',
      localPath: trimmed(s3?.str('LocalPath', { required: true, max: 256, pattern: LOCAL_PATH }) ?? ''),
      dataType: s3?.str('S3DataType', { required: true, enum: ['ManifestFile', 'S3Prefix'] }) ?? 'S3Prefix',
      distribution: (s3?.str('S3DataDistributionType', { enum: ['FullyReplicated', 'ShardedByS3Key'] }) ?? 'FullyReplicated') as ProcessingInputRequest['distribution'],
    };
    if (s3?.str('S3InputMode', { enum: ['Pipe', 'File'] }) === 'Pipe') s3.fail('S3InputMode', 'Pipe', 'Member must be File on this server');
    if (s3?.str('S3CompressionType', { enum: ['None', 'Gzip'] }) === 'Gzip') s3.fail('S3CompressionType', 'Gzip', 'Member must be None on this server');
    return input;
  });
  const outputConfig = f.obj('ProcessingOutputConfig');
  outputConfig?.str('KmsKeyId', { max: 2048 });
  const outputs = (outputConfig?.list('Outputs', { required: true, max: 10 }) ?? []).map((o) => {
    const outputName = o.str('OutputName', { required: true, pattern: IO_NAME });
    unique(o, 'OutputName', outputName);
    if (o.has('FeatureStoreOutput')) o.fail('FeatureStoreOutput', '…', 'Member is not supported by this server; use S3Output');
    const s3 = o.obj('S3Output', { required: true });
    s3?.str('S3UploadMode', { enum: ['Continuous', 'EndOfJob'] });
    return {
      name: outputName ?? '',
      uri: s3?.str('S3Uri', { required: true, max: 1024, pattern: S3_URI }) ?? '',
      localPath: trimmed(s3?.str('LocalPath', { required: true, max: 256, pattern: LOCAL_PATH }) ?? ''),
    };
  });
  const cluster = f.obj('ProcessingResources', { required: true })?.obj('ClusterConfig', { required: true });
  const instanceCount = cluster?.num('InstanceCount', { required: true, integer: true, min: 1, max: 100 }) ?? 1;
  cluster?.str('InstanceType', { required: true, max: 64 });
  cluster?.num('VolumeSizeInGB', { required: true, integer: true, min: 1, max: 16_384 });
  const maxRuntimeSeconds = f.obj('StoppingCondition')?.num('MaxRuntimeInSeconds', { required: true, integer: true, min: 1, max: 604_800 });
  const environment = f.map('Environment', { maxEntries: 100, maxValue: 256 }) ?? {};
  const tags = f.tags();
  const keep = ['ProcessingInputs', 'ProcessingOutputConfig', 'ProcessingResources', 'StoppingCondition', 'AppSpecification', 'Environment', 'NetworkConfig', 'RoleArn', 'ExperimentConfig'];
  const raw = Object.fromEntries(keep.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]));
  return { name, entrypoint, arguments: args, inputs, outputs, instanceCount, maxRuntimeSeconds, environment, tags, raw };
}

function processingService(ctx: OperationContext): ProcessingService {
  if (!ctx.deps.processing) throw new SageMakerError('ValidationException', 'Processing jobs are not enabled on this server');
  return ctx.deps.processing;
}

/**
 * The script the container runs: the first `ContainerEntrypoint` element under the code
 * folder (`["python3", "/opt/ml/processing/input/code/prep.py", …]`); what follows it is
 * passed before `ContainerArguments`. The interpreter before it is chosen again by the
 * script's extension, as Orchard's processing runs it.
 */
export function scriptOf(request: CreateProcessingJobRequest): { entryPoint: string; leading: string[] } {
  const at = request.entrypoint.findIndex((part) => part.startsWith(`${CODE_PATH}/`));
  if (at < 0) {
    throw new SageMakerError('ValidationException', `AppSpecification.ContainerEntrypoint must name the script under ${CODE_PATH} (as ["python3", "${CODE_PATH}/prep.py"]), with a ProcessingInput whose LocalPath is ${CODE_PATH} carrying it; this server runs scripts, not the image's own entrypoint`);
  }
  return { entryPoint: request.entrypoint[at].slice(CODE_PATH.length + 1), leading: request.entrypoint.slice(at + 1) };
}

/**
 * Packs the objects of the code input into the source archive Orchard's processing unpacks
 * into the code folder: one object keeps its file name, a prefix its objects' paths under it.
 */
export async function sourceArchive(ctx: OperationContext, name: string, code: ProcessingInputRequest, entryPoint: string): Promise<string> {
  const field = `ProcessingInputs.${code.name}.S3Input.S3Uri`;
  const keys = await objectsOf(ctx, code.uri, field);
  const named = resolveS3Uri(code.uri, { bucket: ctx.bucket, allowEmpty: true });
  // One object named by the URI keeps its file name; a prefix keeps its objects' paths under it.
  const prefix = keys.length === 1 && keys[0] === named ? named.slice(0, named.lastIndexOf('/') + 1) : named ? `${trimmed(named)}/` : '';
  const files = keys.filter((key) => key.startsWith(prefix)).map((key) => ({ key, rel: key.slice(prefix.length) }));
  if (!files.some((f) => f.rel === entryPoint)) {
    throw new SageMakerError('ValidationException', `AppSpecification.ContainerEntrypoint names ${CODE_PATH}/${entryPoint}, which is not among the objects of ${code.uri}`);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-processing-source-'));
  try {
    for (const f of files) {
      const target = path.join(dir, ...f.rel.split('/'));
      await fs.mkdir(path.dirname(target), { recursive: true });
      await pipeline(await ctx.deps.artifacts.get(f.key), createWriteStream(target));
    }
    const archive = path.join(dir, '..', `${path.basename(dir)}.tar.gz`);
    await tar.c({ gzip: true, file: archive, cwd: dir, portable: true }, files.map((f) => f.rel));
    const key = `jobs/${name}/source/sourcedir.tar.gz`;
    try {
      await ctx.deps.artifacts.put(key, createReadStream(archive));
    } finally {
      await fs.rm(archive, { force: true });
    }
    return key;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const createProcessingJob = operation<CreateProcessingJobRequest>({
  name: 'CreateProcessingJob',
  permission: 'jobs:write',
  input: (f, body) => readProcessingInput(f, body),
  async run(request, ctx) {
    const service = processingService(ctx);
    const exists = await service.describe(request.name).then(
      () => true,
      () => false,
    );
    if (exists) throw new SageMakerError('ResourceInUse', `Processing job names must be unique within an AWS account and region, and a processing job with this name already exists (${ctx.arn('processing-job', request.name)})`);
    const { entryPoint, leading } = scriptOf(request);
    const code = request.inputs.find((i) => i.localPath === CODE_PATH);
    if (!code) throw new SageMakerError('ValidationException', `ProcessingInputs: no input has LocalPath ${CODE_PATH}, where AppSpecification.ContainerEntrypoint's script ${entryPoint} is`);
    const outputs = request.outputs.map((o) => {
      try {
        return { name: o.name, artifactPrefix: trimmed(resolveS3Uri(o.uri, { bucket: ctx.bucket })), localPath: o.localPath };
      } catch (error) {
        throw new SageMakerError('ValidationException', `ProcessingOutputConfig.Outputs.${o.name}.S3Output.S3Uri: ${(error as Error).message} (${o.uri})`);
      }
    });
    const sourceKey = await sourceArchive(ctx, request.name, code, entryPoint);
    const made: string[] = [];
    const discard = async () => {
      await discardDatasets(ctx, made);
      await ctx.deps.artifacts.delete(sourceKey).catch(() => undefined);
    };
    let input: CreateProcessingJobInput;
    try {
      const inputs: NonNullable<CreateProcessingJobInput['inputs']> = [];
      for (const i of request.inputs.filter((x) => x !== code)) {
        const ref = await datasetOfS3Input(ctx, { uri: i.uri, dataType: i.dataType }, { name: channelDatasetName(request.name, i.name), field: `ProcessingInputs.${i.name}`, tags: { 'sagemaker:processing-job': request.name } });
        made.push(ref);
        const version = await ctx.deps.datasets.describe(ref);
        inputs.push({ name: i.name, dataset: ref, localPath: i.localPath, distribution: i.distribution, format: version.format === 'parquet' ? 'parquet' : 'csv' });
      }
      input = {
        name: request.name,
        script: { entryPoint, sourceKey },
        arguments: [...leading, ...request.arguments],
        environment: request.environment,
        inputs,
        outputs,
        instanceCount: request.instanceCount,
        maxRuntimeSeconds: request.maxRuntimeSeconds,
        tags: Object.keys(request.tags).length > 0 ? request.tags : undefined,
        createdBy: ctx.principal.user.name,
      };
      await service.create(input);
    } catch (error) {
      await discard();
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.put(PROCESSING_KIND, request.name, request.raw, ctx.principal.user.name);
    if (Object.keys(request.tags).length > 0) await ctx.deps.store.addTags(ctx.arn('processing-job', request.name), request.tags);
    return { ProcessingJobArn: ctx.arn('processing-job', request.name) };
  },
});

/** The reason the script gave when an instance failed (SageMaker's ExitMessage: the container's last words). */
function exitMessage(job: ProcessingJob): string | undefined {
  return job.instances.find((i) => i.status === 'Failed' && i.failureReason)?.failureReason ?? undefined;
}

/** DescribeProcessingJob's answer for an Orchard job (made by this API or Orchard's own). */
export function describeProcessingJob(ctx: OperationContext, job: ProcessingJob, sent: Record<string, unknown> | undefined): Record<string, unknown> {
  const inputs = sent?.ProcessingInputs ?? [
    {
      InputName: 'code',
      AppManaged: false,
      S3Input: { S3Uri: s3UriOfKey(job.script.sourceKey, ctx.bucket), LocalPath: CODE_PATH, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated', S3CompressionType: 'None' },
    },
    ...job.processingInputs.map((i) => ({
      InputName: i.name,
      AppManaged: false,
      S3Input: { S3Uri: s3UriOfKey(`datasets/${i.dataset}/${i.version}/`, ctx.bucket), LocalPath: i.localPath, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: i.distribution, S3CompressionType: 'None' },
    })),
  ];
  const outputConfig = sent?.ProcessingOutputConfig ?? {
    Outputs: job.processingOutputs.map((o) => ({
      OutputName: o.name,
      AppManaged: false,
      S3Output: { S3Uri: s3UriOfKey(o.artifactPrefix ? `${o.artifactPrefix}/` : `datasets/${o.dataset}/`, ctx.bucket), LocalPath: o.localPath, S3UploadMode: 'EndOfJob' },
    })),
  };
  const extension = path.extname(job.script.entryPoint);
  return {
    ProcessingJobName: job.name,
    ProcessingJobArn: ctx.arn('processing-job', job.name),
    ProcessingJobStatus: job.status,
    FailureReason: job.failureReason ?? undefined,
    ExitMessage: exitMessage(job),
    ProcessingInputs: inputs,
    ProcessingOutputConfig: outputConfig,
    ProcessingResources: sent?.ProcessingResources ?? { ClusterConfig: { InstanceCount: job.instanceCount, InstanceType: 'ml.m5.large', VolumeSizeInGB: 1 } },
    StoppingCondition: { MaxRuntimeInSeconds: job.maxRuntimeSeconds },
    AppSpecification: sent?.AppSpecification ?? {
      ImageUri: 'orchard/processing',
      ContainerEntrypoint: [extension === '.py' ? 'python3' : 'node', `${CODE_PATH}/${job.script.entryPoint}`],
      ContainerArguments: job.arguments.length > 0 ? job.arguments : undefined,
    },
    Environment: job.environment,
    NetworkConfig: sent?.NetworkConfig,
    RoleArn: sent?.RoleArn,
    ExperimentConfig: sent?.ExperimentConfig,
    CreationTime: epoch(job.createdAt),
    ProcessingStartTime: epoch(job.startedAt),
    ProcessingEndTime: epoch(job.endedAt),
    LastModifiedTime: epoch(job.updatedAt),
  };
}

async function processingJob(ctx: OperationContext, name: string): Promise<ProcessingJob> {
  try {
    return await processingService(ctx).describe(name);
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Requested resource not found: processing job '${name}'`, { cause: error });
    throw mapped;
  }
}

const describeProcessingJobOperation = operation<{ name: string }>({
  name: 'DescribeProcessingJob',
  permission: 'jobs:read',
  input: (f) => ({ name: f.name('ProcessingJobName', { required: true }) }),
  async run({ name }, ctx) {
    const job = await processingJob(ctx, name);
    const sent = await ctx.deps.store.get(PROCESSING_KIND, name);
    return describeProcessingJob(ctx, job, sent?.request);
  },
});

const listProcessingJobs = operation<ListQuery & { status?: ProcessingJobStatus }>({
  name: 'ListProcessingJobs',
  permission: 'jobs:read',
  input(f) {
    return { ...readListQuery(f, { sortBy: ['CreationTime', 'Name', 'Status'] }), status: f.str('StatusEquals', { enum: JOB_STATUSES }) as ProcessingJobStatus | undefined };
  },
  async run(input, ctx) {
    const service = processingService(ctx);
    const page = await listPage(input, (limit, offset) => service.list({ nameContains: input.nameContains, status: input.status, limit, offset }), (job) => job);
    return {
      ProcessingJobSummaries: page.items.map((job) => ({
        ProcessingJobName: job.name,
        ProcessingJobArn: ctx.arn('processing-job', job.name),
        CreationTime: epoch(job.createdAt),
        ProcessingEndTime: epoch(job.endedAt),
        LastModifiedTime: epoch(job.updatedAt),
        ProcessingJobStatus: job.status,
        FailureReason: job.failureReason ?? undefined,
        ExitMessage: exitMessage(job),
      })),
      NextToken: page.nextToken,
    };
  },
});

const stopProcessingJob = operation<{ name: string }>({
  name: 'StopProcessingJob',
  permission: 'jobs:write',
  input: (f) => ({ name: f.name('ProcessingJobName', { required: true }) }),
  async run({ name }, ctx) {
    const job = await processingJob(ctx, name);
    if (job.status !== 'InProgress') throw new SageMakerError('ValidationException', `The request was rejected because the processing job is in status ${job.status}.`);
    await processingService(ctx)
      .stop(name)
      .catch((error: unknown) => {
        throw sageMakerErrorOf(error, 'ResourceNotFound');
      });
    return {};
  },
});

export const PROCESSING_OPERATIONS = [createProcessingJob, describeProcessingJobOperation, listProcessingJobs, stopProcessingJob];
