/**
 * Batch transform: CreateTransformJob, DescribeTransformJob. Orchard's transform reads a
 * dataset and writes one; the S3 input becomes a dataset version on the fly, and when the
 * job completes the output dataset is written where SageMaker writes it
 * (`<S3OutputPath>/<input file name>.out`, one file): see transform-output.ts.
 */
import path from 'node:path';
import { isImageContentType, readColumnFilter, type TransformJob } from '../../serving/transform/index.js';
import { userWritableKey } from '../../storage/index.js';
import { parseS3Uri, artifactKeyOfS3Key, s3UriOfKey } from '../s3-uri.js';
import { channelDatasetName, datasetOfS3Input, discardDatasets, objectsOf } from './channels.js';
import { listPage, readListQuery, type ListQuery } from './list-query.js';
import { epoch, operation, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';
import type { Fields } from './fields.js';
import { TRANSFORM_KIND, writeTransformOutput, type StoredTransform } from './transform-output.js';

export { TRANSFORM_KIND };

export interface CreateTransformInput {
  name: string;
  model: string;
  uri: string;
  dataType: string;
  contentType?: string;
  splitType?: 'Line' | 'None';
  outputPath: string;
  batchStrategy?: 'MultiRecord' | 'SingleRecord';
  maxPayloadMb?: number;
  inputFilter?: string;
  joinSource?: 'Input' | 'None';
  outputFilter?: string;
  tags: Record<string, string>;
  /** The parts kept as sent (DescribeTransformJob answers them). */
  raw: Record<string, unknown>;
}

/**
 * Reads CreateTransformJob's fields (`named: false`: a pipeline's Transform step, which has
 * no TransformJobName); every problem is reported on `f`.
 */
export function readTransformRequest(f: Fields, body: Record<string, unknown>, options: { named: boolean } = { named: true }): CreateTransformInput {
  const name = options.named ? f.name('TransformJobName', { required: true }) : '';
  const model = f.name('ModelName', { required: true });
  const input = f.obj('TransformInput', { required: true });
  const s3 = input?.obj('DataSource', { required: true })?.obj('S3DataSource', { required: true });
  const uri = s3?.str('S3Uri', { required: true, max: 1024 }) ?? '';
  const dataType = s3?.str('S3DataType', { required: true, enum: ['ManifestFile', 'S3Prefix', 'AugmentedManifestFile', 'Converse'] }) ?? 'S3Prefix';
  const contentType = input?.str('ContentType', { max: 256 });
  const splitType = input?.str('SplitType', { enum: ['None', 'Line', 'RecordIO', 'TFRecord'] });
  if (splitType === 'RecordIO' || splitType === 'TFRecord') input?.fail('SplitType', splitType, 'Member must satisfy enum value set: [None, Line] on this server');
  if ((input?.str('CompressionType', { enum: ['None', 'Gzip'] }) ?? 'None') === 'Gzip') input?.fail('CompressionType', 'Gzip', 'Member must satisfy enum value set: [None] on this server');
  const output = f.obj('TransformOutput', { required: true });
  const outputPath = output?.str('S3OutputPath', { required: true, max: 1024 }) ?? '';
  output?.str('Accept', { max: 256 });
  output?.str('AssembleWith', { enum: ['None', 'Line'] });
  const resources = f.obj('TransformResources', { required: true });
  resources?.str('InstanceType', { required: true, max: 64 });
  resources?.num('InstanceCount', { required: true, integer: true, min: 1 });
  const processing = f.obj('DataProcessing');
  const inputFilter = processing?.str('InputFilter', { max: 200 });
  const joinSource = processing?.str('JoinSource', { enum: ['Input', 'None'] }) as 'Input' | 'None' | undefined;
  const outputFilter = processing?.str('OutputFilter', { max: 200 });
  // The grammar is checked here, so the field is named as SageMaker names it; the indexes when the job runs.
  for (const [key, filter] of [['InputFilter', inputFilter], ['OutputFilter', outputFilter]] as const) {
    if (filter === undefined) continue;
    try {
      readColumnFilter(filter, key === 'InputFilter' ? 'inputFilter' : 'outputFilter');
    } catch {
      processing?.fail(key, filter, "Member must be '$' or '$[…]' of column indexes and slices such as '$[0,-1]' or '$[0,5:]' (negatives from the end), selecting at least one column");
    }
  }
  const keep = ['TransformInput', 'TransformOutput', 'TransformResources', 'DataProcessing', 'BatchStrategy', 'MaxPayloadInMB'];
  return {
    name,
    model,
    uri,
    dataType,
    contentType,
    splitType: splitType as 'Line' | 'None' | undefined,
    outputPath,
    batchStrategy: f.str('BatchStrategy', { enum: ['MultiRecord', 'SingleRecord'] }) as 'MultiRecord' | 'SingleRecord' | undefined,
    maxPayloadMb: f.num('MaxPayloadInMB', { integer: true, min: 1, max: 100 }),
    inputFilter,
    joinSource,
    outputFilter,
    tags: f.tags(),
    raw: Object.fromEntries(keep.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])),
  };
}

