import type { FastifyInstance } from 'fastify';
import { CrawlerFilter, CrawlerName, CrawlerRunFilter, CrawlerRunParams, CreateCrawlerRequest, NameParams } from '../../contracts/index.js';
import type { CrawlerService } from '../../crawlers/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * Crawlers (AWS Glue CreateCrawler / StartCrawler / GetCrawler / StopCrawler /
 * DeleteCrawler, and the run history). A crawler writes dataset versions, so it needs
 * the datasets' permissions.
 */
export function crawlerRoutes(app: FastifyInstance, crawlers: CrawlerService): void {
  resourceRoutes(app, {
    path: 'crawlers',
    tag: 'crawlers',
    name: CrawlerName,
    permissions: { read: 'datasets:read', write: 'datasets:write' },
    create: { body: CreateCrawlerRequest, summary: 'Create a crawler over an s3:// prefix or a file:// folder an admin allows', run: (input) => crawlers.create(input) },
    list: { filter: CrawlerFilter, summary: 'List crawlers by name', run: (filter) => crawlers.list(filter) },
    describe: { summary: 'Describe a crawler: source, dataset, columns, file counts, last run', run: (name) => crawlers.describe(name) },
    stop: { summary: "Stop the crawler's run in progress (nothing of it is registered)", run: (name) => crawlers.stop(name) },
    delete: { status: 204, summary: 'Delete a crawler and its history (the dataset it wrote stays)', run: (name) => crawlers.delete(name) },
  });

  const params = NameParams(CrawlerName);
  app.post<{ Params: { name: string } }>(
    '/crawlers/:name/runs',
    { config: { permission: 'datasets:write' }, schema: { tags: ['crawlers'], summary: 'Start a run: new and changed files become the next dataset version', params } },
    async (request, reply) => reply.status(202).send(await crawlers.startRun(request.params.name, principalOf(request).user.name)),
  );
  app.get<{ Params: { name: string }; Querystring: CrawlerRunFilter }>(
    '/crawlers/:name/runs',
    { config: { permission: 'datasets:read' }, schema: { tags: ['crawlers'], summary: "A crawler's runs, newest first", params, querystring: CrawlerRunFilter } },
    async (request) => crawlers.runs(request.params.name, request.query),
  );
  app.get<{ Params: { name: string; run: number } }>(
    '/crawlers/:name/runs/:run',
    { config: { permission: 'datasets:read' }, schema: { tags: ['crawlers'], summary: 'One run: its dataset version, new files, schema changes and rejected files', params: CrawlerRunParams } },
    async (request) => crawlers.describeRun(request.params.name, request.params.run),
  );
}
