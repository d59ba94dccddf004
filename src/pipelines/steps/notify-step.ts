/**
 * `notify`: one delivery of the `pipeline.notify` event to a registered webhook, its
 * source the step's resource. A re-entered step finds its delivery by that source (and the
 * service answers the same delivery for the same idempotency key), so it is sent once. The
 * step ends when the delivery does: Delivered, or Failed once its attempts have run out.
 */
import type { WebhookDelivery } from '../../webhooks/index.js';
import { StepFailure, type StepContext, type StepResult, type StepRunner } from '../engine/step-runner.js';
import type { PipelinePorts } from './ports.js';

export const NOTIFY_EVENT = 'pipeline.notify';

interface NotifyInputs {
  webhook: string;
  payload?: unknown;
}

/** This attempt's delivery, among the webhook's newest. */
async function findDelivery(ctx: StepContext, ports: PipelinePorts, webhook: string): Promise<WebhookDelivery | null> {
  const { items } = await ports.webhooks.deliveries(webhook, { limit: 200 });
  return items.find((d) => d.source === ctx.resource) ?? null;
}

/** Makes the delivery, or answers the one this attempt made (the same key gives the same delivery). */
async function deliver(ctx: StepContext, ports: PipelinePorts, inputs: NotifyInputs): Promise<string> {
  const payload = inputs.payload ?? { pipeline: ctx.execution.pipeline, execution: ctx.execution.id, step: ctx.step };
  const made = await ports.webhooks.deliver({ webhook: inputs.webhook, event: NOTIFY_EVENT, payload, source: ctx.resource, idempotencyKey: ctx.resource });
  return made.deliveryId;
}

function settled(d: Pick<WebhookDelivery, 'id' | 'status' | 'lastError' | 'lastErrorCode' | 'attempts' | 'lastStatusCode'>): StepResult {
  if (d.status === 'Delivered') return { status: 'done', outputs: { deliveryId: d.id, status: d.status } };
  if (d.status === 'Failed') {
    const why = d.lastError ?? (d.lastStatusCode !== null ? `the receiver answered ${d.lastStatusCode}` : 'not delivered');
    throw new StepFailure(d.lastErrorCode ?? 'ORCH_PIPELINE_STEP_FAILED', `webhook delivery '${d.id}' Failed after ${d.attempts} attempt(s): ${why}`);
  }
  return { status: 'running' };
}

export const notifyStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const inputs = ctx.inputs as unknown as NotifyInputs;
    const found = await findDelivery(ctx, ports, inputs.webhook);
    if (found) return settled(found);
    return settled(await ports.webhooks.delivery(await deliver(ctx, ports, inputs)));
  },
  async poll(ctx, ports) {
    const inputs = ctx.inputs as unknown as NotifyInputs;
    const found = await findDelivery(ctx, ports, inputs.webhook);
    // Past the newest page (a busy webhook): the same key answers the same delivery.
    return settled(found ?? (await ports.webhooks.delivery(await deliver(ctx, ports, inputs))));
  },
};
