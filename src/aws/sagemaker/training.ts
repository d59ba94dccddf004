/** Training jobs: CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs, StopTrainingJob. */
import type { CreateTrainingJobInput, TrainingJob, TrainingJobStatus } from '../../training/index.js';
import { JOB_STATUSES } from '../../contracts/values.js';
import { resolveS3Uri, s3UriOfKey } from '../s3-uri.js';
import { channelDatasetName, datasetOfS3Input, discardDatasets } from './channels.js';
import type { Fields } from './fields.js';
import { algorithmOfImage, imageOfAlgorithm } from './images.js';
import { listPage, readListQuery, type ListQuery } from './list-query.js';
import { epoch, operation, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const TRAINING_KIND = 'training-job';
const CHANNEL_NAME = { pattern: /^[A-Za-z0-9.\-_]+$/, source: '[A-Za-z0-9\\.\\-_]+' } as const;
const S3_URI = { pattern: /^(https|s3):\/\/([^/]+)\/?(.*)$/, source: '^(https|s3)://([^/]+)/?(.*)$' } as const;

interface ChannelInput {
  name: string;
  uri: string;
  dataType: string;
  contentType?: string;
}

export interface CreateTrainingJobRequest {
  name: string;
  image?: string;
  algorithmName?: string;
  metricDefinitions: Array<{ name: string; regex: string }>;
  hyperParameters: Record<string, string>;
  channels: ChannelInput[];
  maxRuntimeSeconds?: number;
  instanceCount?: number;
  tags: Record<string, string>;
  experiment?: string;
  raw: Record<string, unknown>;
}

/** Reads CreateTrainingJob's fields (also a tuning job's training definition). */
export function readTrainingInput(f: Fields, options: { named: boolean; hyperParameters?: 'HyperParameters' | 'StaticHyperParameters' }): Omit<CreateTrainingJobRequest, 'raw'> {
  const name = options.named ? f.name('TrainingJobName', { required: true }) : '';
  const spec = f.obj('AlgorithmSpecification', { required: true });
  const image = spec?.str('TrainingImage', { max: 255 });
  const algorithmName = spec?.str('AlgorithmName', { max: 170 });
  if (spec && image === undefined && algorithmName === undefined) spec.fail('TrainingImage', null, 'Member must not be null when AlgorithmName is absent');
  const metricDefinitions = (spec?.list('MetricDefinitions', { max: 40 }) ?? []).map((m) => ({ name: m.str('Name', { required: true, min: 1, max: 255 }), regex: m.str('Regex', { required: true, min: 1, max: 500 }) }));
  const hyperParameters = f.map(options.hyperParameters ?? (options.named ? 'HyperParameters' : 'StaticHyperParameters'), { maxEntries: 100, maxValue: 2500 }) ?? {};
  const channels = f.list('InputDataConfig', { min: 1, max: 20 }).map((c) => {
    const channelName = c.str('ChannelName', { required: true, min: 1, max: 64, pattern: CHANNEL_NAME });
    const s3 = c.obj('DataSource', { required: true })?.obj('S3DataSource', { required: true });
    return {
      name: channelName,
      uri: s3?.str('S3Uri', { required: true, max: 1024, pattern: S3_URI }) ?? '',
      dataType: s3?.str('S3DataType', { required: true, enum: ['ManifestFile', 'S3Prefix', 'AugmentedManifestFile', 'Converse'] }) ?? 'S3Prefix',
      contentType: c.str('ContentType', { max: 256 }),
    };
  });
  const resources = f.obj('ResourceConfig', { required: options.named });
  const instanceCount = resources?.num('InstanceCount', { integer: true, min: 1 });
  resources?.str('InstanceType', { max: 64 });
  const maxRuntimeSeconds = f.obj('StoppingCondition', { required: options.named })?.num('MaxRuntimeInSeconds', { integer: true, min: 1, max: 2_419_200 });
  const tags = f.tags();
  const experiment = f.obj('ExperimentConfig')?.name('ExperimentName');
  return { name, image, algorithmName, metricDefinitions, hyperParameters, channels, maxRuntimeSeconds, instanceCount, tags, experiment } as Omit<CreateTrainingJobRequest, 'raw'>;
}

/** A hyperparameter value as the SageMaker Python SDK's framework estimators send it: JSON-encoded. */
function unquoted(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(value);
      if (typeof decoded === 'string') return decoded;
    } catch {
      // Not JSON: the value as given.
    }
  }
  return value;
}

