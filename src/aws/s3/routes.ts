import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { lingerThenClose } from '../../api/upload-shield.js';
import { bucketLocation, bucketVersioning, createBucket, deleteBucket, deleteObjects, listBuckets, listObjects } from './bucket-handlers.js';
import { Multipart } from './multipart.js';
import { abortUpload, completeUpload, createUpload, listParts, listUploads, uploadPart } from './multipart-handlers.js';
import { copyObject, deleteObject, getObject, putObject } from './object-handlers.js';
import { S3Error, errorXml, newRequestId, noSuchBucket, toS3Error } from './s3-error.js';
import { parseS3Request, type S3Request } from './s3-request.js';
import type { S3Service } from './s3-service.js';

export interface S3RouteOptions {
  /** Largest object a single PutObject may write, bytes. */
  maxUploadBytes: number;
}

const has = (request: FastifyRequest, name: string) => Object.hasOwn(request.query as object, name);

/**
 * Path-style S3 (`/s3/<bucket>/<key>`) over the artifact store. Register inside a scope
 * prefixed with `/s3`: it takes every body as a raw stream and answers every error in
 * S3's XML, authentication failures included (the auth hook's errors reach this scope's
 * handler). Reads need `artifacts:read`, writes `artifacts:write`, as the artifacts API.
 */
export function s3Routes(app: FastifyInstance, s3: S3Service, options: S3RouteOptions): void {
  const multipart = new Multipart(s3);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.setErrorHandler(async (err, request, reply) => sendError(err, request, reply));
  app.addHook('onSend', async (request, reply) => {
    if (!reply.hasHeader('x-amz-request-id')) void reply.header('x-amz-request-id', requestIdOf(request));
  });

  const parsed = (request: FastifyRequest): S3Request => {
    const s3req = parseS3Request(request);
    if (s3req.bucket && s3req.bucket !== s3.bucket) throw noSuchBucket(s3req.bucket);
    // A SigV4-signed request carries what its aws-chunked body's chunk signatures chain from.
    return { ...s3req, signer: request.sigv4?.verified ? request.sigv4.signing : undefined };
  };

  app.get('/', { config: { permission: 'artifacts:read' }, schema: { hide: true } }, async (_request, reply) => listBuckets(s3, reply));

  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    config: { permission: 'artifacts:read' },
    schema: { hide: true },
    handler: async (request, reply) => {
      const s3req = parsed(request);
      if (!s3req.key) {
        if (request.method === 'HEAD') return reply.send();
        if (has(request, 'location')) return bucketLocation(reply);
        if (has(request, 'versioning')) return bucketVersioning(reply);
        if (has(request, 'uploads')) return listUploads(s3, request, reply);
        return listObjects(s3, request, reply);
      }
      if (request.method === 'GET' && has(request, 'uploadId')) return listParts(s3, multipart, s3req, request, reply);
      return getObject(s3, s3req, request, reply);
    },
  });

  app.route({
    method: ['PUT', 'POST', 'DELETE'],
    url: '/*',
    bodyLimit: options.maxUploadBytes,
    config: { permission: 'artifacts:write' },
    schema: { hide: true },
    handler: async (request, reply) => {
      const s3req = parsed(request);
      if (!s3req.bucket) throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
      if (!s3req.key) {
        if (request.method === 'PUT') return createBucket(s3, s3req);
        if (request.method === 'DELETE') return deleteBucket(s3);
        if (has(request, 'delete')) return deleteObjects(s3, s3req, request, reply);
        throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
      }
      if (request.method === 'PUT') {
        if (has(request, 'uploadId')) return uploadPart(s3, multipart, s3req, request, reply, options.maxUploadBytes);
        if (request.headers['x-amz-copy-source']) return copyObject(s3, s3req, request, reply);
        return putObject(s3, s3req, request, reply, options.maxUploadBytes);
      }
      if (request.method === 'DELETE') {
        if (has(request, 'uploadId')) return abortUpload(s3, multipart, s3req, request, reply);
        return deleteObject(s3, s3req, reply);
      }
      if (has(request, 'uploads')) return createUpload(s3, multipart, s3req, request, reply);
      if (has(request, 'uploadId')) return completeUpload(s3, multipart, s3req, request, reply);
      throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
    },
  });
}

/** Most of a refused body read (and dropped) so the connection can stay open; a larger one closes it. */
const DRAIN_BYTES = 8 * 1024 * 1024;
const DRAIN_MS = 5000;

/**
 * Reads and drops what is left of a refused request's body. S3 clients keep connections
 * alive and send the next request on the same one: when the rest arrives (a small body,
 * the usual case) the connection stays usable; otherwise the answer goes out and the
 * connection is closed after it, as the API's own handler does (`lingerThenClose`).
 */
function drain(req: IncomingMessage): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (whole: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      resolve(whole);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_BYTES) done(false);
    };
    const timer = setTimeout(() => done(false), DRAIN_MS);
    req.unpipe();
    req.removeAllListeners('data');
    req.on('data', onData);
    req.once('end', () => done(true));
    req.once('error', () => done(false));
    req.once('close', () => done(req.complete));
    req.resume();
  });
}

async function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const error = toS3Error(err);
  if (error.status >= 500) request.log.error({ err }, 's3 request failed');
  else request.log.debug({ code: error.s3Code }, error.message);
  const whole = await drain(request.raw);
  if (!whole) reply.removeHeader('connection');
  void reply.status(error.status).header('x-amz-request-id', requestIdOf(request));
  // HEAD answers carry no body; clients read the status (404 → NotFound).
  if (request.method === 'HEAD') void reply.send();
  else void reply.type('application/xml').send(errorXml(error, request.url.split('?')[0], requestIdOf(request)));
  if (!whole) lingerThenClose(request.raw);
  return reply;
}

const requestIds = new WeakMap<FastifyRequest, string>();

/** The request's `x-amz-request-id` (made on first use: an auth failure is answered before this scope's own hooks run). */
function requestIdOf(request: FastifyRequest): string {
  let id = requestIds.get(request);
  if (!id) {
    id = newRequestId();
    requestIds.set(request, id);
  }
  return id;
}
