import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { OrchardError } from '../../core/errors.js';
import { Type } from '@sinclair/typebox';
import {
  CreateDatasetFromArtifactRequest,
  CreateDatasetFromQueryRequest,
  DatasetListFilter,
  DatasetRef,
  DatasetUploadQuery,
  IncludeDeletedQuery,
  NameParams,
  PreviewQuery,
  PurgeQuery,
  QueryRequest,
  type DatasetFormat,
} from '../../contracts/index.js';
import type { DatasetService } from '../../data/index.js';
import { principalOf } from '../auth-hook.js';

/** Content types an upload may carry, and the format each implies. */
const UPLOAD_TYPES: Record<string, DatasetFormat | undefined> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/jsonlines': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'application/octet-stream': undefined,
};
const refParams = Type.Object({ ref: DatasetRef });
const nameParams = NameParams(DatasetRef);

export interface DatasetRouteOptions {
  maxUploadBytes: number;
}

export function datasetRoutes(app: FastifyInstance, datasets: DatasetService, options: DatasetRouteOptions): void {
  app.get<{ Querystring: DatasetListFilter }>(
    '/datasets',
    {
      config: { permission: 'datasets:read' },
      schema: {
        tags: ['datasets'],
        summary: 'List datasets (latest version of each unless allVersions)',
        querystring: DatasetListFilter,
      },
    },
    async (request) => datasets.list(request.query),
  );

  app.get<{ Params: { ref: string } }>(
    '/datasets/:ref',
    { config: { permission: 'datasets:read' }, schema: { tags: ['datasets'], summary: "Describe a dataset version ('name' = latest, 'name@3')", params: refParams } },
    async (request) => datasets.describe(request.params.ref),
  );

  app.get<{ Params: { name: string }; Querystring: { includeDeleted?: boolean } }>(
    '/datasets/:name/versions',
    {
      config: { permission: 'datasets:read' },
      schema: {
        tags: ['datasets'],
        summary: 'All versions of a dataset',
        params: nameParams,
        querystring: IncludeDeletedQuery,
      },
    },
    async (request) => ({ items: await datasets.versions(request.params.name, request.query) }),
  );

  app.get<{ Params: { ref: string }; Querystring: { limit?: number } }>(
    '/datasets/:ref/preview',
    {
      config: { permission: 'datasets:read' },
      schema: {
        tags: ['datasets'],
        summary: 'First rows of a dataset version',
        params: refParams,
        querystring: PreviewQuery,
      },
    },
    async (request) => datasets.preview(request.params.ref, request.query),
  );

  app.post<{ Body: CreateDatasetFromArtifactRequest }>(
    '/datasets',
    {
      config: { permission: 'datasets:write' },
      schema: {
        tags: ['datasets'],
        summary: 'Create a dataset version from an object already in the artifact store',
        body: CreateDatasetFromArtifactRequest,
      },
    },
    async (request, reply) => {
      // Named fields only: a request can never reach the service's server-side inputs.
      const { name, format, header, description, tags, sourceKey } = request.body;
      const created = await datasets.create({ name, format, header, description, tags, sourceKey, createdBy: principalOf(request).user.name });
      return reply.status(201).send(created);
    },
  );

  app.post<{ Body: CreateDatasetFromQueryRequest }>(
    '/datasets/from-query',
    {
      config: { permission: 'datasets:write' },
      schema: {
        tags: ['datasets'],
        summary: "Create a dataset version from a read-only SELECT's whole result (CTAS), run in the query sandbox",
        body: CreateDatasetFromQueryRequest,
      },
    },
    async (request, reply) => {
      const created = await datasets.createFromQuery({ ...request.body, createdBy: principalOf(request).user.name });
      return reply.status(201).send(created);
    },
  );

  app.delete<{ Params: { ref: string }; Querystring: { purge?: boolean } }>(
    '/datasets/:ref',
    {
      config: { permission: 'datasets:write' },
      schema: {
        tags: ['datasets'],
        summary: "Delete a dataset ('name' = every version) softly, or purge it with its files",
        params: refParams,
        querystring: PurgeQuery,
      },
    },
    async (request) => datasets.delete(request.params.ref, request.query),
  );

  app.post<{ Params: { ref: string } }>(
    '/datasets/:ref/restore',
    { config: { permission: 'datasets:write' }, schema: { tags: ['datasets'], summary: 'Undo a soft delete', params: refParams } },
    async (request) => ({ items: await datasets.restore(request.params.ref) }),
  );

  app.post<{ Body: QueryRequest }>(
    '/queries',
    {
      config: { permission: 'datasets:read' },
      schema: {
        tags: ['datasets'],
        summary: 'Run one read-only SELECT over datasets by name, one page at a time',
        body: QueryRequest,
      },
    },
    async (request) => datasets.query(request.body.sql, request.body),
  );

  void app.register(async (upload) => uploadRoute(upload, datasets, options));
}

/** The streaming upload lives in its own scope so only it accepts non-JSON bodies. */
function uploadRoute(app: FastifyInstance, datasets: DatasetService, options: DatasetRouteOptions): void {
  app.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_request, payload, done) => done(null, payload));
  app.post<{ Params: NameParams; Querystring: DatasetUploadQuery }>(
    '/datasets/:name/versions',
    {
      bodyLimit: options.maxUploadBytes,
      config: { permission: 'datasets:write' },
      schema: {
        tags: ['datasets'],
        summary: 'Create a new version from an uploaded file (streamed; text/csv, application/x-ndjson, application/vnd.apache.parquet)',
        params: nameParams,
        querystring: DatasetUploadQuery,
      },
    },
    async (request, reply) => {
      const mime = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const format = request.query.format ?? UPLOAD_TYPES[mime];
      if (!format) throw new OrchardError('ORCH_DATASET_INVALID_FORMAT', { message: 'Say the format: ?format=csv|jsonl|parquet|text' });
      const length = request.headers['content-length'];
      const created = await datasets.create({
        name: request.params.name,
        format,
        header: request.query.header,
        description: request.query.description,
        tags: parseTags(request.query.tag),
        createdBy: principalOf(request).user.name,
        body: request.body as Readable,
        expectedSize: length !== undefined ? Number(length) : undefined,
      });
      return reply.status(201).send(created);
    },
  );
}

function parseTags(tags: string[] | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  return Object.fromEntries(tags.map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]));
}
