/**
 * SageMaker Pipelines: CreatePipeline, DescribePipeline, ListPipelines, UpdatePipeline,
 * DeletePipeline, StartPipelineExecution, DescribePipelineExecution, ListPipelineExecutions,
 * ListPipelineExecutionSteps, StopPipelineExecution — onto Orchard's pipelines. A SageMaker
 * pipeline is an Orchard pipeline of the same name whose definition is the translation of
 * SageMaker's (`pipeline-definition.ts`); the definition as sent is kept to describe it.
 */
import type { Execution, ExecutionStep, Pipeline } from '../../contracts/index.js';
import type { PipelineService } from '../../pipelines/index.js';
import { resolveS3Uri } from '../s3-uri.js';
import { channelDatasetName, datasetOfS3Input, discardDatasets } from './channels.js';
import type { Fields } from './fields.js';
import { epoch, nextToken, operation, readPage, type OperationContext } from './operation.js';
import { translatePipeline, uriAtStart, type S3InputSlot, type SageMakerParameter, type TranslatedPipeline } from './pipeline-definition.js';
import { CODE_PATH, sourceArchive } from './processing.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const PIPELINE_KIND = 'pipeline';
export const PIPELINE_EXECUTION_KIND = 'pipeline-execution';
/** SageMaker's PipelineName rule; Orchard's pipeline names stop at 63 characters. */
const PIPELINE_NAME = { pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/, source: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}' } as const;
const EXECUTION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[^/]+\/execution\/([A-Za-z0-9-]+)$/;
const MAX_DEFINITION = 1_000_000;

/** What the control plane keeps of a pipeline made here. */
interface StoredPipeline {
  PipelineDefinition: string;
  PipelineDisplayName?: string;
  PipelineDescription?: string;
  RoleArn?: string;
  parameters: SageMakerParameter[];
  inputs: TranslatedPipeline['inputs'];
  stepTypes: Record<string, string>;
}

/** What it keeps of an execution started here. */
interface StoredExecution {
  PipelineExecutionDisplayName?: string;
  PipelineExecutionDescription?: string;
  /** Dataset versions made from the S3 inputs when it started. */
  datasets: string[];
}

function pipelines(ctx: OperationContext): PipelineService {
  if (!ctx.deps.pipelines) throw new SageMakerError('ValidationException', 'Pipelines are not enabled on this server');
  return ctx.deps.pipelines;
}

const pipelineArn = (ctx: OperationContext, name: string) => ctx.arn('pipeline', name);
const executionArn = (ctx: OperationContext, pipeline: string, id: string) => ctx.arn('pipeline', `${pipeline}/execution/${id}`);

