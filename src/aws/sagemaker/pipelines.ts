/**
 * SageMaker Pipelines: CreatePipeline, DescribePipeline, ListPipelines, UpdatePipeline,
 * DeletePipeline, and the executions' operations (`pipeline-executions.ts`) — onto Orchard's
 * pipelines. A SageMaker pipeline is an Orchard pipeline of the same name whose definition
 * is the translation of SageMaker's (`pipeline-definition.ts`); the definition as sent is
 * kept to describe it.
 */
import type { Pipeline } from '../../contracts/index.js';
import type { Fields } from './fields.js';
import { epoch, nextToken, operation, readPage, type OperationContext } from './operation.js';
import { translatePipeline, type TranslatedPipeline } from './pipeline-definition.js';
import { EXECUTION_OPERATIONS } from './pipeline-executions.js';
import { PIPELINE_KIND, pipelineArn, pipelines, storedPipeline, type StoredPipeline } from './pipeline-records.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

/** SageMaker's PipelineName rule; Orchard's pipeline names stop at 63 characters. */
const PIPELINE_NAME = { pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/, source: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}' } as const;
const MAX_DEFINITION = 1_000_000;

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
    const sent: StoredPipeline = { PipelineDefinition: request.definition!, PipelineDisplayName: request.displayName, PipelineDescription: request.description, RoleArn: request.roleArn, parameters: translated.parameters, inputs: translated.inputs, stepTypes: translated.stepTypes, transforms: translated.transforms };
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
      Object.assign(next, { PipelineDefinition: request.definition, parameters: translated.parameters, inputs: translated.inputs, stepTypes: translated.stepTypes, transforms: translated.transforms });
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

export const PIPELINE_OPERATIONS = [createPipeline, describePipeline, listPipelines, updatePipeline, deletePipeline, ...EXECUTION_OPERATIONS];