/**
 * The Orchard job a SageMaker training definition describes, but its channels: a built-in
 * when the image (or AlgorithmName) is one of SageMaker's algorithm images; script mode
 * when the hyperparameters carry `sagemaker_program` and `sagemaker_submit_directory` (the
 * framework estimators' way), whatever the framework image.
 */
export function trainingJobOf(ctx: OperationContext, request: Omit<CreateTrainingJobRequest, 'raw'>): Omit<CreateTrainingJobInput, 'name' | 'channels'> {
  const hyperParameters: Record<string, string> = {};
  const framework: Record<string, string> = {};
  // JSON-encoded strings are decoded, as SageMaker's containers decode them: the Python
  // SDK's framework estimators encode every value (`"binary:logistic"`), never valid as is.
  for (const [key, value] of Object.entries(request.hyperParameters)) {
    if (key.startsWith('sagemaker_')) framework[key] = unquoted(value);
    else hyperParameters[key] = unquoted(value);
  }
  let algorithm: string | undefined;
  let script: { entryPoint: string; sourceKey: string } | undefined;
  if (framework.sagemaker_program) {
    const directory = framework.sagemaker_submit_directory;
    if (!directory) throw new SageMakerError('ValidationException', "HyperParameters: 'sagemaker_program' needs 'sagemaker_submit_directory' (the s3:// URI of sourcedir.tar.gz)");
    let sourceKey: string;
    try {
      sourceKey = resolveS3Uri(directory, { bucket: ctx.bucket });
    } catch (error) {
      throw new SageMakerError('ValidationException', `HyperParameters.sagemaker_submit_directory: ${(error as Error).message}`);
    }
    script = { entryPoint: framework.sagemaker_program, sourceKey };
  } else {
    const image = request.image ?? '';
    algorithm = request.algorithmName ?? algorithmOfImage(image);
    if (!algorithm) {
      throw new SageMakerError('ValidationException', `AlgorithmSpecification.TrainingImage '${image}' is neither a SageMaker built-in algorithm image this server runs (xgboost, linear-learner, kmeans, pca, forecasting-deepar) nor script mode (HyperParameters sagemaker_program and sagemaker_submit_directory)`);
    }
  }
  if (request.instanceCount !== undefined && request.instanceCount > 1) {
    throw new SageMakerError('ValidationException', `ResourceConfig.InstanceCount ${request.instanceCount}: this server trains on one instance`);
  }
  return {
    algorithm,
    script,
    hyperParameters,
    maxRuntimeSeconds: request.maxRuntimeSeconds,
    metricDefinitions: request.metricDefinitions.length > 0 ? request.metricDefinitions : undefined,
    tags: Object.keys(request.tags).length > 0 ? request.tags : undefined,
    createdBy: ctx.principal.user.name,
  };
}

/** The Orchard job a SageMaker training definition describes ({@link trainingJobOf}); channels become datasets. */
export async function orchardTrainingInput(ctx: OperationContext, request: Omit<CreateTrainingJobRequest, 'raw'>, resource: string): Promise<Omit<CreateTrainingJobInput, 'name'>> {
  const job = trainingJobOf(ctx, request);
  if (request.channels.length === 0) throw new SageMakerError('ValidationException', '1 validation error detected: Value null at \'inputDataConfig\' failed to satisfy constraint: Member must not be null');
  const channels: Record<string, string> = {};
  try {
    for (const channel of request.channels) {
      channels[channel.name] = await datasetOfS3Input(ctx, channel, { name: channelDatasetName(resource, channel.name), field: `InputDataConfig.${channel.name}`, tags: { 'sagemaker:training-job': resource } });
    }
  } catch (error) {
    await discardDatasets(ctx, Object.values(channels));
    throw error;
  }
  return { ...job, channels };
}

