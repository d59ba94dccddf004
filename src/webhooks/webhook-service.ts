import { createHash } from 'node:crypto';
import { OrchardError, errorOfProblems, newId, type RequestProblem } from '../core/index.js';
import { retryDelayMs, type JobQueue } from '../jobs/index.js';
import type { MetadataStore } from '../storage/index.js';
import { NAME_PATTERN } from '../contracts/values.js';
import { WEBHOOK_EVENT_PATTERN, WEBHOOK_LIMITS, WEBHOOK_PING_EVENT } from '../contracts/webhook-values.js';
import { parseAllowRule, type AllowRule } from './address-policy.js';
import { checkTarget, systemResolver, type Resolver } from './http-sender.js';
import type { SecretBox } from './secret-box.js';
import { newWebhookSecret } from './signature.js';
import { WebhookStore } from './webhook-store.js';
import { WEBHOOK_DELIVERY_KIND, deliveryJobId, type CreateWebhookInput, type DeliverRequest, type DeliverResult, type DeliveryPayload, type Webhook, type WebhookAllowRule, type WebhookCreated, type WebhookDelivery } from './types.js';

const NAME = new RegExp(NAME_PATTERN);
const EVENT = new RegExp(WEBHOOK_EVENT_PATTERN);

export interface WebhookDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  /** The platform key's box, loaded on first use. */
  secrets: () => Promise<SecretBox>;
  /** @default the system resolver (getaddrinfo) */
  resolve?: Resolver;
}

/** The waits between attempts of a delivery: `backoffMs`, doubled after each attempt. */
export function retrySchedule(maxAttempts: number, backoffMs: number): number[] {
  return Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, i) => retryDelayMs(backoffMs, i + 1));
}

/** Whether a webhook that lists `events` takes `event` (`ping` always; `a.*` matches `a.b`). */
export function takesEvent(events: readonly string[] | null, event: string): boolean {
  if (events === null || event === WEBHOOK_PING_EVENT) return true;
  return events.some((e) => (e.endsWith('*') ? event.startsWith(e.slice(0, -1)) : e === event));
}

/**
 * Webhooks: named targets with a signing secret (sealed at rest), the admins' allow-list,
 * and deliveries queued for the job workers (`webhook-delivery`), each attempt logged.
 */
export class WebhookService {
  private readonly store: WebhookStore;

  constructor(private readonly deps: WebhookDeps) {
    this.store = new WebhookStore(deps.metadata);
  }

