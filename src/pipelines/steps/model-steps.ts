/** `training`, `create-model` and `register-model`: jobs and registry entries named after the step. */
import { OrchardError } from '../../core/index.js';
import type { CreateTrainingJobInput } from '../../training/index.js';
import { StepFailure, type StepContext, type StepRunner } from '../engine/step-runner.js';
import { datasetOfInput } from './artifact-inputs.js';
import { stepOutputs, stepTags, unlessMissing, type PipelinePorts } from './ports.js';

/** A training request from a step's inputs: `train`/`validation` name channels; hyperparameters become strings. */
function trainingRequest(ctx: StepContext): CreateTrainingJobInput {
  const { train, validation, hyperParameters, channels, tags, ...rest } = ctx.inputs as Record<string, unknown> & { hyperParameters?: Record<string, unknown>; channels?: Record<string, string>; tags?: Record<string, string> };
  const hp = Object.fromEntries(Object.entries(hyperParameters ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return {
    ...(rest as Partial<CreateTrainingJobInput>),
    name: ctx.resource,
    hyperParameters: hp,
    channels: { ...channels, ...(typeof train === 'string' ? { train } : {}), ...(typeof validation === 'string' ? { validation } : {}) },
    tags: { ...tags, ...stepTags(ctx) },
    createdBy: ctx.createdBy ?? undefined,
  };
}

export const trainingStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const existing = await unlessMissing(ports.training.describe(ctx.resource), 'ORCH_JOB_NOT_FOUND');
    if (!existing) {
      const request = trainingRequest(ctx);
      // A channel may be a processing step's artifact output: its files become a dataset version now.
      for (const [channel, ref] of Object.entries(request.channels)) request.channels[channel] = await datasetOfInput(ctx, ports, ref, channel);
      await ports.training.create(request);
    }
    return trainingStep.poll!(ctx, ports);
  },
  async poll(ctx, ports) {
    const job = await ports.training.describe(ctx.resource);
    if (job.status === 'Completed') return { status: 'done', outputs: { jobName: job.name, modelArtifact: job.modelArtifact ?? '', finalMetrics: job.finalMetrics, status: job.status } };
    if (job.status === 'Failed' || job.status === 'Stopped') throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `training job '${job.name}' ${job.status}${job.failureReason ? `: ${job.failureReason}` : ''}`);
    return { status: 'running' };
  },
  async stop(ctx, ports) {
    await ports.training.stop(ctx.resource).catch(() => undefined);
  },
};

/** The training job a `from` names: a training or tuning step, or a job name. */
function jobOf(from: unknown): string | null {
  if (typeof from === 'string') return from;
  const o = stepOutputs(from);
  const job = o?.bestTrainingJob ?? o?.jobName;
  return typeof job === 'string' ? job : null;
}

/** A model made from a job under `name`, or found when a previous attempt made it. */
async function ensureModel(ports: PipelinePorts, name: string, job: string, recipe: string | undefined, createdBy: string | null): Promise<string> {
  const found = await unlessMissing(ports.models.describe(name), 'ORCH_MODEL_NOT_FOUND');
  if (!found) await ports.models.create({ name, fromJob: job, ...(recipe ? { recipe } : {}), createdBy: createdBy ?? undefined });
  return name;
}

export const createModelStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const inputs = ctx.inputs as { from: unknown; recipe?: string; model?: string };
    const job = jobOf(inputs.from);
    if (!job) throw new StepFailure('ORCH_PIPELINE_INVALID', "create-model: 'from' names no training job", false);
    return { status: 'done', outputs: { model: await ensureModel(ports, inputs.model ?? ctx.resource, job, inputs.recipe, ctx.createdBy) } };
  },
};

export const registerModelStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const inputs = ctx.inputs as { group: string; from: unknown; approvalStatus?: 'PendingManualApproval' | 'Approved' | 'Rejected'; description?: string };
    const from = stepOutputs(inputs.from);
    let model: string;
    if (typeof inputs.from === 'string') model = inputs.from;
    else if (typeof from?.model === 'string') model = from.model;
    else {
      const job = jobOf(inputs.from);
      if (!job) throw new StepFailure('ORCH_PIPELINE_INVALID', "register-model: 'from' names no model or training job", false);
      model = await ensureModel(ports, ctx.resource, job, undefined, ctx.createdBy);
    }
    const versions = await unlessMissing(ports.packages.versions(inputs.group), 'ORCH_REGISTRY_GROUP_NOT_FOUND');
    const pkg =
      versions?.find((v) => v.modelName === model && v.description === describe(ctx, inputs.description)) ??
      (await ports.packages.register({ group: inputs.group, model, approvalStatus: inputs.approvalStatus, description: describe(ctx, inputs.description), createdBy: ctx.createdBy ?? undefined }).catch((err) => {
        throw err instanceof OrchardError ? err : new StepFailure('ORCH_PIPELINE_STEP_FAILED', String(err));
      }));
    return { status: 'done', outputs: { package: pkg.ref, version: pkg.version, approvalStatus: pkg.approvalStatus } };
  },
};

/** The package's description carries the step's resource, so a re-entered step finds its version. */
function describe(ctx: StepContext, description: string | undefined): string {
  return `${description ? `${description} ` : ''}(pipeline ${ctx.execution.pipeline}, ${ctx.resource})`.slice(0, 1024);
}