async function storedPipeline(ctx: OperationContext, name: string): Promise<{ sent: StoredPipeline; createdBy: string | null; createdAt: string; updatedAt: string }> {
  const stored = await ctx.deps.store.get<StoredPipeline>(PIPELINE_KIND, name);
  if (!stored) throw new SageMakerError('ResourceNotFound', `Pipeline '${pipelineArn(ctx, name)}' does not exist.`);
  return { sent: stored.request, createdBy: stored.createdBy, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
}

interface PipelineRequest {
  name: string;
  definition?: string;
  displayName?: string;
  description?: string;
  roleArn?: string;
  tags: Record<string, string>;
}

function readPipelineRequest(f: Fields, create: boolean): PipelineRequest {
  const name = f.str('PipelineName', { required: true, min: 1, max: 256, pattern: PIPELINE_NAME });
  if (name !== undefined && name.length > 63) f.fail('PipelineName', name, 'Member must have length less than or equal to 63 on this server');
  const definition = f.str('PipelineDefinition', { required: create, min: 1, max: MAX_DEFINITION });
  if (f.has('PipelineDefinitionS3Location')) f.fail('PipelineDefinitionS3Location', '…', 'Member is not supported by this server; send PipelineDefinition');
  return {
    name,
    definition,
    displayName: f.str('PipelineDisplayName', { min: 1, max: 256 }),
    description: f.str('PipelineDescription', { max: 3072 }),
    roleArn: f.str('RoleArn', { required: create, min: 20, max: 2048 }),
    tags: create ? f.tags() : {},
  };
}

const createPipeline = operation<PipelineRequest>({
  name: 'CreatePipeline',
  permission: 'jobs:write',
  input: (f) => {
    f.str('ClientRequestToken', { max: 128 });
    f.obj('ParallelismConfiguration')?.num('MaxParallelExecutionSteps', { integer: true, min: 1 });
    return readPipelineRequest(f, true);
  },
  async run(request, ctx) {
    const service = pipelines(ctx);
    if (await ctx.deps.store.get(PIPELINE_KIND, request.name)) throw new SageMakerError('ResourceInUse', `Pipeline names must be unique within an AWS account and region, and a pipeline with this name already exists (${pipelineArn(ctx, request.name)})`);
    const translated = translatePipeline(ctx, request.definition!);
    try {
      await service.create({ name: request.name, definition: translated.definition, description: request.description, createdBy: ctx.principal.user.name });
    } catch (error) {
      throw sageMakerErrorOf(error);
    }
    const sent: StoredPipeline = { PipelineDefinition: request.definition!, PipelineDisplayName: request.displayName, PipelineDescription: request.description, RoleArn: request.roleArn, parameters: translated.parameters, inputs: translated.inputs, stepTypes: translated.stepTypes };
    await ctx.deps.store.put(PIPELINE_KIND, request.name, sent, ctx.principal.user.name);
    if (Object.keys(request.tags).length > 0) await ctx.deps.store.addTags(pipelineArn(ctx, request.name), request.tags);
    return { PipelineArn: pipelineArn(ctx, request.name) };
  },
});

const describePipeline = operation<{ name: string }>({
  name: 'DescribePipeline',
  permission: 'jobs:read',
  input: (f) => ({ name: f.str('PipelineName', { required: true, min: 1, max: 256 }) }),
  async run({ name }, ctx) {
    const { sent, createdBy } = await storedPipeline(ctx, name);
    const pipeline = await orchardPipeline(ctx, name);
    const last = (await pipelines(ctx).executions({ pipeline: name, limit: 1 })).items[0];
    return {
      PipelineArn: pipelineArn(ctx, name),
      PipelineName: name,
      PipelineDisplayName: sent.PipelineDisplayName ?? name,
      PipelineDefinition: sent.PipelineDefinition,
      PipelineDescription: sent.PipelineDescription,
      RoleArn: sent.RoleArn,
      PipelineStatus: 'Active',
      CreationTime: epoch(pipeline.createdAt),
      LastModifiedTime: epoch(pipeline.updatedAt),
      LastRunTime: epoch(last?.createdAt),
      CreatedBy: createdBy ? { UserProfileName: createdBy } : undefined,
      PipelineVersionId: pipeline.latestVersion,
    };
  },
});

async function orchardPipeline(ctx: OperationContext, name: string): Promise<Pipeline> {
  try {
    return await pipelines(ctx).describe(name);
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Pipeline '${pipelineArn(ctx, name)}' does not exist.`, { cause: error });
    throw mapped;
  }
}

interface ListPipelinesInput {
  offset: number;
  limit: number;
  prefix?: string;
  after?: number;
  before?: number;
  sortBy: string;
  descending: boolean;
}

/** A time filter as awsJson sends it: epoch seconds. */
function time(f: Fields, name: string): number | undefined {
  return f.num(name);
}

const listPipelines = operation<ListPipelinesInput>({
  name: 'ListPipelines',
  permission: 'jobs:read',
  input: (f) => ({
    ...readPage(f),
    prefix: f.str('PipelineNamePrefix', { max: 256 }),
    after: time(f, 'CreatedAfter'),
    before: time(f, 'CreatedBefore'),
    sortBy: f.str('SortBy', { enum: ['Name', 'CreationTime'] }) ?? 'CreationTime',
    descending: (f.str('SortOrder', { enum: ['Ascending', 'Descending'] }) ?? 'Descending') === 'Descending',
  }),
  async run(input, ctx) {
    // The pipelines made here are few: filtered and sorted in memory.
    const all = await ctx.deps.store.list<StoredPipeline>(PIPELINE_KIND, { limit: 10_000, offset: 0 });
    const created = (at: string) => Date.parse(at) / 1000;
    const matching = all
      .filter((p) => (input.prefix === undefined || p.name.startsWith(input.prefix)) && (input.after === undefined || created(p.createdAt) > input.after) && (input.before === undefined || created(p.createdAt) < input.before))
      .sort((a, b) => (input.sortBy === 'Name' ? a.name.localeCompare(b.name) : a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name)) * (input.descending ? -1 : 1));
    const page = matching.slice(input.offset, input.offset + input.limit);
    return {
      PipelineSummaries: page.map((p) => ({
        PipelineArn: pipelineArn(ctx, p.name),
        PipelineName: p.name,
        PipelineDisplayName: p.request.PipelineDisplayName ?? p.name,
        PipelineDescription: p.request.PipelineDescription,
        RoleArn: p.request.RoleArn,
        CreationTime: epoch(p.createdAt),
        LastModifiedTime: epoch(p.updatedAt),
      })),
      NextToken: nextToken(input.offset, page.length, matching.length),
    };
  },
});

const updatePipeline = operation<PipelineRequest>({
  name: 'UpdatePipeline',
  permission: 'jobs:write',
  input: (f) => {
    f.obj('ParallelismConfiguration')?.num('MaxParallelExecutionSteps', { integer: true, min: 1 });
    return readPipelineRequest(f, false);
  },
  async run(request, ctx) {
    const { sent, createdBy } = await storedPipeline(ctx, request.name);
    const next: StoredPipeline = { ...sent, PipelineDisplayName: request.displayName ?? sent.PipelineDisplayName, PipelineDescription: request.description ?? sent.PipelineDescription, RoleArn: request.roleArn ?? sent.RoleArn };
    let definition: TranslatedPipeline['definition'] | undefined;
    if (request.definition !== undefined) {
      const translated = translatePipeline(ctx, request.definition);
      definition = translated.definition;
      Object.assign(next, { PipelineDefinition: request.definition, parameters: translated.parameters, inputs: translated.inputs, stepTypes: translated.stepTypes });
    }
    let pipeline: Pipeline;
    try {
      pipeline = await pipelines(ctx).update(request.name, { ...(definition ? { definition } : {}), ...(request.description !== undefined ? { description: request.description } : {}) }, ctx.principal.user.name);
    } catch (error) {
      throw sageMakerErrorOf(error, 'ResourceNotFound');
    }
    await ctx.deps.store.put(PIPELINE_KIND, request.name, next, createdBy);
    return { PipelineArn: pipelineArn(ctx, request.name), PipelineVersionId: pipeline.latestVersion };
  },
});

const deletePipeline = operation<{ name: string }>({
  name: 'DeletePipeline',
  permission: 'jobs:write',
  input: (f) => {
    f.str('ClientRequestToken', { max: 128 });
    return { name: f.str('PipelineName', { required: true, min: 1, max: 256 }) };
  },
  async run({ name }, ctx) {
    await storedPipeline(ctx, name);
    try {
      await pipelines(ctx).delete(name);
    } catch (error) {
      const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
      // Its executions went with it already: only the stored definition is left.
      if (mapped.type !== 'ResourceNotFound') throw mapped;
    }
    await ctx.deps.store.delete(PIPELINE_KIND, name);
    await ctx.deps.store.deleteTags(pipelineArn(ctx, name));
    return { PipelineArn: pipelineArn(ctx, name) };
  },
});

interface StartInput {
  name: string;
  parameters: Array<{ name: string; value: string }>;
  displayName?: string;
  description?: string;
}

/** Checks the values given for a start against the parameters' types; returns every parameter's value as text. */
function parameterValues(declared: SageMakerParameter[], given: StartInput['parameters']): Map<string, string> {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const byName = new Map(declared.map((p) => [p.name, p]));
  for (const { name, value } of given) {
    const p = byName.get(name);
    if (!p) problems.push(`Parameter '${name}' is not defined in the pipeline (it has ${declared.map((d) => d.name).join(', ') || 'none'})`);
    else if ((p.type === 'Integer' && !/^-?\d+$/.test(value)) || (p.type === 'Float' && (value.trim() === '' || !Number.isFinite(Number(value)))) || (p.type === 'Boolean' && value !== 'true' && value !== 'false')) {
      problems.push(`Parameter '${name}' is of type ${p.type}, and '${value}' is not one`);
    } else values.set(name, value);
  }
  for (const p of declared) {
    if (values.has(p.name)) continue;
    if (p.default !== undefined) values.set(p.name, String(p.default));
    else if (!given.some((g) => g.name === p.name)) problems.push(`Parameter '${p.name}' has no default value and was not given`);
  }
  if (problems.length > 0) throw new SageMakerError('ValidationException', problems.join('; '));
  return values;
}

const startPipelineExecution = operation<StartInput>({
  name: 'StartPipelineExecution',
  permission: 'jobs:write',
  input: (f) => {
    f.str('ClientRequestToken', { max: 128 });
    f.obj('ParallelismConfiguration')?.num('MaxParallelExecutionSteps', { integer: true, min: 1 });
    if (f.has('SelectiveExecutionConfig')) f.fail('SelectiveExecutionConfig', '…', 'Member is not supported by this server');
    const parameters = f.list('PipelineParameters', { max: 200 }).map((p) => ({ name: p.str('Name', { required: true, min: 1, max: 256 }), value: p.str('Value', { required: true, max: 1024 }) }));
    return { name: f.str('PipelineName', { required: true, min: 1, max: 256 }), parameters, displayName: f.str('PipelineExecutionDisplayName', { min: 1, max: 82 }), description: f.str('PipelineExecutionDescription', { max: 3072 }) };
  },
  async run(input, ctx) {
    const { sent } = await storedPipeline(ctx, input.name);
    const values = parameterValues(sent.parameters, input.parameters);
    // Each S3 location is resolved now (data read into dataset versions, code packed), passed to the execution as its parameter.
    const made: string[] = [];
    const archives: string[] = [];
    const hidden: Record<string, string> = {};
    let execution: Execution;
    try {
      for (const slot of sent.inputs) hidden[slot.parameter] = await resolveSlot(ctx, input.name, slot, sent.stepTypes[slot.step], uriAtStart(slot.uri, values), made, archives);
      execution = await pipelines(ctx).start(input.name, { parameters: { ...Object.fromEntries(values), ...hidden }, fromStrings: true, createdBy: ctx.principal.user.name, trigger: { kind: 'sagemaker' } });
    } catch (error) {
      await discardDatasets(ctx, made);
      for (const key of archives) await ctx.deps.artifacts.delete(key).catch(() => undefined);
      throw sageMakerErrorOf(error, 'ResourceNotFound');
    }
    const record: StoredExecution = { PipelineExecutionDisplayName: input.displayName, PipelineExecutionDescription: input.description, datasets: made };
    await ctx.deps.store.put(PIPELINE_EXECUTION_KIND, execution.id, record, ctx.principal.user.name);
    return { PipelineExecutionArn: executionArn(ctx, input.name, execution.id) };
  },
});

/** What an execution's parameter for an S3 location holds: a dataset ref, a source archive's key or an artifact prefix. */
async function resolveSlot(ctx: OperationContext, pipeline: string, slot: S3InputSlot, stepType: string | undefined, uri: string, made: string[], archives: string[]): Promise<string> {
  if (slot.kind === 'prefix') {
    try {
      return resolveS3Uri(uri, { bucket: ctx.bucket }).replace(/\/+$/, '');
    } catch (error) {
      throw new SageMakerError('ValidationException', `Steps.${slot.step}.ProcessingOutputConfig.Outputs.${slot.channel}.S3Output.S3Uri: ${(error as Error).message} (${uri})`);
    }
  }
  if (slot.kind === 'source') {
    const key = await sourceArchive(ctx, `sagemaker-${pipeline}-${slot.step}-${Date.now().toString(36)}`, { name: slot.channel, uri, localPath: CODE_PATH, dataType: slot.dataType, distribution: 'FullyReplicated' }, slot.entryPoint ?? '');
    archives.push(key);
    return key;
  }
  const field = `Steps.${slot.step}.${stepType === 'Processing' ? 'ProcessingInputs' : 'InputDataConfig'}.${slot.channel}`;
  const ref = await datasetOfS3Input(ctx, { uri, dataType: slot.dataType, contentType: slot.contentType }, { name: channelDatasetName(`${pipeline}-${slot.step}`, slot.channel), field, tags: { 'sagemaker:pipeline': pipeline } });
  made.push(ref);
  return ref;
}

function executionIdOf(f: Fields): string {
  const arn = f.str('PipelineExecutionArn', { required: true, max: 2048 });
  if (arn === undefined) return '';
  const match = EXECUTION_ARN.exec(arn);
  if (!match) f.fail('PipelineExecutionArn', arn, 'Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:pipeline\\/.*\\/execution\\/.*$');
  return match?.[1] ?? '';
}

async function execution(ctx: OperationContext, id: string): Promise<Execution> {
  try {
    return await pipelines(ctx).execution(id);
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Pipeline execution '${id}' does not exist.`, { cause: error });
    throw mapped;
  }
}