  /** Creates a webhook after checking every field and its target's addresses; the answer holds the secret, this once. */
  async create(input: CreateWebhookInput): Promise<WebhookCreated> {
    const problems: RequestProblem[] = [];
    const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_WEBHOOK_INVALID', message });
    if (typeof input.name !== 'string' || input.name.length > 63 || !NAME.test(input.name)) problem('name', `Invalid webhook name '${String(input.name).slice(0, 80)}': 1-63 letters, digits and hyphens, a hyphen only between them`);
    let url: URL | undefined;
    if (typeof input.url !== 'string' || input.url.length > WEBHOOK_LIMITS.urlLength) problem('url', `The URL must be a string of at most ${WEBHOOK_LIMITS.urlLength} characters`);
    else {
      try {
        url = new URL(input.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          problem('url', `Only http:// and https:// URLs are allowed, not ${url.protocol}//`);
          url = undefined;
        }
      } catch {
        problem('url', `'${input.url.slice(0, 100)}' is not a URL`);
      }
    }
    const events = input.events === undefined ? null : [...new Set(input.events)];
    for (const event of events ?? []) {
      // `*` is every event; `pipeline.*` every event that starts with `pipeline.`.
      const valid = typeof event === 'string' && (event === '*' || EVENT.test(event.endsWith('*') ? event.slice(0, -1) : event));
      if (!valid) problem('events', `Invalid event name '${String(event).slice(0, 100)}': letters, digits, '.', '_', ':' and '-', optionally ending in '*'`);
    }
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 1024)) problem('description', 'The description must be at most 1024 characters');
    if (url) {
      try {
        await checkTarget(url, await this.rules(), this.deps.resolve ?? systemResolver);
      } catch (err) {
        if (!(err instanceof OrchardError)) throw err;
        // A refused address is the answer's code (403), listed with any other problems.
        problems.unshift({ field: 'url', code: err.code, message: err.message, details: err.details });
      }
    }
    if (problems.length > 0 || !url) throw errorOfProblems(problems);
    const secret = newWebhookSecret();
    const box = await this.deps.secrets();
    const now = new Date().toISOString();
    await this.store.insert({
      name: input.name,
      url: url.href,
      description: input.description ?? null,
      events_json: events === null ? null : JSON.stringify(events),
      enabled: input.enabled === false ? 0 : 1,
      secret_sealed: box.seal(secret, input.name),
      secret_created_at: now,
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
    return { ...(await this.describe(input.name)), secret };
  }

  async describe(name: string): Promise<Webhook> {
    return this.store.toWebhook(await this.store.webhook(name));
  }

  async list(filter: { limit?: number; offset?: number } = {}): Promise<{ items: Webhook[]; total: number }> {
    const { rows, total } = await this.store.list(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map((row) => this.store.toWebhook(row)), total };
  }

  /** Removes a webhook and its delivery log; deliveries still queued find it gone and end. */
  async delete(name: string): Promise<void> {
    await this.store.delete(name);
  }

  /** Makes a new secret (the old one stops signing at once); answered this once. */
  async rotateSecret(name: string): Promise<WebhookCreated> {
    await this.store.webhook(name);
    const secret = newWebhookSecret();
    const box = await this.deps.secrets();
    await this.store.setSecret(name, box.seal(secret, name), new Date().toISOString());
    return { ...(await this.describe(name)), secret };
  }

  /** The secret a worker signs with (never answered by a route). */
  async secretOf(name: string): Promise<string> {
    const row = await this.store.webhook(name);
    return (await this.deps.secrets()).open(row.secret_sealed, name);
  }

  /** Sends a `ping` event (the receiver's check); answers the delivery, Pending until a worker sends it. */
  async test(name: string, by: string, options: { maxAttempts?: number; backoffMs?: number } = {}): Promise<WebhookDelivery> {
    const { deliveryId } = await this.deliver({ webhook: name, event: WEBHOOK_PING_EVENT, payload: { message: `A test delivery of webhook ${name}` }, source: `test:${by}`, ...options });
    return this.delivery(deliveryId);
  }

  /**
   * Queues one event for a webhook: checks it exists, is enabled and takes the event, and
   * the request's fields; the target's addresses are checked by each attempt (the
   * allow-list may change meanwhile). Answers at once with the delivery's id. With an
   * `idempotencyKey`, a second call with the same webhook and key answers the first
   * delivery instead of making another (a pipeline step re-entered after a crash).
   */
  async deliver(request: DeliverRequest): Promise<DeliverResult> {
    const webhook = this.store.toWebhook(await this.store.webhook(request.webhook));
    const maxAttempts = request.maxAttempts ?? WEBHOOK_LIMITS.maxAttempts;
    const backoffMs = request.backoffMs ?? WEBHOOK_LIMITS.backoffMs;
    const problems = deliveryProblems(webhook, request, maxAttempts, backoffMs);
    if (problems.length > 0) throw errorOfProblems(problems);
    const keyed = request.idempotencyKey !== undefined;
    const id = keyed ? keyedDeliveryId(webhook.name, request.idempotencyKey!) : newId('whd');
    if (keyed) {
      const earlier = await this.store.delivery(id).catch(() => undefined);
      if (earlier) return this.resumed(earlier);
    }
    if (!webhook.enabled) throw new OrchardError('ORCH_WEBHOOK_DISABLED', { message: `Webhook '${webhook.name}' is disabled`, details: { name: webhook.name } });
    const createdAt = new Date().toISOString();
    const body = envelope(id, createdAt, request);
    const row = { id, webhook: webhook.name, event: request.event, source: request.source ?? null, body, status: 'Pending', attempts: 0, max_attempts: maxAttempts, backoff_ms: backoffMs };
    const inserted = await this.store.insertDelivery({
      ...row,
      last_status_code: null,
      last_error: null,
      last_error_code: null,
      next_attempt_at: createdAt,
      created_at: createdAt,
      delivered_at: null,
      updated_at: createdAt,
    });
    // Another call with the same key got there first.
    if (!inserted) return this.resumed(await this.store.delivery(id));
    try {
      await this.enqueue(id, maxAttempts, backoffMs);
    } catch (err) {
      await this.store.failDelivery(id, `The delivery could not be queued: ${(err as Error).message}`);
      throw err;
    }
    return { deliveryId: id, status: 'Pending' };
  }

  /** One delivery with its attempts. */
  async delivery(id: string): Promise<WebhookDelivery> {
    const row = await this.store.delivery(id);
    const attempts = await this.store.attempts([id]);
    return this.store.toDelivery(row, attempts.get(id) ?? []);
  }

  /** A webhook's deliveries, newest first. */
  async deliveries(name: string, filter: { status?: string; limit?: number; offset?: number } = {}): Promise<{ items: WebhookDelivery[]; total: number }> {
    await this.store.webhook(name);
    const { rows, total } = await this.store.deliveries(name, { status: filter.status, limit: Math.min(filter.limit ?? 100, 1000), offset: filter.offset ?? 0 });
    const attempts = await this.store.attempts(rows.map((r) => r.id));
    return { items: rows.map((row) => this.store.toDelivery(row, attempts.get(row.id) ?? [])), total };
  }

  /** The allow rules as the address check uses them. */
  async rules(): Promise<AllowRule[]> {
    return (await this.store.allowRules()).map((row) => parseAllowRule(row.pattern, Number(row.port) === 0 ? null : Number(row.port)));
  }

  async allowRules(): Promise<{ items: WebhookAllowRule[]; total: number }> {
    const rows = await this.store.allowRules();
    return { items: rows.map((row) => this.store.toAllowRule(row)), total: rows.length };
  }

  /** Adds an allow rule (admins only, by the route); the pattern is stored in its normal form. */
  async addAllowRule(pattern: string, port: number | undefined, by: string | null): Promise<WebhookAllowRule> {
    const rule = parseAllowRule(String(pattern ?? ''), port ?? null);
    const row = await this.store.addAllowRule({ pattern: rule.pattern, port: port ?? 0, created_by: by, created_at: new Date().toISOString() });
    return this.store.toAllowRule(row);
  }

  async removeAllowRule(pattern: string, port: number | undefined): Promise<void> {
    const rule = parseAllowRule(String(pattern ?? ''), port ?? null);
    if (!(await this.store.removeAllowRule(rule.pattern, port ?? 0))) {
      throw new OrchardError('ORCH_WEBHOOK_NOT_FOUND', { message: `No allow rule '${rule.pattern}'${port ? ` for port ${port}` : ''}`, details: { pattern: rule.pattern, port: port ?? null } });
    }
  }

  /**
   * Enqueues again each Pending delivery the queue no longer has (enqueue is idempotent by
   * id); a Pending delivery whose queue job ended (its last attempt lost with its worker)
   * is ended Failed. Returns how many were enqueued.
   */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const row of await this.store.pendingDeliveries()) {
      const job = await this.deps.queue.get(deliveryJobId(row.id));
      if (!job) {
        await this.enqueue(row.id, Number(row.max_attempts), Number(row.backoff_ms));
        requeued++;
      } else if (job.state === 'failed' || job.state === 'cancelled') {
        await this.store.failDelivery(row.id, job.lastError ?? 'The delivery job ended without recording an attempt');
      }
    }
    return requeued;
  }

  /** An earlier delivery of the same key: enqueued again in case the first call stopped before it was (idempotent by id). */
  private async resumed(earlier: { id: string; status: string; max_attempts: number; backoff_ms: number }): Promise<DeliverResult> {
    if (earlier.status === 'Pending') await this.enqueue(earlier.id, Number(earlier.max_attempts), Number(earlier.backoff_ms));
    return { deliveryId: earlier.id, status: earlier.status as DeliverResult['status'] };
  }

  private async enqueue(id: string, maxAttempts: number, backoffMs: number): Promise<void> {
    const payload: DeliveryPayload = { delivery: id };
    await this.deps.queue.enqueue(WEBHOOK_DELIVERY_KIND, payload, { jobId: deliveryJobId(id), maxAttempts, backoffMs });
  }
}

