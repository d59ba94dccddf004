/**
 * SageMaker pipeline executions: StartPipelineExecution, DescribePipelineExecution,
 * ListPipelineExecutions, ListPipelineExecutionSteps, StopPipelineExecution — onto Orchard's
 * executions. A start resolves the definition's S3 locations first (`pipeline-inputs.ts`).
 */
import type { Execution, ExecutionStep } from '../../contracts/index.js';
import { discardDatasets } from './channels.js';
import type { Fields } from './fields.js';
import { pageOf, type ListQuery } from './list-query.js';
import { epoch, nextToken, operation, readPage, type OperationContext } from './operation.js';
import { isExpression, isObject, knownAtStart, parameterValues, resolveSlot, uriAtStart, type SageMakerParameter } from './pipeline-inputs.js';
import { PIPELINE_EXECUTION_KIND, PIPELINE_KIND, execution, executionArn, executionStatus, pipelineArn, pipelines, storedPipeline, type StoredExecution, type StoredPipeline } from './pipeline-records.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';
import { transformOutputKey, transformOutputPrefix } from './transform.js';
import { writeTransformOutput, type StoredTransform } from './transform-output.js';

const EXECUTION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[^/]+\/execution\/([A-Za-z0-9-]+)$/;

interface StartInput {
  name: string;
  parameters: Array<{ name: string; value: string }>;
  displayName?: string;
  description?: string;
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
    const transforms: Record<string, StoredTransform> = {};
    let execution: Execution;
    try {
      // Where each Transform step's output goes, refused before anything is read.
      for (const [step, plan] of Object.entries(sent.transforms ?? {})) {
        const field = `Steps.${step}.TransformOutput.S3OutputPath`;
        // An input another step writes is not there yet: the file's name is known once the job has read it (`transform-output.ts`).
        const outputKey = knownAtStart(plan.inputUri) ? await transformOutputKey(ctx, uriAtStart(plan.outputPath, values), uriAtStart(plan.inputUri, values), field) : `${transformOutputPrefix(ctx, uriAtStart(plan.outputPath, values), field)}/`;
        transforms[step] = { ...(valuesAtStart(plan.request, values, sent.parameters) as Record<string, unknown>), outputKey };
      }
      for (const slot of sent.inputs) hidden[slot.parameter] = await resolveSlot(ctx, input.name, slot, sent.stepTypes[slot.step], uriAtStart(slot.uri, values), made, archives);
      execution = await pipelines(ctx).start(input.name, { parameters: { ...Object.fromEntries(values), ...hidden }, fromStrings: true, createdBy: ctx.principal.user.name, trigger: { kind: 'sagemaker' } });
    } catch (error) {
      await discardDatasets(ctx, made);
      for (const key of archives) await ctx.deps.artifacts.delete(key).catch(() => undefined);
      throw sageMakerErrorOf(error, 'ResourceNotFound');
    }
    const record: StoredExecution = { PipelineExecutionDisplayName: input.displayName, PipelineExecutionDescription: input.description, datasets: made, ...(Object.keys(transforms).length > 0 ? { transforms } : {}) };
    await ctx.deps.store.put(PIPELINE_EXECUTION_KIND, execution.id, record, ctx.principal.user.name);
    return { PipelineExecutionArn: executionArn(ctx, input.name, execution.id) };
  },
});

/** A request as written with its parameters' values for this execution (numbers for numeric parameters); other expressions left out. */
function valuesAtStart(value: unknown, values: ReadonlyMap<string, string>, parameters: SageMakerParameter[]): unknown {
  if (Array.isArray(value)) return value.map((v) => valuesAtStart(v, values, parameters));
  if (isExpression(value)) {
    if (!knownAtStart(value)) return undefined;
    const text = uriAtStart(value, values);
    const parameter = typeof value.Get === 'string' ? parameters.find((p) => `Parameters.${p.name}` === value.Get) : undefined;
    return parameter?.type === 'Integer' || parameter?.type === 'Float' ? Number(text) : parameter?.type === 'Boolean' ? text === 'true' : text;
  }
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, valuesAtStart(v, values, parameters)]).filter(([, v]) => v !== undefined));
  return value;
}

