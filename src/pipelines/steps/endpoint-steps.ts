/**
 * `endpoint`: the named endpoint serving the step's model. Created when absent, else
 * updated to the model (the endpoint service rolls an update out blue/green: the old
 * model serves until the new one answers); done once it is InService on that model. An
 * endpoint already on the model is done at once, so a re-entered step changes nothing.
 */
import { isOrchardError } from '../../core/index.js';
import { DEFAULT_VARIANT, type Endpoint } from '../../serving/endpoints/index.js';
import { StepFailure, type StepResult, type StepRunner } from '../engine/step-runner.js';
import { stepTags, unlessMissing, type PipelinePorts } from './ports.js';

interface EndpointInputs {
  endpoint: string;
  model: string;
  instanceCount?: number;
  strategy?: 'blue-green' | 'all-at-once';
}

/** Every variant of the endpoint's live configuration runs `model`. */
const onModel = (e: Endpoint, model: string) => e.variants.length > 0 && e.variants.every((v) => v.model === model);

const variants = (inputs: EndpointInputs) => [{ name: DEFAULT_VARIANT, model: inputs.model, instances: inputs.instanceCount ?? 1 }];

/** Asks for the update; an endpoint busy with another change is asked again at the next poll. */
async function update(ports: PipelinePorts, inputs: EndpointInputs): Promise<StepResult> {
  try {
    await ports.endpoints.update(inputs.endpoint, { variants: variants(inputs) });
  } catch (err) {
    if (!(isOrchardError(err) && err.code === 'ORCH_ENDPOINT_INVALID_STATE')) throw err;
  }
  return { status: 'running' };
}

function settled(e: Endpoint, inputs: EndpointInputs): StepResult | null {
  if (e.status === 'Failed') throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `endpoint '${e.name}' Failed${e.failureReason ? `: ${e.failureReason}` : ''}`);
  if (e.status !== 'InService') return { status: 'running' };
  if (onModel(e, inputs.model)) return { status: 'done', outputs: { endpoint: e.name, status: e.status } };
  return null;
}

export const endpointStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const inputs = ctx.inputs as unknown as EndpointInputs;
    const found = await unlessMissing(ports.endpoints.describe(inputs.endpoint), 'ORCH_ENDPOINT_NOT_FOUND');
    if (!found) {
      await ports.endpoints.create({ name: inputs.endpoint, variants: variants(inputs), tags: stepTags(ctx), createdBy: ctx.createdBy ?? undefined });
      return { status: 'running' };
    }
    // Creating or Updating (this step's own change, re-entered, or another's): looked at again when it settles.
    return settled(found, inputs) ?? update(ports, inputs);
  },
  async poll(ctx, ports) {
    const inputs = ctx.inputs as unknown as EndpointInputs;
    const e = await ports.endpoints.describe(inputs.endpoint);
    const done = settled(e, inputs);
    if (done) return done;
    // InService on another model: the rollout failed (the old model kept serving), or it was never asked for.
    if (e.failureReason?.startsWith('Update failed')) throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `endpoint '${e.name}' stayed on its model: ${e.failureReason}`);
    return update(ports, inputs);
  },
};
