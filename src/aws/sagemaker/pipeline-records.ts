/**
 * What the SageMaker pipeline operations share: the control plane's records of pipelines
 * and executions made through it, ARNs, and reaching Orchard's pipeline service.
 */
import type { Execution } from '../../contracts/index.js';
import type { PipelineService } from '../../pipelines/index.js';
import type { OperationContext } from './operation.js';
import type { TranslatedPipeline } from './pipeline-definition.js';
import type { SageMakerParameter, TransformPlan } from './pipeline-inputs.js';
import type { StoredTransform } from './transform-output.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const PIPELINE_KIND = 'pipeline';
export const PIPELINE_EXECUTION_KIND = 'pipeline-execution';

/** What the control plane keeps of a pipeline made here. */
export interface StoredPipeline {
  PipelineDefinition: string;
  PipelineDisplayName?: string;
  PipelineDescription?: string;
  RoleArn?: string;
  parameters: SageMakerParameter[];
  inputs: TranslatedPipeline['inputs'];
  stepTypes: Record<string, string>;
  /** Its Transform steps' outputs (pipelines stored before Transform steps have none). */
  transforms?: Record<string, TransformPlan>;
}


/** What it keeps of an execution started here. */
export interface StoredExecution {
  PipelineExecutionDisplayName?: string;
  PipelineExecutionDescription?: string;
  /** Dataset versions made from the S3 inputs when it started. */
  datasets: string[];
  /** Its Transform steps' requests and output keys, by step name: a step's job gets them when it completes (`transform-output.ts`). */
  transforms?: Record<string, StoredTransform>;
}

export function pipelines(ctx: OperationContext): PipelineService {
  if (!ctx.deps.pipelines) throw new SageMakerError('ValidationException', 'Pipelines are not enabled on this server');
  return ctx.deps.pipelines;
}


export const pipelineArn = (ctx: OperationContext, name: string) => ctx.arn('pipeline', name);
export const executionArn = (ctx: OperationContext, pipeline: string, id: string) => ctx.arn('pipeline', `${pipeline}/execution/${id}`);

export async function storedPipeline(ctx: OperationContext, name: string): Promise<{ sent: StoredPipeline; createdBy: string | null; createdAt: string; updatedAt: string }> {
  const stored = await ctx.deps.store.get<StoredPipeline>(PIPELINE_KIND, name);
  if (!stored) throw new SageMakerError('ResourceNotFound', `Pipeline '${pipelineArn(ctx, name)}' does not exist.`);
  return { sent: stored.request, createdBy: stored.createdBy, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
}

/** Orchard's execution, or SageMaker's ResourceNotFound. */
export async function execution(ctx: OperationContext, id: string): Promise<Execution> {
  try {
    return await pipelines(ctx).execution(id);
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Pipeline execution '${id}' does not exist.`, { cause: error });
    throw mapped;
  }
}

/** Orchard's execution statuses in SageMaker's names (a queued execution is executing to SageMaker). */
export function executionStatus(status: Execution['status']): string {
  return status === 'Queued' ? 'Executing' : status;
}
