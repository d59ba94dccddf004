import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import type { MetadataStore } from '../storage/index.js';
import type { Webhook, WebhookAllowRule, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from './types.js';

/** The webhook tables (migration 0020_webhooks); only this store reads or writes them. */
export interface WebhooksTable {
  name: string;
  url: string;
  description: string | null;
  /** JSON array of event names, or null for every event. */
  events_json: string | null;
  enabled: number;
  /** The signing secret sealed under the platform key (see SecretBox). */
  secret_sealed: string;
  secret_created_at: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAllowTable {
  pattern: string;
  /** 0: any port. */
  port: number;
  created_by: string | null;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook: string;
  event: string;
  source: string | null;
  body: string;
  status: string;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  last_status_code: number | null;
  last_error: string | null;
  last_error_code: string | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  delivery: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  error_code: string | null;
}

interface WebhookTables {
  webhooks: WebhooksTable;
  webhook_allow: WebhookAllowTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/** How an attempt ended, as the delivery row takes it. */
export interface AttemptOutcome {
  status: WebhookDeliveryStatus;
  nextAttemptAt: string | null;
}

export class WebhookStore {
  constructor(private readonly metadata: MetadataStore) {}

  /** The tables belong to this capability, so their types live here rather than in the shared schema. */
  private get db(): Kysely<WebhookTables> {
    return this.metadata.db as unknown as Kysely<WebhookTables>;
  }

  async insert(row: WebhooksTable): Promise<void> {
    try {
      await this.db.insertInto('webhooks').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_WEBHOOK_EXISTS', { message: `A webhook named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async webhook(name: string): Promise<WebhooksTable> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_WEBHOOK_NOT_FOUND', { message: `No webhook named '${name}'`, details: { name } });
    return row;
  }

  async list(limit: number, offset: number): Promise<{ rows: WebhooksTable[]; total: number }> {
    const rows = await this.db.selectFrom('webhooks').selectAll().orderBy('name').limit(limit).offset(offset).execute();
    const { n } = await this.db.selectFrom('webhooks').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(n) };
  }

  async setSecret(name: string, sealed: string, at: string): Promise<void> {
    const updated = await this.db.updateTable('webhooks').set({ secret_sealed: sealed, secret_created_at: at, updated_at: at }).where('name', '=', name).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new OrchardError('ORCH_WEBHOOK_NOT_FOUND', { message: `No webhook named '${name}'`, details: { name } });
  }

  /** Removes a webhook with its deliveries and their attempts. */
  async delete(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const ids = trx.selectFrom('webhook_deliveries').select('id').where('webhook', '=', name);
      await trx.deleteFrom('webhook_attempts').where('delivery', 'in', ids).execute();
      await trx.deleteFrom('webhook_deliveries').where('webhook', '=', name).execute();
      const deleted = await trx.deleteFrom('webhooks').where('name', '=', name).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new OrchardError('ORCH_WEBHOOK_NOT_FOUND', { message: `No webhook named '${name}'`, details: { name } });
    });
  }

  async allowRules(): Promise<WebhookAllowTable[]> {
    return this.db.selectFrom('webhook_allow').selectAll().orderBy('pattern').orderBy('port').execute();
  }

  /** Adds a rule; the same pattern and port twice is one rule (answered as it was). */
  async addAllowRule(row: WebhookAllowTable): Promise<WebhookAllowTable> {
    try {
      await this.db.insertInto('webhook_allow').values(row).execute();
      return row;
    } catch (err) {
      if (!this.metadata.isUniqueViolation(err)) throw err;
      return this.db.selectFrom('webhook_allow').selectAll().where('pattern', '=', row.pattern).where('port', '=', row.port).executeTakeFirstOrThrow();
    }
  }

  /** Removes a rule; false when there was none. */
  async removeAllowRule(pattern: string, port: number): Promise<boolean> {
    const deleted = await this.db.deleteFrom('webhook_allow').where('pattern', '=', pattern).where('port', '=', port).executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }

  /** Inserts a delivery; false when one with its id exists (a repeated idempotency key). */
  async insertDelivery(row: WebhookDeliveriesTable): Promise<boolean> {
    try {
      await this.db.insertInto('webhook_deliveries').values(row).execute();
      return true;
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async delivery(id: string): Promise<WebhookDeliveriesTable> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_WEBHOOK_DELIVERY_NOT_FOUND', { message: `No webhook delivery '${id}'`, details: { id } });
    return row;
  }

  async deliveries(webhook: string, filter: { status?: string; limit: number; offset: number }): Promise<{ rows: WebhookDeliveriesTable[]; total: number }> {
    let q = this.db.selectFrom('webhook_deliveries').where('webhook', '=', webhook);
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    const { n } = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(n) };
  }

  /** Deliveries still Pending (for `requeueLost`). */
  async pendingDeliveries(): Promise<WebhookDeliveriesTable[]> {
    return this.db.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'Pending').execute();
  }

  async attempts(ids: readonly string[]): Promise<Map<string, WebhookAttemptsTable[]>> {
    const byDelivery = new Map<string, WebhookAttemptsTable[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byDelivery;
    const rows = await this.db.selectFrom('webhook_attempts').selectAll().where('delivery', 'in', [...ids]).orderBy('delivery').orderBy('attempt').execute();
    for (const row of rows) byDelivery.get(row.delivery)?.push(row);
    return byDelivery;
  }

  /**
   * Writes one attempt and the delivery's state after it, in one transaction. Safe to
   * repeat: the attempt is keyed by its number, and the count is of the rows. Nothing is
   * written for a delivery that no longer exists.
   */
  async recordAttempt(attempt: WebhookAttemptsTable, outcome: AttemptOutcome): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // Deleted with its webhook while the attempt ran: there is nothing left to log it on.
      const delivery = await trx.selectFrom('webhook_deliveries').select('id').where('id', '=', attempt.delivery).executeTakeFirst();
      if (!delivery) return;
      const exists = await trx.selectFrom('webhook_attempts').select('attempt').where('delivery', '=', attempt.delivery).where('attempt', '=', attempt.attempt).executeTakeFirst();
      if (!exists) await trx.insertInto('webhook_attempts').values(attempt).execute();
      const { n } = await trx.selectFrom('webhook_attempts').select((eb) => eb.fn.countAll<number | string>().as('n')).where('delivery', '=', attempt.delivery).executeTakeFirstOrThrow();
      const now = new Date().toISOString();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          attempts: Number(n),
          last_status_code: attempt.status_code,
          last_error: attempt.error,
          last_error_code: attempt.error_code,
          next_attempt_at: outcome.nextAttemptAt,
          delivered_at: outcome.status === 'Delivered' ? now : null,
          updated_at: now,
        })
        .where('id', '=', attempt.delivery)
        .where('status', '=', 'Pending')
        .execute();
    });
  }

  /** Ends a Pending delivery as Failed without an attempt (its queue job was lost or could not be made). */
  async failDelivery(id: string, error: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.updateTable('webhook_deliveries').set({ status: 'Failed', last_error: error, next_attempt_at: null, updated_at: now }).where('id', '=', id).where('status', '=', 'Pending').execute();
  }

  toWebhook(row: WebhooksTable): Webhook {
    return {
      name: row.name,
      url: row.url,
      description: row.description,
      events: row.events_json === null ? null : (JSON.parse(row.events_json) as string[]),
      enabled: Boolean(row.enabled),
      createdBy: row.created_by,
      createdAt: row.created_at,
      secretCreatedAt: row.secret_created_at,
    };
  }

  toDelivery(row: WebhookDeliveriesTable, attempts: readonly WebhookAttemptsTable[]): WebhookDelivery {
    return {
      id: row.id,
      webhook: row.webhook,
      event: row.event,
      source: row.source,
      status: row.status as WebhookDeliveryStatus,
      attempts: Number(row.attempts),
      maxAttempts: Number(row.max_attempts),
      lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
      lastError: row.last_error,
      lastErrorCode: row.last_error_code,
      nextAttemptAt: row.next_attempt_at,
      createdAt: row.created_at,
      deliveredAt: row.delivered_at,
      attemptLog: attempts.map(toAttempt),
    };
  }

  toAllowRule(row: WebhookAllowTable): WebhookAllowRule {
    return { pattern: row.pattern, port: Number(row.port) === 0 ? null : Number(row.port), createdBy: row.created_by, createdAt: row.created_at };
  }
}

function toAttempt(row: WebhookAttemptsTable): WebhookAttempt {
  return {
    attempt: Number(row.attempt),
    startedAt: row.started_at,
    durationMs: Number(row.duration_ms),
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    errorCode: row.error_code,
  };
}
