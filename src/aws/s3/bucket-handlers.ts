import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { S3Error, invalidArgument, malformedXml, toS3Error } from './s3-error.js';
import { readXmlBody, requestBody } from './request-body.js';
import type { S3Service } from './s3-service.js';
import type { S3Request } from './s3-request.js';
import { xmlDocument } from './xml.js';

/** The owner every answer names (one account: this server). */
export const OWNER = { ID: 'orchard', DisplayName: 'orchard' };
/** Buckets have no creation record; the epoch is as good a date as any. */
const BUCKET_CREATED = new Date(0).toISOString();

const xml = (reply: FastifyReply, doc: Record<string, unknown>) => reply.type('application/xml').send(xmlDocument(doc));

export function listBuckets(s3: S3Service, reply: FastifyReply): unknown {
  return xml(reply, { ListAllMyBucketsResult: { Owner: OWNER, Buckets: { Bucket: [{ Name: s3.bucket, CreationDate: BUCKET_CREATED }] } } });
}

function maxKeysOf(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return 1000;
  if (!/^\d+$/.test(value)) throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Number(value), 1000);
}

/** `encoding-type=url`: keys percent-encoded (boto3 and the CLI ask for it and decode with unquote_plus). */
function encoder(encodingType: string | undefined): (value: string) => string {
  if (encodingType === undefined) return (value) => value;
  if (encodingType !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  return (value) => encodeURIComponent(value).replace(/%2F/g, '/');
}

/** ListObjectsV2 (`list-type=2`) and the older ListObjects. */
export async function listObjects(s3: S3Service, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const q = request.query as Record<string, string | undefined>;
  const v2 = q['list-type'] === '2';
  const enc = encoder(q['encoding-type']);
  const prefix = q.prefix ?? '';
  const delimiter = q.delimiter || undefined;
  const maxKeys = maxKeysOf(q['max-keys'], 'max-keys');
  let after = v2 ? q['start-after'] || undefined : q.marker || undefined;
  const token = v2 ? q['continuation-token'] : undefined;
  if (token !== undefined) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (!token || Buffer.from(after, 'utf8').toString('base64url') !== token) throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  const page = await s3.list({ prefix, delimiter, maxKeys, after });
  const contents = page.views.map((view) => ({
    Key: enc(view.key),
    LastModified: view.lastModified.toISOString(),
    ETag: view.etag,
    Size: view.size,
    ...(v2 ? {} : { Owner: OWNER }),
    StorageClass: 'STANDARD',
  }));
  const common = page.commonPrefixes.map((p) => ({ Prefix: enc(p) }));
  const next = page.isTruncated && page.last !== undefined ? page.last : undefined;
  const result: Record<string, unknown> = {
    Name: s3.bucket,
    Prefix: enc(prefix),
    ...(v2 ? { KeyCount: contents.length + common.length } : { Marker: enc(q.marker ?? '') }),
    MaxKeys: maxKeys,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    ...(q['encoding-type'] ? { EncodingType: 'url' } : {}),
    IsTruncated: page.isTruncated,
    ...(v2 && token !== undefined ? { ContinuationToken: token } : {}),
    ...(v2 && q['start-after'] ? { StartAfter: enc(q['start-after']) } : {}),
    ...(next !== undefined ? (v2 ? { NextContinuationToken: Buffer.from(next, 'utf8').toString('base64url') } : { NextMarker: enc(next) }) : {}),
    Contents: contents,
    CommonPrefixes: common,
  };
  return xml(reply, { ListBucketResult: result });
}

export function bucketLocation(reply: FastifyReply): unknown {
  // us-east-1 answers an empty constraint; clients then sign with the region they chose.
  return xml(reply, { LocationConstraint: {} });
}

export function bucketVersioning(reply: FastifyReply): unknown {
  return xml(reply, { VersioningConfiguration: {} });
}

/** DeleteObjects: each key deleted (or refused) on its own; `Quiet` answers only the refusals. */
export async function deleteObjects(s3: S3Service, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const doc = await readXmlBody(requestBody(request.body as Readable | undefined, request.headers, s3req.signer));
  const root = doc.Delete as { Object?: Array<{ Key?: unknown }>; Quiet?: unknown } | undefined;
  const objects = root?.Object ?? [];
  if (!root || objects.length === 0 || objects.some((o) => typeof o.Key !== 'string')) throw malformedXml();
  if (objects.length > 1000) throw malformedXml();
  const quiet = String(root.Quiet ?? '').trim() === 'true';
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const object of objects) {
    const key = object.Key as string;
    try {
      await s3.delete(s3.writableKey(key));
      deleted.push({ Key: key });
    } catch (err) {
      const e = toS3Error(err);
      if (e.status >= 500) throw err;
      errors.push({ Key: key, Code: e.s3Code, Message: e.message });
    }
  }
  return xml(reply, { DeleteResult: { ...(quiet ? {} : { Deleted: deleted }), Error: errors } });
}

export function createBucket(s3: S3Service, s3req: S3Request): never {
  if (s3req.bucket === s3.bucket) throw new S3Error('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: s3req.bucket });
  throw new S3Error('AccessDenied', 403, `This server serves one bucket, '${s3.bucket}'`);
}

export function deleteBucket(s3: S3Service): never {
  throw new S3Error('AccessDenied', 403, `The bucket '${s3.bucket}' is the artifact store and cannot be deleted`);
}
