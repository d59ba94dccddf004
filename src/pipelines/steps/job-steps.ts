/**
 * `processing`, `tuning` and `transform`: a job of the capability, named after the step (so
 * a step re-entered after a crash describes it rather than creating a second one), polled
 * until it ends and stopped with the step.
 */
import { createHash } from 'node:crypto';
import type { CreateProcessingJobInput } from '../../processing/index.js';
import type { CreateTransformJobInput } from '../../serving/transform/index.js';
import type { CreateTuningJobInput } from '../../tuning/index.js';
import { StepFailure, type StepContext, type StepResult, type StepRunner } from '../engine/step-runner.js';
import { datasetOfInput } from './artifact-inputs.js';
import { asStrings, stepTags, unlessMissing, type PipelinePorts } from './ports.js';

/** How a job of any of these capabilities ended, as a step sees it. */
function ended(kind: string, job: { name: string; status: string; failureReason: string | null }): StepFailure | null {
  if (job.status !== 'Failed' && job.status !== 'Stopped') return null;
  return new StepFailure('ORCH_PIPELINE_STEP_FAILED', `${kind} job '${job.name}' ${job.status}${job.failureReason ? `: ${job.failureReason}` : ''}`);
}

// --- processing ---

export const processingStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const existing = await unlessMissing(ports.processing.describe(ctx.resource), 'ORCH_PROCESSING_NOT_FOUND');
    if (!existing) {
      const { tags, ...rest } = ctx.inputs as Partial<CreateProcessingJobInput>;
      await ports.processing.create({ ...(rest as CreateProcessingJobInput), name: ctx.resource, tags: { ...tags, ...stepTags(ctx) }, createdBy: ctx.createdBy ?? undefined });
    }
    return processingStep.poll!(ctx, ports);
  },
  async poll(ctx, ports) {
    const job = await ports.processing.describe(ctx.resource);
    if (job.status === 'Completed') return { status: 'done', outputs: { jobName: job.name, outputs: job.outputs } };
    const failure = ended('processing', job);
    if (failure) throw failure;
    return { status: 'running' };
  },
  async stop(ctx, ports) {
    await ports.processing.stop(ctx.resource).catch(() => undefined);
  },
};

// --- tuning ---

/** Tuning job names are at most 32 characters: the resource, or its start and a hash of it. */
export function tuningJobName(resource: string): string {
  if (resource.length <= 32) return resource;
  const hash = createHash('sha256').update(resource).digest('hex').slice(0, 8);
  return `${resource.slice(0, 23).replace(/-+$/, '')}-${hash}`;
}

function tuningRequest(ctx: StepContext, name: string): CreateTuningJobInput {
  const { train, validation, staticHyperParameters, channels, tags, ...rest } = ctx.inputs as Record<string, unknown> & { staticHyperParameters?: Record<string, unknown>; channels?: Record<string, string>; tags?: Record<string, string> };
  return {
    ...(rest as Partial<CreateTuningJobInput>),
    name,
    staticHyperParameters: asStrings(staticHyperParameters),
    channels: { ...channels, ...(typeof train === 'string' ? { train } : {}), ...(typeof validation === 'string' ? { validation } : {}) },
    tags: { ...tags, ...stepTags(ctx) },
    createdBy: ctx.createdBy ?? undefined,
  } as CreateTuningJobInput;
}

export const tuningStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const name = tuningJobName(ctx.resource);
    const existing = await unlessMissing(ports.tuning.describe(name, { trials: false }), 'ORCH_TUNING_NOT_FOUND');
    if (!existing) await ports.tuning.create(tuningRequest(ctx, name));
    return tuningStep.poll!(ctx, ports);
  },
  async poll(ctx, ports): Promise<StepResult> {
    const job = await ports.tuning.describe(tuningJobName(ctx.resource), { trials: false });
    const failure = ended('tuning', job);
    if (failure) throw failure;
    if (job.status !== 'Completed') return { status: 'running' };
    const best = job.bestTrainingJob;
    if (!best) throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `tuning job '${job.name}' completed without a trial that reported its objective '${job.objective.metric}'`);
    const trained = await ports.training.describe(best.name);
    return { status: 'done', outputs: { jobName: job.name, bestTrainingJob: best.name, bestObjective: best.objective, modelArtifact: trained.modelArtifact ?? '' } };
  },
  async stop(ctx, ports) {
    await ports.tuning.stop(tuningJobName(ctx.resource)).catch(() => undefined);
  },
};

// --- transform ---

interface TransformInputs {
  model: string;
  input: string;
  output?: string;
  splitType?: CreateTransformJobInput['splitType'];
  inputFilter?: string;
  joinSource?: CreateTransformJobInput['joinSource'];
  outputFilter?: string;
}

export const transformStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const existing = await unlessMissing(ports.transforms.describe(ctx.resource), 'ORCH_TRANSFORM_NOT_FOUND');
    if (!existing) {
      // contentType and instanceCount are the definition's SageMaker-shaped fields: datasets carry their
      // own format, and a transform's shards spread over every worker there is.
      const inputs = ctx.inputs as unknown as TransformInputs;
      await ports.transforms.create({
        name: ctx.resource,
        model: inputs.model,
        // A processing step's artifact output becomes a dataset version now.
        input: await datasetOfInput(ctx, ports, inputs.input, 'input'),
        output: inputs.output ?? ctx.resource,
        ...(inputs.splitType ? { splitType: inputs.splitType } : {}),
        ...(inputs.inputFilter !== undefined ? { inputFilter: inputs.inputFilter } : {}),
        ...(inputs.joinSource ? { joinSource: inputs.joinSource } : {}),
        ...(inputs.outputFilter !== undefined ? { outputFilter: inputs.outputFilter } : {}),
        tags: stepTags(ctx),
        createdBy: ctx.createdBy ?? undefined,
      });
    }
    return transformStep.poll!(ctx, ports);
  },
  async poll(ctx, ports) {
    const job = await ports.transforms.describe(ctx.resource);
    if (job.status === 'Completed') return { status: 'done', outputs: { jobName: job.name, output: `${job.output.dataset}@${job.output.version}` } };
    const failure = ended('transform', job);
    if (failure) throw failure;
    return { status: 'running' };
  },
  async stop(ctx, ports) {
    await ports.transforms.stop(ctx.resource).catch(() => undefined);
  },
};
