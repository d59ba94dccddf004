import { OrchardError } from '../core/index.js';
import { retryDelayMs, type JobHandler, type JobQueue } from '../jobs/index.js';
import type { MetadataStore } from '../storage/index.js';
import { parseAllowRule } from './address-policy.js';
import { sendWebhook, type Resolver, type SendResult } from './http-sender.js';
import type { SecretBox } from './secret-box.js';
import { signedHeaders } from './signature.js';
import { WebhookStore, type WebhookAttemptsTable } from './webhook-store.js';
import { WEBHOOK_DELIVERY_KIND, type DeliveryPayload } from './types.js';

export interface DeliveryWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  secrets: () => Promise<SecretBox>;
  /** @default the system resolver */
  resolve?: Resolver;
  /** Longest one attempt may take, redirects included. @default 10000 */
  timeoutMs?: number;
}

/** An attempt made: its log row and result, and whether the queue has been told (for a repeated record). */
type Outcome = { kind: 'attempt'; row: WebhookAttemptsTable; result: SendResult; maxAttempts: number; backoffMs: number; reported?: boolean } | { kind: 'settled' };

/**
 * The `webhook-delivery` job kind: one queue attempt is one HTTP attempt. The queue's
 * retry is the backoff (`backoffMs` doubling, `maxAttempts` in all); a network error, a
 * timeout, 429 or 5xx is reported retryable, any other answer ends the delivery, and a
 * refused address fails it at once with ORCH_WEBHOOK_ADDRESS_REFUSED.
 */
export function webhookJobHandler(deps: DeliveryWorkerDeps): JobHandler<DeliveryPayload, Outcome> {
  const store = new WebhookStore(deps.metadata);
  return {
    kinds: [WEBHOOK_DELIVERY_KIND],
    // Waiting on a network answer takes no core to speak of; 1 is the least a job asks for.
    cpus: () => 1,
    async run(job, ctx) {
      const delivery = await store.delivery(job.payload.delivery).catch((err: unknown) => {
        if (err instanceof OrchardError && err.code === 'ORCH_WEBHOOK_DELIVERY_NOT_FOUND') return undefined;
        throw err;
      });
      if (!delivery || delivery.status !== 'Pending') {
        // Deleted with its webhook, or ended by an earlier attempt: nothing to send.
        await deps.queue.complete(job);
        return { kind: 'settled' };
      }
      const startedAt = new Date();
      const result = await attempt(deps, store, delivery.webhook, delivery.id, delivery.body, ctx.signal);
      // Shut down or lost mid-attempt: the queue hands the delivery out again.
      if (ctx.signal.aborted) return { kind: 'settled' };
      const row: WebhookAttemptsTable = {
        delivery: delivery.id,
        attempt: job.attempt,
        started_at: startedAt.toISOString(),
        duration_ms: Date.now() - startedAt.getTime(),
        status_code: result.statusCode,
        error: result.error,
        error_code: result.errorCode,
      };
      return { kind: 'attempt', row, result, maxAttempts: Number(delivery.max_attempts), backoffMs: Number(delivery.backoff_ms) };
    },
    async record(job, outcome) {
      if (outcome.kind !== 'attempt' || outcome.reported) return;
      const { result, row } = outcome;
      const delivered = result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      const willRetry = !delivered && result.retryable && job.attempt < outcome.maxAttempts;
      // The delivery's row first, the queue after: a worker lost in between leaves a job
      // that a later claim finds already ended (and completes), never a row left Pending.
      await store.recordAttempt(row, {
        status: delivered ? 'Delivered' : willRetry ? 'Pending' : 'Failed',
        nextAttemptAt: willRetry ? new Date(Date.now() + retryDelayMs(outcome.backoffMs, job.attempt)).toISOString() : null,
      });
      if (delivered) await deps.queue.complete(job);
      else await deps.queue.fail(job, { message: result.error ?? 'failed', retryable: willRetry });
      outcome.reported = true;
    },
  };
}

/** Opens the secret, signs and sends; a failure before sending is an attempt's result too. */
async function attempt(deps: DeliveryWorkerDeps, store: WebhookStore, name: string, id: string, body: string, signal: AbortSignal): Promise<SendResult> {
  try {
    const webhook = await store.webhook(name);
    if (!webhook.enabled) return { statusCode: null, error: `Webhook '${name}' was disabled`, errorCode: 'ORCH_WEBHOOK_DISABLED', retryable: false };
    const secret = (await deps.secrets()).open(webhook.secret_sealed, name);
    const rules = (await store.allowRules()).map((r) => parseAllowRule(r.pattern, Number(r.port) === 0 ? null : Number(r.port)));
    return await sendWebhook(webhook.url, { body, headers: signedHeaders(secret, id, body), rules, signal, resolve: deps.resolve, timeoutMs: deps.timeoutMs });
  } catch (err) {
    if (err instanceof OrchardError && err.code !== 'ORCH_METADATA_UNAVAILABLE') return { statusCode: null, error: err.message, errorCode: err.code, retryable: false };
    throw err;
  }
}