/** Orchard's execution statuses in SageMaker's names (a queued execution is executing to SageMaker). */
function executionStatus(status: Execution['status']): string {
  return status === 'Queued' ? 'Executing' : status;
}

const describePipelineExecution = operation<{ id: string }>({
  name: 'DescribePipelineExecution',
  permission: 'jobs:read',
  input: (f) => ({ id: executionIdOf(f) }),
  async run({ id }, ctx) {
    const e = await execution(ctx, id);
    const sent = (await ctx.deps.store.get<StoredExecution>(PIPELINE_EXECUTION_KIND, id))?.request;
    return {
      PipelineArn: pipelineArn(ctx, e.pipeline),
      PipelineExecutionArn: executionArn(ctx, e.pipeline, e.id),
      PipelineExecutionDisplayName: sent?.PipelineExecutionDisplayName ?? e.id,
      PipelineExecutionStatus: executionStatus(e.status),
      PipelineExecutionDescription: sent?.PipelineExecutionDescription,
      FailureReason: e.failureReason ?? undefined,
      CreationTime: epoch(e.createdAt),
      LastModifiedTime: epoch(e.updatedAt),
      CreatedBy: e.createdBy ? { UserProfileName: e.createdBy } : undefined,
      PipelineVersionId: e.version,
    };
  },
});