const createTrainingJob = operation<CreateTrainingJobRequest>({
  name: 'CreateTrainingJob',
  permission: 'jobs:write',
  input: (f, body) => ({ ...readTrainingInput(f, { named: true }), raw: storedTrainingRequest(body) }),
  async run(request, ctx) {
    const exists = await ctx.deps.training.describe(request.name).then(
      () => true,
      () => false,
    );
    if (exists) throw new SageMakerError('ResourceInUse', `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${ctx.arn('training-job', request.name)})`);
    const input = await orchardTrainingInput(ctx, request, request.name);
    try {
      await ctx.deps.training.create({ name: request.name, ...input, experiment: request.experiment });
    } catch (error) {
      await discardDatasets(ctx, Object.values(input.channels));
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.put(TRAINING_KIND, request.name, request.raw, ctx.principal.user.name);
    if (Object.keys(request.tags).length > 0) await ctx.deps.store.addTags(ctx.arn('training-job', request.name), request.tags);
    return { TrainingJobArn: ctx.arn('training-job', request.name) };
  },
});

/** The request as stored, for Describe to echo (the S3 URIs, the image). */
export function storedTrainingRequest(body: Record<string, unknown>): Record<string, unknown> {
  const keep = ['AlgorithmSpecification', 'InputDataConfig', 'OutputDataConfig', 'ResourceConfig', 'StoppingCondition', 'RoleArn', 'VpcConfig', 'EnableNetworkIsolation', 'CheckpointConfig', 'Environment', 'ExperimentConfig'];
  return Object.fromEntries(keep.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]));
}

function modelUri(ctx: OperationContext, job: TrainingJob): string | undefined {
  return job.status === 'Completed' && job.modelArtifact ? s3UriOfKey(`jobs/${job.name}/output/model.tar.gz`, ctx.bucket) : undefined;
}

/** DescribeTrainingJob's answer for an Orchard job (made by this API or Orchard's own). */
export function describeTrainingJob(ctx: OperationContext, job: TrainingJob, sent: Record<string, unknown> | undefined): Record<string, unknown> {
  const spec = (sent?.AlgorithmSpecification as Record<string, unknown> | undefined) ?? {
    TrainingImage: job.algorithm ? imageOfAlgorithm(job.algorithm, ctx.region) : undefined,
    TrainingInputMode: 'File',
    MetricDefinitions: job.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })),
  };
  const lastMetric = new Map<string, string>();
  for (const point of job.metrics) lastMetric.set(point.name, point.timestamp);
  const modelArtifacts = modelUri(ctx, job);
  return {
    TrainingJobName: job.name,
    TrainingJobArn: ctx.arn('training-job', job.name),
    TrainingJobStatus: job.status,
    SecondaryStatus: job.secondaryStatus,
    FailureReason: job.failureReason ?? undefined,
    HyperParameters: job.hyperParameters,
    AlgorithmSpecification: spec,
    RoleArn: sent?.RoleArn,
    InputDataConfig:
      sent?.InputDataConfig ??
      Object.entries(job.channels).map(([name, channel]) => ({ ChannelName: name, ContentType: channel.contentType, DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: s3UriOfKey(`datasets/${channel.dataset}/${channel.version}/`, ctx.bucket) } } })),
    OutputDataConfig: sent?.OutputDataConfig ?? { S3OutputPath: s3UriOfKey('jobs/', ctx.bucket) },
    ResourceConfig: sent?.ResourceConfig ?? { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 1 },
    StoppingCondition: { ...((sent?.StoppingCondition as object | undefined) ?? {}), MaxRuntimeInSeconds: job.maxRuntimeSeconds },
    ModelArtifacts: modelArtifacts ? { S3ModelArtifacts: modelArtifacts } : undefined,
    CreationTime: epoch(job.createdAt),
    TrainingStartTime: epoch(job.startedAt),
    TrainingEndTime: epoch(job.endedAt),
    LastModifiedTime: epoch(job.updatedAt),
    SecondaryStatusTransitions: [{ Status: job.secondaryStatus, StartTime: epoch(job.updatedAt), StatusMessage: job.failureReason ?? undefined }],
    FinalMetricDataList: Object.entries(job.finalMetrics).map(([name, value]) => ({ MetricName: name, Value: value, Timestamp: epoch(lastMetric.get(name) ?? job.updatedAt) })),
    EnableNetworkIsolation: false,
    EnableInterContainerTrafficEncryption: false,
    EnableManagedSpotTraining: false,
    TrainingTimeInSeconds: job.startedAt && job.endedAt ? Math.round((Date.parse(job.endedAt) - Date.parse(job.startedAt)) / 1000) : undefined,
    BillableTimeInSeconds: job.startedAt && job.endedAt ? Math.round((Date.parse(job.endedAt) - Date.parse(job.startedAt)) / 1000) : undefined,
    ExperimentConfig: { ExperimentName: job.experiment, TrialName: job.name },
  };
}

