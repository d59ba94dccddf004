import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ModelFilter, ModelService } from '../../registry/index.js';
import { principalOf } from '../auth-hook.js';

/** SageMaker's ModelName: 1–63 alphanumerics, hyphens only between them. */
const modelName = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: modelName } } as const;
const tags = { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, maxProperties: 50 } as const;

const createBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: modelName,
    fromJob: { type: 'string', minLength: 1, maxLength: 63 },
    artifactKey: { type: 'string', minLength: 1, maxLength: 1024 },
    algorithm: { type: 'string', minLength: 1, maxLength: 64 },
    format: { type: 'string', enum: ['algorithm', 'onnx'] },
    description: { type: 'string', maxLength: 1024 },
    tags,
  },
} as const;

interface CreateBody {
  name: string;
  fromJob?: string;
  artifactKey?: string;
  algorithm?: string;
  format?: 'algorithm' | 'onnx';
  description?: string;
  tags?: Record<string, string>;
}

export function modelRoutes(app: FastifyInstance, models: ModelService, options: { maxUploadBytes: number }): void {
  app.post<{ Body: CreateBody }>(
    '/models',
    { config: { permission: 'models:write' }, schema: { tags: ['models'], summary: 'Create a model from a completed training job or a model.tar.gz artifact (format onnx: exported to ONNX)', body: createBody } },
    async (request, reply) => reply.status(201).send(await models.create({ ...request.body, createdBy: principalOf(request).user.name })),
  );

  app.get<{ Querystring: ModelFilter }>(
    '/models',
    {
      config: { permission: 'models:read' },
      schema: {
        tags: ['models'],
        summary: 'List models, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            nameContains: { type: 'string', maxLength: 63 },
            algorithm: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            offset: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    async (request) => models.list(request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/models/:name',
    { config: { permission: 'models:read' }, schema: { tags: ['models'], summary: 'Describe a model (format, algorithm, artifact, lineage, metrics)', params: nameParams } },
    async (request) => models.describe(request.params.name),
  );

  app.get<{ Params: { name: string } }>(
    '/models/:name/onnx',
    {
      config: { permission: 'models:read' },
      schema: { tags: ['models'], summary: "The model as an ONNX file: an ONNX model's own file, or a built-in's model exported to ONNX", params: nameParams },
    },
    async (request, reply) => {
      const { model, body } = await models.exportOnnx(request.params.name);
      return reply.header('content-type', 'application/octet-stream').header('content-disposition', `attachment; filename="${model.name}.onnx"`).send(body);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/models/:name',
    { config: { permission: 'models:write' }, schema: { tags: ['models'], summary: 'Delete a model not used by a registry version or an endpoint', params: nameParams } },
    async (request, reply) => {
      await models.delete(request.params.name);
      return reply.status(204).send();
    },
  );

  void app.register(async (upload) => {
    // The ONNX file arrives as the raw body, streamed to scratch space and checked.
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    upload.put<{ Params: { name: string }; Querystring: { description?: string } }>(
      '/models/:name/onnx',
      {
        bodyLimit: options.maxUploadBytes,
        config: { permission: 'models:write' },
        schema: {
          tags: ['models'],
          summary: 'Create a model from an ONNX file (the request body)',
          params: nameParams,
          querystring: { type: 'object', additionalProperties: false, properties: { description: { type: 'string', maxLength: 1024 } } },
        },
      },
      async (request, reply) => {
        const length = request.headers['content-length'];
        const model = await models.createOnnx({
          name: request.params.name,
          body: request.body as Readable,
          expectedSize: length !== undefined ? Number(length) : undefined,
          description: request.query.description,
          createdBy: principalOf(request).user.name,
        });
        return reply.status(201).send(model);
      },
    );
  });
}