/** The delivery id of an idempotency key: the same webhook and key give the same id. */
function keyedDeliveryId(webhook: string, key: string): string {
  return `whd-k${createHash('sha256').update(`${webhook}\n${key}`).digest('hex').slice(0, 32)}`;
}

/** Every problem of a delivery request, for one error. */
function deliveryProblems(webhook: Webhook, request: DeliverRequest, maxAttempts: number, backoffMs: number): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_WEBHOOK_INVALID', message });
  if (typeof request.event !== 'string' || !EVENT.test(request.event)) problem('event', `Invalid event name '${String(request.event).slice(0, 100)}': letters, digits, '.', '_', ':' and '-', at most 100`);
  else if (!takesEvent(webhook.events, request.event)) problem('event', `Webhook '${webhook.name}' does not take event '${request.event}' (it takes ${webhook.events!.join(', ')})`);
  if (request.source !== undefined && (typeof request.source !== 'string' || request.source.length > 512)) problem('source', 'The source must be a string of at most 512 characters');
  if (request.idempotencyKey !== undefined && (typeof request.idempotencyKey !== 'string' || request.idempotencyKey.length < 1 || request.idempotencyKey.length > 512)) problem('idempotencyKey', 'The idempotency key must be a string of 1 to 512 characters');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > WEBHOOK_LIMITS.maxAttemptsLimit) problem('maxAttempts', `maxAttempts must be a whole number from 1 to ${WEBHOOK_LIMITS.maxAttemptsLimit}`);
  if (!Number.isInteger(backoffMs) || backoffMs < 10 || backoffMs > 60_000) problem('backoffMs', 'backoffMs must be a whole number of milliseconds from 10 to 60000');
  try {
    // Measured with an id as long as any the service makes.
    const bytes = Buffer.byteLength(envelope('x'.repeat(40), new Date(0).toISOString(), request));
    if (bytes > WEBHOOK_LIMITS.bodyBytes) problem('payload', `The delivery body would be ${bytes} bytes; at most ${WEBHOOK_LIMITS.bodyBytes}`);
  } catch (err) {
    problem('payload', `The payload cannot be written as JSON: ${(err as Error).message}`);
  }
  return problems;
}

/** The body every attempt of a delivery sends, fixed when it is made. */
function envelope(id: string, createdAt: string, request: DeliverRequest): string {
  return JSON.stringify({ id, event: request.event, createdAt, source: request.source ?? null, payload: request.payload ?? null });
}
