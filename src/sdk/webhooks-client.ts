import type { CreateWebhookRequest, Page, Webhook, WebhookAllowRule, WebhookAllowRuleRequest, WebhookAttempt, WebhookCreated, WebhookDelivery, WebhookDeliveryFilter, WebhookDeliveryStatus, WebhookFilter, WebhookTestRequest } from '../contracts/index.js';
import type { HttpClient, Query } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';
import { ResourceClient } from './resource-client.js';

export type { CreateWebhookRequest, Webhook, WebhookAllowRule, WebhookAttempt, WebhookCreated, WebhookDelivery, WebhookDeliveryStatus };

const ENDED: ReadonlySet<string> = new Set<WebhookDeliveryStatus>(['Delivered', 'Failed']);

/** Webhooks: signed deliveries of platform events to a URL, their log, and the admins' allow-list. */
export class WebhooksClient extends ResourceClient<Webhook, CreateWebhookRequest, WebhookFilter> {
  constructor(http: HttpClient) {
    super(http, 'webhooks');
  }

  /** Creates a webhook; the answer's `secret` is shown this once. */
  override async create(input: CreateWebhookRequest): Promise<WebhookCreated> {
    return this.http.request('POST', this.base, { body: input });
  }

  /** Deletes a webhook and its delivery log. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /** A new signing secret (the old one stops at once), shown this once. */
  async rotateSecret(name: string): Promise<WebhookCreated> {
    return this.http.request('POST', `${this.pathOf(name)}/rotate-secret`);
  }

  /** Sends a `ping` event; the delivery is Pending until a worker sends it (`waitForDelivery`). */
  async test(name: string, options: WebhookTestRequest = {}): Promise<WebhookDelivery> {
    return this.http.request('POST', `${this.pathOf(name)}/test`, { body: options });
  }

  /** A webhook's deliveries, newest first, with their attempts. */
  async deliveries(name: string, filter: WebhookDeliveryFilter = {}): Promise<Page<WebhookDelivery>> {
    return this.http.request('GET', `${this.pathOf(name)}/deliveries`, { query: { ...filter } as Query });
  }

  async delivery(id: string): Promise<WebhookDelivery> {
    return this.http.request('GET', `/api/v1/webhook-deliveries/${encodeURIComponent(id)}`);
  }

  /** Polls until the delivery is Delivered or Failed (a failed one resolves: check `status`). */
  async waitForDelivery(id: string, options: PollOptions<WebhookDelivery> = {}): Promise<WebhookDelivery> {
    return pollUntilDone(() => this.delivery(id), ENDED, options);
  }

  /** The allow-list (admins). */
  async allowRules(): Promise<Page<WebhookAllowRule>> {
    return this.http.request('GET', '/api/v1/webhooks-allow');
  }

  /** Adds an allow rule (admins): a host name, `*.domain`, an IP or a CIDR block, optionally for one port. */
  async allow(rule: WebhookAllowRuleRequest): Promise<WebhookAllowRule> {
    return this.http.request('POST', '/api/v1/webhooks-allow', { body: rule });
  }

  /** Removes an allow rule (admins), as it was added. */
  async disallow(rule: WebhookAllowRuleRequest): Promise<void> {
    await this.http.request('DELETE', '/api/v1/webhooks-allow', { query: { ...rule } as Query });
  }
}