/**
 * Writes the S3 output of each Transform step that has succeeded and is not written yet,
 * so that an execution reported Succeeded has its outputs where they were asked for (the
 * settler in transform-output.ts usually got there first).
 */
async function settleTransforms(ctx: OperationContext, e: Execution, types: Record<string, string>): Promise<void> {
  for (const step of e.steps) {
    if (types[step.name] !== 'Transform' || step.status !== 'Succeeded' || !step.resource) continue;
    // A failure is left to the settler, which logs it and tries again.
    await ctx.deps.transforms
      .describe(step.resource)
      .then((job) => writeTransformOutput(ctx.deps, job))
      .catch(() => undefined);
  }
}

function executionIdOf(f: Fields): string {
  const arn = f.str('PipelineExecutionArn', { required: true, max: 2048 });
  if (arn === undefined) return '';
  const match = EXECUTION_ARN.exec(arn);
  if (!match) f.fail('PipelineExecutionArn', arn, 'Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:pipeline\\/.*\\/execution\\/.*$');
  return match?.[1] ?? '';
}


const describePipelineExecution = operation<{ id: string }>({
  name: 'DescribePipelineExecution',
  permission: 'jobs:read',
  input: (f) => ({ id: executionIdOf(f) }),
  async run({ id }, ctx) {
    const e = await execution(ctx, id);
    const sent = (await ctx.deps.store.get<StoredExecution>(PIPELINE_EXECUTION_KIND, id))?.request;
    if (sent?.transforms) await settleTransforms(ctx, e, (await ctx.deps.store.get<StoredPipeline>(PIPELINE_KIND, e.pipeline))?.request.stepTypes ?? {});
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

const listPipelineExecutions = operation<ListQuery & { name: string }>({
  name: 'ListPipelineExecutions',
  permission: 'jobs:read',
  input: (f) => {
    // SageMaker's names for the shared filters here: CreatedAfter/Before, SortBy PipelineExecutionArn.
    const sortBy = f.str('SortBy', { enum: ['CreationTime', 'PipelineExecutionArn'] }) ?? 'CreationTime';
    return {
      name: f.str('PipelineName', { required: true, min: 1, max: 256 }),
      ...readPage(f),
      createdAfter: f.num('CreatedAfter'),
      createdBefore: f.num('CreatedBefore'),
      sortBy: sortBy === 'PipelineExecutionArn' ? 'Name' : sortBy,
      descending: (f.str('SortOrder', { enum: ['Ascending', 'Descending'] }) ?? 'Descending') === 'Descending',
    };
  },
  async run(input, ctx) {
    await storedPipeline(ctx, input.name);
    const all: Execution[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await pipelines(ctx).executions({ pipeline: input.name, limit: 500, offset });
      all.push(...page.items);
      if (page.items.length < 500 || all.length >= page.total) break;
    }
    // Sorted by ARN, which differs from the id only by the pipeline's name before it.
    const listed = pageOf(input, all, (e) => ({ name: e.id, createdAt: e.createdAt, updatedAt: e.updatedAt }));
    const page = listed.items;
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
      NextToken: listed.nextToken,
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
    case 'Transform':
      return step.resource ? { TransformJob: { Arn: ctx.arn('transform-job', step.resource) } } : undefined;
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
    await settleTransforms(ctx, e, types);
    // Steps of a branch not taken never ran: SageMaker does not list them.
    const steps = e.steps.filter((s) => s.status !== 'Skipped' && s.status !== 'Pending');
    // In the order they started (SageMaker's), the definition's order breaking ties.
    const position = new Map(e.steps.map((s, i) => [s.name, i]));
    steps.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || position.get(a.name)! - position.get(b.name)!);
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


export const EXECUTION_OPERATIONS = [startPipelineExecution, describePipelineExecution, listPipelineExecutions, listPipelineExecutionSteps, stopPipelineExecution];