/**
 * Where a transform's output goes: the artifact key `<S3OutputPath>/<first input file>.out`,
 * where SageMaker writes it. Only prefixes users may write to are accepted.
 */
export async function transformOutputKey(ctx: OperationContext, outputPath: string, inputUri: string, field = 'TransformOutput.S3OutputPath'): Promise<string> {
  const outputPrefix = transformOutputPrefix(ctx, outputPath, field);
  const keys = await objectsOf(ctx, inputUri, 'TransformInput.DataSource.S3DataSource.S3Uri');
  return `${outputPrefix}/${path.posix.basename(keys[0])}.out`;
}

/** The artifact prefix an `S3OutputPath` names, refused as SageMaker would refuse it. */
export function transformOutputPrefix(ctx: OperationContext, outputPath: string, field = 'TransformOutput.S3OutputPath'): string {
  try {
    const location = parseS3Uri(outputPath);
    if (location.bucket !== ctx.bucket) throw new Error(`this server stores objects in bucket '${ctx.bucket}', not '${location.bucket}'`);
    return userWritableKey(artifactKeyOfS3Key(location.key).replace(/%/g, '%25'));
  } catch (error) {
    throw new SageMakerError('ValidationException', `${field}: ${(error as Error).message}`);
  }
}

const createTransformJob = operation<CreateTransformInput>({
  name: 'CreateTransformJob',
  permission: 'jobs:write',
  input: (f, body) => readTransformRequest(f, body),
  async run(input, ctx) {
    const exists = await ctx.deps.transforms.describe(input.name).then(
      () => true,
      () => false,
    );
    if (exists) throw new SageMakerError('ResourceInUse', `Job name must be unique within an AWS account and region, and a job with this name already exists (${ctx.arn('transform-job', input.name)})`);
    if (isImageContentType(input.contentType)) return createImageTransform(input, ctx);
    const outputKey = await transformOutputKey(ctx, input.outputPath, input.uri);
    const dataset = await datasetOfS3Input(ctx, { uri: input.uri, dataType: input.dataType, contentType: input.contentType }, { name: channelDatasetName(input.name, 'input'), field: 'TransformInput', tags: { 'sagemaker:transform-job': input.name } });
    try {
      await ctx.deps.transforms.create({
        name: input.name,
        model: input.model,
        input: dataset,
        output: channelDatasetName(input.name, 'output'),
        splitType: input.splitType,
        batchStrategy: input.batchStrategy,
        maxPayloadMb: input.maxPayloadMb,
        joinSource: input.joinSource,
        inputFilter: input.inputFilter,
        outputFilter: input.outputFilter,
        tags: Object.keys(input.tags).length > 0 ? input.tags : undefined,
        createdBy: ctx.principal.user.name,
      });
    } catch (error) {
      await discardDatasets(ctx, [dataset]);
      throw sageMakerErrorOf(error);
    }
    await ctx.deps.store.put(TRANSFORM_KIND, input.name, { ...input.raw, outputKey } satisfies StoredTransform, ctx.principal.user.name);
    if (Object.keys(input.tags).length > 0) await ctx.deps.store.addTags(ctx.arn('transform-job', input.name), input.tags);
    return { TransformJobArn: ctx.arn('transform-job', input.name) };
  },
});

/**
 * An `application/x-image` transform over an S3Prefix: Orchard's image transform of
 * `artifacts:<prefix>`, whose answers are written as SageMaker writes them, one
 * `<S3OutputPath>/<path below the prefix>.out` object per image (see transform-output.ts).
 */