const listPipelineExecutions = operation<{ name: string; offset: number; limit: number; after?: number; before?: number; descending: boolean }>({
  name: 'ListPipelineExecutions',
  permission: 'jobs:read',
  input: (f) => {
    f.str('SortBy', { enum: ['CreationTime', 'PipelineExecutionArn'] });
    return {
      name: f.str('PipelineName', { required: true, min: 1, max: 256 }),
      ...readPage(f),
      after: time(f, 'CreatedAfter'),
      before: time(f, 'CreatedBefore'),
      descending: (f.str('SortOrder', { enum: ['Ascending', 'Descending'] }) ?? 'Descending') === 'Descending',
    };
  },
  async run(input, ctx) {
    await storedPipeline(ctx, input.name);
    // Newest first from the service; a time window or ascending order needs them all.
    const all: Execution[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await pipelines(ctx).executions({ pipeline: input.name, limit: 500, offset });
      all.push(...page.items);
      if (page.items.length < 500 || all.length >= page.total) break;
    }
    const created = (e: Execution) => Date.parse(e.createdAt) / 1000;
    const matching = all.filter((e) => (input.after === undefined || created(e) > input.after) && (input.before === undefined || created(e) < input.before));
    if (!input.descending) matching.reverse();
    const page = matching.slice(input.offset, input.offset + input.limit);
    const sent = await Promise.all(page.map((e) => ctx.deps.store.get<StoredExecution>(PIPELINE_EXECUTION_KIND, e.id)));
    return {
      PipelineExecutionSummaries: page.map((e, i) => ({
        PipelineExecutionArn: executionArn(ctx, e.pipeline, e.id),
        StartTime: epoch(e.startedAt ?? e.createdAt),
        PipelineExecutionStatus: executionStatus(e.status),
        PipelineExecutionDescription: sent[i]?.request.PipelineExecutionDescription,
        PipelineExecutionDisplayName: sent[i]?.request.PipelineExecutionDisplayName ?? e.id,
        PipelineExecutionFailureReason: e.failureReason ?? undefined,
      })),
      NextToken: nextToken(input.offset, page.length, matching.length),
    };
  },
});

