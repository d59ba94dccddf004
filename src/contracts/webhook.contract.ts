/**
 * Webhooks: signed HTTP deliveries of platform events (a pipeline's `notify` step, an
 * alarm, a test ping) to a URL, each checked against the admins' allow-list, retried with
 * backoff and logged attempt by attempt. A webhook's signing secret is never part of a
 * record: it is answered once, at create and at rotate-secret.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, PageQuery, ResourceName, StringEnum, Strict, Timestamp } from './common.contract.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_LIMITS } from './webhook-values.js';

/** A webhook's name: 1–63 alphanumerics, hyphens only between them. */
export const WebhookName = ResourceName(63);

/** An event name; in a webhook's `events`, `pipeline.*` matches every event starting `pipeline.`. */
export const WebhookEvent = Type.String({ minLength: 1, maxLength: 100 });

export const WebhookDeliveryStatus = StringEnum(WEBHOOK_DELIVERY_STATUSES);
export type WebhookDeliveryStatus = Static<typeof WebhookDeliveryStatus>;

/** What a client sends to create a webhook; `createdBy` comes from the caller's token. */
export const CreateWebhookRequest = Strict({
  name: WebhookName,
  /** `http://` or `https://`; its host must resolve to public addresses unless an allow rule admits it. */
  url: Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.urlLength }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  /** The events it takes (`ping` always). @default every event */
  events: Type.Optional(Type.Array(WebhookEvent, { maxItems: WEBHOOK_LIMITS.events })),
  /** A disabled webhook refuses deliveries. @default true */
  enabled: Type.Optional(Type.Boolean()),
});
export type CreateWebhookRequest = Static<typeof CreateWebhookRequest>;
/** The create request as the service takes it: who asked is added by the server. */
export type CreateWebhookInput = CreateWebhookRequest & { createdBy?: string };

/** `GET /webhooks` filters. */
export const WebhookFilter = Strict({ ...PageQuery });
export type WebhookFilter = Static<typeof WebhookFilter>;

/** A webhook as every answer shows it: never its secret. */
export const Webhook = Type.Object({
  name: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  /** Null: every event. */
  events: Nullable(Type.Array(Type.String())),
  enabled: Type.Boolean(),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  /** When the secret was last made (create or rotate-secret). */
  secretCreatedAt: Timestamp,
});
export type Webhook = Static<typeof Webhook>;

/** The answer of create and rotate-secret: the record and the signing secret, shown this once. */
export const WebhookCreated = Type.Intersect([Webhook, Type.Object({ secret: Type.String({ description: '`whsec_…`: HMAC-SHA256 key of `Orchard-Webhook-Signature`; store it now, it is not shown again' }) })]);
export type WebhookCreated = Static<typeof WebhookCreated>;

/** `POST /webhooks/{name}/test`: a `ping` delivery; the attempt settings are for trials of a receiver. */
export const WebhookTestRequest = Strict({
  /** @default 8 */
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: WEBHOOK_LIMITS.maxAttemptsLimit })),
  /** First retry wait, doubling after each attempt. @default 1000 */
  backoffMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000 })),
});
export type WebhookTestRequest = Static<typeof WebhookTestRequest>;

/** One try of a delivery: the final answer's status (after redirects) or why there was none. */
export const WebhookAttempt = Type.Object({
  attempt: Type.Integer(),
  startedAt: Timestamp,
  durationMs: Type.Integer(),
  /** The HTTP status of the last answer; null when none came (refused, network error, timeout). */
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  /** `ORCH_WEBHOOK_ADDRESS_REFUSED` when a target (or a redirect's) was refused. */
  errorCode: Nullable(Type.String()),
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

/** One event sent (or being sent) to one webhook. */
export const WebhookDelivery = Type.Object({
  /** `whd_…`: also the `Orchard-Webhook-Id` header and the body's `id`. */
  id: Type.String(),
  webhook: Type.String(),
  event: Type.String(),
  /** What sent it: `<execution>/<step>` for a pipeline's notify step, `test:<user>` for a ping. */
  source: Nullable(Type.String()),
  status: WebhookDeliveryStatus,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastErrorCode: Nullable(Type.String()),
  /** When the next attempt is due, while Pending after a failed one. */
  nextAttemptAt: Nullable(Timestamp),
  createdAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  /** Every attempt so far, oldest first. */
  attemptLog: Type.Array(WebhookAttempt),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

/** `GET /webhooks/{name}/deliveries` filters. */
export const WebhookDeliveryFilter = Strict({ ...PageQuery, status: Type.Optional(WebhookDeliveryStatus) });
export type WebhookDeliveryFilter = Static<typeof WebhookDeliveryFilter>;

/** Path parameters of one delivery. */
export const WebhookDeliveryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

/**
 * An admin's allow rule: a target whose host name or resolved address matches is accepted
 * even when private, loopback or link-local. `pattern`: a host name (`hooks.internal`), a
 * `*.suffix` (any name under it, not the suffix itself), an IP (`127.0.0.1`, `::1`) or a
 * CIDR (`10.1.0.0/16`); `port` narrows it to one port.
 */
export const WebhookAllowRuleRequest = Strict({
  pattern: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
});
export type WebhookAllowRuleRequest = Static<typeof WebhookAllowRuleRequest>;

export const WebhookAllowRule = Type.Object({
  pattern: Type.String(),
  /** Null: any port. */
  port: Nullable(Type.Integer()),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type WebhookAllowRule = Static<typeof WebhookAllowRule>;

/** `DELETE /webhooks-allow` query: the rule to remove. */
export const WebhookAllowRuleQuery = WebhookAllowRuleRequest;
export type WebhookAllowRuleQuery = WebhookAllowRuleRequest;
