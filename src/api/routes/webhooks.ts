import type { FastifyInstance } from 'fastify';
import {
  CreateWebhookRequest,
  NameParams,
  WebhookAllowRuleQuery,
  WebhookAllowRuleRequest,
  WebhookDeliveryFilter,
  WebhookDeliveryParams,
  WebhookFilter,
  WebhookName,
  WebhookTestRequest,
} from '../../contracts/index.js';
import type { WebhookService } from '../../webhooks/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';

const tags = ['webhooks'];
/**
 * A webhook's URL may carry a credential (many receivers put a token in the path), so
 * reading webhooks needs what changing them needs: the role that runs pipelines and jobs.
 * A delivery's record holds no URL or secret: `jobs:read` sees it.
 */
const write = { permission: 'jobs:write' } as const;
const readDeliveries = { permission: 'jobs:read' } as const;
/** The allow-list opens private addresses to every webhook: admins only. */
const admin = { permission: 'users:manage' } as const;

/**
 * Webhooks: create, list, describe and delete through the resource helper; rotate-secret
 * and test; the delivery log; the admins' allow-list under `/webhooks-allow`.
 */
export function webhookRoutes(app: FastifyInstance, webhooks: WebhookService): void {
  resourceRoutes(app, {
    path: 'webhooks',
    tag: 'webhooks',
    name: WebhookName,
    permissions: { read: 'jobs:write', write: 'jobs:write' },
    create: { body: CreateWebhookRequest, summary: 'Create a webhook; the answer holds its signing secret, shown this once', run: (input) => webhooks.create(input) },
    list: { filter: WebhookFilter, summary: 'List webhooks by name (never their secrets)', run: (filter) => webhooks.list(filter) },
    describe: { summary: 'Describe a webhook (never its secret)', run: (name) => webhooks.describe(name) },
    delete: { status: 204, summary: 'Delete a webhook and its delivery log', run: (name) => webhooks.delete(name) },
  });

  const params = NameParams(WebhookName);
  app.post<{ Params: { name: string } }>(
    '/webhooks/:name/rotate-secret',
    { config: write, schema: { tags, summary: 'Make a new signing secret (the old one stops at once); shown this once', params } },
    async (request) => webhooks.rotateSecret(request.params.name),
  );
  app.post<{ Params: { name: string }; Body: WebhookTestRequest | undefined }>(
    '/webhooks/:name/test',
    {
      config: write,
      // The body is optional: a bare POST sends a ping with the default attempts.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { tags, summary: 'Send a ping event; answers the delivery (Pending until a worker sends it)', params, body: WebhookTestRequest },
    },
    async (request, reply) => reply.status(202).send(await webhooks.test(request.params.name, principalOf(request).user.name, request.body ?? {})),
  );
  app.get<{ Params: { name: string }; Querystring: WebhookDeliveryFilter }>(
    '/webhooks/:name/deliveries',
    { config: readDeliveries, schema: { tags, summary: "A webhook's deliveries, newest first, each with its attempts", params, querystring: WebhookDeliveryFilter } },
    async (request) => webhooks.deliveries(request.params.name, request.query),
  );
  app.get<{ Params: { id: string } }>(
    '/webhook-deliveries/:id',
    { config: readDeliveries, schema: { tags, summary: 'One delivery: status, attempts with status codes, errors and durations', params: WebhookDeliveryParams } },
    async (request) => webhooks.delivery(request.params.id),
  );

  app.get('/webhooks-allow', { config: admin, schema: { tags, summary: 'The allow-list: hosts and addresses webhooks may reach although private, loopback or link-local' } }, async () => webhooks.allowRules());
  app.post<{ Body: WebhookAllowRuleRequest }>(
    '/webhooks-allow',
    { config: admin, schema: { tags, summary: 'Add an allow rule: a host name, *.domain, an IP or a CIDR block, optionally for one port', body: WebhookAllowRuleRequest } },
    async (request, reply) => reply.status(201).send(await webhooks.addAllowRule(request.body.pattern, request.body.port, principalOf(request).user.name)),
  );
  app.delete<{ Querystring: WebhookAllowRuleQuery }>(
    '/webhooks-allow',
    { config: admin, schema: { tags, summary: 'Remove an allow rule (pattern and port as added)', querystring: WebhookAllowRuleQuery } },
    async (request, reply) => {
      await webhooks.removeAllowRule(request.query.pattern, request.query.port);
      return reply.status(204).send();
    },
  );
}