/** Orchard's step statuses in SageMaker's (Starting, Executing, Stopping, Stopped, Failed, Succeeded). */
function stepStatus(status: ExecutionStep['status']): string {
  switch (status) {
    case 'Pending':
    case 'Starting':
      return 'Starting';
    case 'Waiting':
    case 'Retrying':
      return 'Executing';
    default:
      return status;
  }
}

/** SageMaker's step metadata: what the step made, by ARN, or its outcome. */
function stepMetadata(ctx: OperationContext, type: string | undefined, step: ExecutionStep): Record<string, unknown> | undefined {
  const outputs = step.outputs as Record<string, unknown>;
  switch (type) {
    case 'Training':
      return step.resource ? { TrainingJob: { Arn: ctx.arn('training-job', step.resource) } } : undefined;
    case 'Processing':
      return step.resource ? { ProcessingJob: { Arn: ctx.arn('processing-job', step.resource) } } : undefined;
    case 'Model':
    case 'CreateModel':
      return typeof outputs.model === 'string' ? { Model: { Arn: ctx.arn('model', outputs.model) } } : undefined;
    case 'RegisterModel':
      // Orchard's output is the package as `group@version`.
      return typeof outputs.package === 'string' ? { RegisterModel: { Arn: ctx.arn('model-package', `${outputs.package.split('@')[0]}/${String(outputs.version)}`) } } : undefined;
    case 'Condition':
      return typeof outputs.result === 'boolean' ? { Condition: { Outcome: outputs.result ? 'True' : 'False' } } : undefined;
    case 'Fail':
      return { Fail: { ErrorMessage: step.failureReason ?? undefined } };
  }
  return undefined;
}

