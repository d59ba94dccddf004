/** The wire shapes of webhooks are declared once, in the contracts. */
export type { CreateWebhookInput, Webhook, WebhookAllowRule, WebhookAttempt, WebhookCreated, WebhookDelivery, WebhookDeliveryFilter, WebhookDeliveryStatus, WebhookFilter } from '../contracts/index.js';

/** Queue kind of one webhook delivery (each queue attempt is one HTTP attempt). */
export const WEBHOOK_DELIVERY_KIND = 'webhook-delivery';

/** The queue job of a delivery (one per delivery, by id). */
export const deliveryJobId = (id: string) => `webhook.${id}`;

/** What a delivery queue job carries. */
export interface DeliveryPayload {
  delivery: string;
}

/** What `deliver` takes: the capability's port for pipelines' notify step and alarms. */
export interface DeliverRequest {
  webhook: string;
  event: string;
  /** Any JSON value; sent as the body's `payload`. */
  payload?: unknown;
  /** What sent it, e.g. `<execution>/<step>`. */
  source?: string;
  /**
   * Makes the call repeatable: the same webhook and key answer the delivery the first
   * call made (e.g. `<execution>/<step>/<attempt>` for a step re-entered after a crash).
   */
  idempotencyKey?: string;
  /** Attempts in all. @default 8 */
  maxAttempts?: number;
  /** Wait before the second attempt; doubles after each. @default 1000 */
  backoffMs?: number;
}

/** What `deliver` answers: the delivery's id and its status (Pending, until the workers send it). */
export interface DeliverResult {
  deliveryId: string;
  status: 'Pending' | 'Delivered' | 'Failed';
}
