import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CreateModelRequest, ModelFilter, ModelName, NameParams, OnnxUploadQuery } from '../../contracts/index.js';
import type { ModelService } from '../../registry/index.js';
import { resourceRoutes } from '../resource-routes.js';
import { principalOf } from '../auth-hook.js';

const nameParams = NameParams(ModelName);

export function modelRoutes(app: FastifyInstance, models: ModelService, options: { maxUploadBytes: number }): void {
  resourceRoutes(app, {
    path: 'models',
    tag: 'models',
    name: ModelName,
    permissions: { read: 'models:read', write: 'models:write' },
    create: { body: CreateModelRequest, summary: 'Create a model from a completed training job or a model.tar.gz artifact (format onnx: exported to ONNX)', run: (input) => models.create(input) },
    list: { filter: ModelFilter, summary: 'List models, newest first', run: (filter) => models.list(filter) },
    describe: { summary: 'Describe a model (format, algorithm, artifact, lineage, metrics)', run: (name) => models.describe(name) },
    delete: { status: 204, summary: 'Delete a model not used by a registry version or an endpoint', run: (name) => models.delete(name) },
  });

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
          querystring: OnnxUploadQuery,
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