const listPipelineExecutionSteps = operation<{ id: string; offset: number; limit: number; descending: boolean }>({
  name: 'ListPipelineExecutionSteps',
  permission: 'jobs:read',
  input: (f) => ({ id: executionIdOf(f), ...readPage(f), descending: (f.str('SortOrder', { enum: ['Ascending', 'Descending'] }) ?? 'Descending') === 'Descending' }),
  async run(input, ctx) {
    const e = await execution(ctx, input.id);
    const types = (await ctx.deps.store.get<StoredPipeline>(PIPELINE_KIND, e.pipeline))?.request.stepTypes ?? {};
    // Steps of a branch not taken never ran: SageMaker does not list them.
    const steps = e.steps.filter((s) => s.status !== 'Skipped' && s.status !== 'Pending');
    if (input.descending) steps.reverse();
    const page = steps.slice(input.offset, input.offset + input.limit);
    return {
      PipelineExecutionSteps: page.map((s) => ({
        StepName: s.name,
        StepDisplayName: s.name,
        StartTime: epoch(s.startedAt),
        EndTime: epoch(s.endedAt),
        StepStatus: stepStatus(s.status),
        CacheHitResult: s.cacheHit ? { SourcePipelineExecutionArn: undefined } : undefined,
        FailureReason: s.failureReason ?? undefined,
        Metadata: stepMetadata(ctx, types[s.name], s),
        AttemptCount: s.attempts,
      })),
      NextToken: nextToken(input.offset, page.length, steps.length),
    };
  },
});

const stopPipelineExecution = operation<{ id: string }>({
  name: 'StopPipelineExecution',
  permission: 'jobs:write',
  input: (f) => {
    f.str('ClientRequestToken', { max: 128 });
    return { id: executionIdOf(f) };
  },
  async run({ id }, ctx) {
    const e = await execution(ctx, id);
    try {
      await pipelines(ctx).stop(id);
    } catch (error) {
      const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
      if (mapped.type === 'ConflictException') throw new SageMakerError('ValidationException', `Pipeline execution '${id}' is ${executionStatus(e.status)} and cannot be stopped`, { cause: error });
      throw mapped;
    }
    return { PipelineExecutionArn: executionArn(ctx, e.pipeline, e.id) };
  },
});

export const PIPELINE_OPERATIONS = [createPipeline, describePipeline, listPipelines, updatePipeline, deletePipeline, startPipelineExecution, describePipelineExecution, listPipelineExecutions, listPipelineExecutionSteps, stopPipelineExecution];
