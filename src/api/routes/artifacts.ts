import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArtifactListQuery } from '../../contracts/index.js';
import { normalizeKey, userWritableKey, type ArtifactStore } from '../../storage/index.js';

const ROUTE = '/artifacts/';

/**
 * The key exactly as the client sent it (still percent-encoded): keys are decoded once,
 * by `normalizeKey`, never by the router as well.
 */
function rawKey(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return path.slice(path.indexOf(ROUTE) + ROUTE.length);
}

export function artifactRoutes(app: FastifyInstance, artifacts: ArtifactStore, options: { maxUploadBytes: number }): void {
  app.get<{ Querystring: ArtifactListQuery }>(
    '/artifacts',
    {
      config: { permission: 'artifacts:read' },
      schema: {
        tags: ['artifacts'],
        summary: 'List objects in the artifact store under a folder',
        querystring: ArtifactListQuery,
      },
    },
    async (request) => ({ items: await artifacts.list(request.query.prefix) }),
  );

  app.get(
    '/artifacts/*',
    { config: { permission: 'artifacts:read' }, schema: { tags: ['artifacts'], summary: 'Download an object (verified against its sha256 as it streams)' } },
    async (request, reply) => {
      const key = normalizeKey(rawKey(request));
      const info = await artifacts.head(key);
      const body = await artifacts.get(key);
      if (info) void reply.header('content-length', info.size).header('x-orchard-sha256', info.sha256);
      return reply.type('application/octet-stream').send(body);
    },
  );

  app.delete(
    '/artifacts/*',
    { config: { permission: 'artifacts:write' }, schema: { tags: ['artifacts'], summary: 'Delete an object' } },
    async (request, reply) => {
      await artifacts.delete(userWritableKey(rawKey(request)));
      return reply.status(204).send();
    },
  );

  void app.register(async (upload) => {
    // Any bytes may be stored: this scope alone takes every content type as a raw stream.
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    upload.put(
      '/artifacts/*',
      { bodyLimit: options.maxUploadBytes, config: { permission: 'artifacts:write' }, schema: { tags: ['artifacts'], summary: 'Upload an object (streamed; atomic; sha256 recorded)' } },
      async (request, reply) => {
        const key = userWritableKey(rawKey(request));
        const length = request.headers['content-length'];
        const info = await artifacts.put(key, request.body as Readable, { expectedSize: length !== undefined ? Number(length) : undefined });
        return reply.status(201).send(info);
      },
    );
  });
}
