/**
 * Webhooks: signed, address-checked HTTP deliveries of platform events with retries and a
 * delivery log. Pipelines' notify step and alarms call `WebhookService.deliver`; the
 * `webhook-delivery` job kind sends on the job workers.
 */
export { WebhookService, retrySchedule, takesEvent } from './webhook-service.js';
export type { WebhookDeps } from './webhook-service.js';
export { webhookJobHandler } from './delivery-worker.js';
export type { DeliveryWorkerDeps } from './delivery-worker.js';
export { SecretBox, lazySecretBox, loadSecretKey, SECRET_KEY_FILE } from './secret-box.js';
export { signatureOf, signedHeaders, verifySignature, WEBHOOK_HEADERS } from './signature.js';
export { classifyAddress, parseAllowRule } from './address-policy.js';
export type { Resolver } from './http-sender.js';
export { WEBHOOK_DELIVERY_KIND } from './types.js';
export type { CreateWebhookInput, DeliverRequest, DeliverResult, Webhook, WebhookAllowRule, WebhookAttempt, WebhookCreated, WebhookDelivery } from './types.js';
