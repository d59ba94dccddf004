import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { S3Error, invalidArgument, noSuchBucket } from './s3-error.js';
import { requestBody } from './request-body.js';
import type { ObjectView, PutInput, S3Service } from './s3-service.js';
import type { S3Request } from './s3-request.js';
import { xmlDocument } from './xml.js';

/** `response-*` query parameters of a GetObject (presigned downloads set them) and the headers they override. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-content-language': 'content-language',
  'response-cache-control': 'cache-control',
  'response-expires': 'expires',
};

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `x-amz-meta-*` headers of a write. */
export function userMetadata(request: FastifyRequest): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return metadata;
}

function objectHeaders(reply: FastifyReply, view: ObjectView): void {
  void reply
    .header('etag', view.etag)
    .header('last-modified', view.lastModified.toUTCString())
    .header('content-type', view.contentType)
    .header('accept-ranges', 'bytes');
  for (const [name, value] of Object.entries(view.metadata)) void reply.header(`x-amz-meta-${name}`, value);
}

/** A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range; anything else is ignored, as S3 ignores it. */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): S3Error {
  return new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', { ActualObjectSize: String(size) });
}

/** If-Match / If-None-Match, as S3 answers them. */
function preconditions(request: FastifyRequest, view: ObjectView): 'ok' | 'not-modified' {
  const ifMatch = header(request, 'if-match');
  if (ifMatch && !ifMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim() === view.etag)) {
    throw new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
  }
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim() === view.etag)) return 'not-modified';
  return 'ok';
}

export async function getObject(s3: S3Service, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const key = s3.readableKey(s3req.key);
  const view = await s3.head(key);
  objectHeaders(reply, view);
  if (preconditions(request, view) === 'not-modified') return reply.status(304).send();
  const range = parseRange(header(request, 'range'), view.size);
  if (request.method === 'HEAD') {
    void reply.header('content-length', range ? range.end - range.start + 1 : view.size);
    if (range) void reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${view.size}`);
    return reply.send();
  }
  const query = request.query as Record<string, string | undefined>;
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    if (typeof query[param] === 'string') void reply.header(name, query[param]);
  }
  const body = await s3.open(key, range);
  if (range) {
    void reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${view.size}`);
    return reply.header('content-length', range.end - range.start + 1).send(body);
  }
  return reply.header('content-length', view.size).send(body);
}

export function putInput(request: FastifyRequest, check: PutInput['check'], size: number | undefined): PutInput {
  return { contentType: header(request, 'content-type'), metadata: userMetadata(request), size, check };
}

export async function putObject(s3: S3Service, s3req: S3Request, request: FastifyRequest, reply: FastifyReply, maxBytes: number): Promise<unknown> {
  const key = s3.writableKey(s3req.key);
  const body = requestBody(request.body as Readable | undefined, request.headers, s3req.signer);
  if (body.size !== undefined && body.size > maxBytes) {
    throw new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.', { MaxSizeAllowed: String(maxBytes), ProposedSize: String(body.size) });
  }
  const { etag, checksum } = await s3.put(key, body.stream, putInput(request, body.check, body.size));
  if (checksum && body.check.checksum) void reply.header(`x-amz-checksum-${body.check.checksum.algorithm}`, checksum);
  return reply.header('etag', etag).status(200).send();
}

export async function copyObject(s3: S3Service, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const target = s3.writableKey(s3req.key);
  const raw = (header(request, 'x-amz-copy-source') ?? '').split('?')[0].replace(/^\//, '');
  const slash = raw.indexOf('/');
  if (slash <= 0) throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', raw);
  const bucket = decodeURIComponent(raw.slice(0, slash));
  if (bucket !== s3.bucket) throw noSuchBucket(bucket);
  let sourceKey: string;
  try {
    sourceKey = decodeURIComponent(raw.slice(slash + 1));
  } catch {
    throw invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', raw);
  }
  const source = s3.readableKey(sourceKey);
  const replace = header(request, 'x-amz-metadata-directive')?.toUpperCase() === 'REPLACE' ? { contentType: header(request, 'content-type'), metadata: userMetadata(request) } : undefined;
  const { etag, lastModified } = await s3.copy(source, target, replace);
  return reply.type('application/xml').send(xmlDocument({ CopyObjectResult: { LastModified: lastModified.toISOString(), ETag: etag } }));
}

export async function deleteObject(s3: S3Service, s3req: S3Request, reply: FastifyReply): Promise<unknown> {
  await s3.delete(s3.writableKey(s3req.key));
  return reply.status(204).send();
}