async function createImageTransform(input: CreateTransformInput, ctx: OperationContext): Promise<{ TransformJobArn: string }> {
  if (input.dataType !== 'S3Prefix') throw new SageMakerError('ValidationException', `TransformInput.DataSource.S3DataSource.S3DataType: images (ContentType ${input.contentType}) are read from an S3Prefix on this server, not ${input.dataType}`);
  const outputPrefix = transformOutputPrefix(ctx, input.outputPath);
  await objectsOf(ctx, input.uri, 'TransformInput.DataSource.S3DataSource.S3Uri');
  // A folder prefix (`s3://b/images/`) keeps its slash, so outputs are named below it.
  const s3Key = parseS3Uri(input.uri).key;
  const normalised = artifactKeyOfS3Key(s3Key, { allowEmpty: true });
  const inputPrefix = s3Key.endsWith('/') && normalised !== '' && !normalised.endsWith('/') ? `${normalised}/` : normalised;
  try {
    await ctx.deps.transforms.create({
      name: input.name,
      model: input.model,
      input: `artifacts:${inputPrefix}`,
      contentType: input.contentType,
      output: channelDatasetName(input.name, 'output'),
      splitType: input.splitType,
      batchStrategy: input.batchStrategy,
      maxPayloadMb: input.maxPayloadMb,
      joinSource: input.joinSource,
      outputFilter: input.outputFilter,
      tags: Object.keys(input.tags).length > 0 ? input.tags : undefined,
      createdBy: ctx.principal.user.name,
    });
  } catch (error) {
    throw sageMakerErrorOf(error);
  }
  await ctx.deps.store.put(TRANSFORM_KIND, input.name, { ...input.raw, outputKey: `${outputPrefix}/`, images: { inputPrefix } } satisfies StoredTransform, ctx.principal.user.name);
  if (Object.keys(input.tags).length > 0) await ctx.deps.store.addTags(ctx.arn('transform-job', input.name), input.tags);
  return { TransformJobArn: ctx.arn('transform-job', input.name) };
}

const describeTransformJob = operation<{ name: string }>({
  name: 'DescribeTransformJob',
  permission: 'jobs:read',
  input: (f) => ({ name: f.name('TransformJobName', { required: true }) }),
  async run({ name }, ctx) {
    let job: TransformJob;
    try {
      job = await ctx.deps.transforms.describe(name);
    } catch (error) {
      const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
      if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Could not find requested job with name ${name}`, { cause: error });
      throw mapped;
    }
    const stored = (await ctx.deps.store.get<StoredTransform>(TRANSFORM_KIND, name))?.request;
    // Written when the job completed (see transform-output.ts); here when this call sees it first.
    if (stored && !stored.written) await writeTransformOutput(ctx.deps, job);
    return {
      TransformJobName: job.name,
      TransformJobArn: ctx.arn('transform-job', job.name),
      TransformJobStatus: job.status,
      FailureReason: job.failureReason ?? undefined,
      ModelName: job.model,
      MaxPayloadInMB: job.maxPayloadMb,
      BatchStrategy: job.batchStrategy,
      TransformInput: stored?.TransformInput ?? { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: s3UriOfKey(`datasets/${job.input.dataset}/${job.input.version}/`, ctx.bucket) } }, ContentType: 'text/csv', SplitType: job.splitType },
      TransformOutput: stored?.TransformOutput ?? { S3OutputPath: s3UriOfKey(`datasets/${job.output.dataset}/`, ctx.bucket) },
      TransformResources: stored?.TransformResources ?? { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      DataProcessing: stored?.DataProcessing ?? { InputFilter: job.inputFilter ?? '$', JoinSource: job.joinSource, OutputFilter: job.outputFilter ?? '$' },
      CreationTime: epoch(job.createdAt),
      TransformStartTime: epoch(job.startedAt),
      TransformEndTime: epoch(job.endedAt),
    };
  },
});

const listTransformJobs = operation<ListQuery>({
  name: 'ListTransformJobs',
  permission: 'jobs:read',
  input: (f) => readListQuery(f, { sortBy: ['CreationTime', 'Name', 'Status'], statuses: ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] }),
  async run(input, ctx) {
    // Orchard's transform list filters by status, not by name.
    const page = await listPage(input, (limit, offset) => ctx.deps.transforms.list({ status: input.status as TransformJob['status'] | undefined, limit, offset }), (job) => job, { status: true });
    return {
      TransformJobSummaries: page.items.map((job) => ({ TransformJobName: job.name, TransformJobArn: ctx.arn('transform-job', job.name), CreationTime: epoch(job.createdAt), TransformEndTime: epoch(job.endedAt), LastModifiedTime: epoch(job.updatedAt), TransformJobStatus: job.status, FailureReason: job.failureReason ?? undefined })),
      NextToken: page.nextToken,
    };
  },
});

const stopTransformJob = operation<{ name: string }>({
  name: 'StopTransformJob',
  permission: 'jobs:write',
  input: (f) => ({ name: f.name('TransformJobName', { required: true }) }),
  async run({ name }, ctx) {
    try {
      await ctx.deps.transforms.stop(name);
    } catch (error) {
      throw sageMakerErrorOf(error, 'ResourceNotFound');
    }
    return {};
  },
});

export const TRANSFORM_OPERATIONS = [createTransformJob, describeTransformJob, listTransformJobs, stopTransformJob];