/** A training job's summary, as ListTrainingJobs (and the tuning job's list) answer it. */
export function trainingJobSummary(ctx: OperationContext, job: TrainingJob): Record<string, unknown> {
  return {
    TrainingJobName: job.name,
    TrainingJobArn: ctx.arn('training-job', job.name),
    CreationTime: epoch(job.createdAt),
    TrainingEndTime: epoch(job.endedAt),
    LastModifiedTime: epoch(job.updatedAt),
    TrainingJobStatus: job.status,
    SecondaryStatus: job.secondaryStatus,
  };
}

async function trainingJob(ctx: OperationContext, name: string): Promise<TrainingJob> {
  try {
    return await ctx.deps.training.describe(name);
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Requested resource not found: training job '${name}'`, { cause: error });
    throw mapped;
  }
}

const describeTrainingJobOperation = operation<{ name: string }>({
  name: 'DescribeTrainingJob',
  permission: 'jobs:read',
  input: (f) => ({ name: f.name('TrainingJobName', { required: true }) }),
  async run({ name }, ctx) {
    const job = await trainingJob(ctx, name);
    const sent = await ctx.deps.store.get(TRAINING_KIND, name);
    return describeTrainingJob(ctx, job, sent?.request);
  },
});

const listTrainingJobs = operation<ListQuery & { status?: TrainingJobStatus }>({
  name: 'ListTrainingJobs',
  permission: 'jobs:read',
  input(f) {
    return { ...readListQuery(f, { sortBy: ['CreationTime', 'Name', 'Status'] }), status: f.str('StatusEquals', { enum: JOB_STATUSES }) as TrainingJobStatus | undefined };
  },
  async run(input, ctx) {
    const page = await listPage(input, (limit, offset) => ctx.deps.training.list({ nameContains: input.nameContains, status: input.status, limit, offset }), (job) => job);
    return { TrainingJobSummaries: page.items.map((job) => trainingJobSummary(ctx, job)), NextToken: page.nextToken };
  },
});

const stopTrainingJob = operation<{ name: string }>({
  name: 'StopTrainingJob',
  permission: 'jobs:write',
  input: (f) => ({ name: f.name('TrainingJobName', { required: true }) }),
  async run({ name }, ctx) {
    const job = await trainingJob(ctx, name);
    if (job.status !== 'InProgress') throw new SageMakerError('ValidationException', `The request was rejected because the training job is in status ${job.status}.`);
    await ctx.deps.training.stop(name).catch((error: unknown) => {
      throw sageMakerErrorOf(error, 'ResourceNotFound');
    });
    return {};
  },
});

export const TRAINING_OPERATIONS = [createTrainingJob, describeTrainingJobOperation, listTrainingJobs, stopTrainingJob];
