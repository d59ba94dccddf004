import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { OWNER } from './bucket-handlers.js';
import { type CompletedPart, type Multipart } from './multipart.js';
import { header, putInput, userMetadata } from './object-handlers.js';
import { readXmlBody, requestBody } from './request-body.js';
import { S3Error, invalidArgument, malformedXml } from './s3-error.js';
import type { S3Service } from './s3-service.js';
import type { S3Request } from './s3-request.js';
import { xmlDocument } from './xml.js';

const xml = (reply: FastifyReply, doc: Record<string, unknown>) => reply.type('application/xml').send(xmlDocument(doc));
const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;

export async function createUpload(s3: S3Service, multipart: Multipart, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const key = s3.writableKey(s3req.key);
  const uploadId = await multipart.create(key, { contentType: header(request, 'content-type'), metadata: userMetadata(request) }, request.principal?.user.name);
  return xml(reply, { InitiateMultipartUploadResult: { Bucket: s3.bucket, Key: s3req.key, UploadId: uploadId } });
}

export async function uploadPart(s3: S3Service, multipart: Multipart, s3req: S3Request, request: FastifyRequest, reply: FastifyReply, maxBytes: number): Promise<unknown> {
  const key = s3.writableKey(s3req.key);
  if (header(request, 'x-amz-copy-source')) throw new S3Error('NotImplemented', 501, 'UploadPartCopy is not implemented; upload the part’s bytes');
  const q = query(request);
  const partNumber = /^\d{1,5}$/.test(q.partNumber ?? '') ? Number(q.partNumber) : NaN;
  const body = requestBody(request.body as Readable | undefined, request.headers, s3req.signer);
  if (body.size !== undefined && body.size > Math.min(maxBytes, 5 * 1024 ** 3)) {
    throw new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.', { ProposedSize: String(body.size) });
  }
  const { etag, checksum } = await multipart.uploadPart(q.uploadId ?? '', key, partNumber, body.stream, putInput(request, body.check, body.size));
  if (checksum && body.check.checksum) void reply.header(`x-amz-checksum-${body.check.checksum.algorithm}`, checksum);
  return reply.header('etag', etag).send();
}

export async function completeUpload(s3: S3Service, multipart: Multipart, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const key = s3.writableKey(s3req.key);
  const uploadId = query(request).uploadId ?? '';
  // The upload is checked before its body is read: an unknown id is NoSuchUpload, whatever it sends.
  await multipart.upload(uploadId, key);
  const doc = await readXmlBody(requestBody(request.body as Readable | undefined, request.headers, s3req.signer));
  const root = doc.CompleteMultipartUpload as { Part?: Array<{ PartNumber?: unknown; ETag?: unknown }> } | undefined;
  if (!root) throw malformedXml();
  const parts: CompletedPart[] = (root.Part ?? []).map((part) => {
    const partNumber = Number(part.PartNumber);
    if (!Number.isInteger(partNumber) || typeof part.ETag !== 'string') throw malformedXml();
    return { partNumber, etag: part.ETag };
  });
  const { etag } = await multipart.complete(uploadId, key, parts);
  return xml(reply, { CompleteMultipartUploadResult: { Location: `${s3req.resource}`, Bucket: s3.bucket, Key: s3req.key, ETag: etag } });
}

export async function abortUpload(s3: S3Service, multipart: Multipart, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  await multipart.abort(query(request).uploadId ?? '', s3.writableKey(s3req.key));
  return reply.status(204).send();
}

export async function listParts(s3: S3Service, multipart: Multipart, s3req: S3Request, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const q = query(request);
  const marker = q['part-number-marker'] ? Number(q['part-number-marker']) : 0;
  const maxParts = q['max-parts'] ? Number(q['max-parts']) : 1000;
  if (!Number.isInteger(marker) || marker < 0) throw invalidArgument('Invalid part-number-marker', 'part-number-marker', q['part-number-marker']);
  if (!Number.isInteger(maxParts) || maxParts < 0) throw invalidArgument('Invalid max-parts', 'max-parts', q['max-parts']);
  const { upload, parts, isTruncated } = await multipart.listParts(q.uploadId ?? '', s3.writableKey(s3req.key), marker, Math.min(maxParts, 1000));
  const initiator = { ID: upload.created_by ?? OWNER.ID, DisplayName: upload.created_by ?? OWNER.DisplayName };
  return xml(reply, {
    ListPartsResult: {
      Bucket: s3.bucket,
      Key: s3req.key,
      UploadId: upload.upload_id,
      Initiator: initiator,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      PartNumberMarker: marker,
      NextPartNumberMarker: parts.length > 0 ? parts[parts.length - 1].part_number : marker,
      MaxParts: maxParts,
      IsTruncated: isTruncated,
      Part: parts.map((part) => ({
        PartNumber: part.part_number,
        LastModified: part.created_at,
        ETag: part.etag,
        Size: Number(part.size),
        ...checksumFields(part.checksum_json),
      })),
    },
  });
}

function checksumFields(json: string | null): Record<string, string> {
  if (!json) return {};
  const [[algorithm, value]] = Object.entries(JSON.parse(json) as Record<string, string>);
  return { [`Checksum${algorithm.toUpperCase()}`]: value };
}

export async function listUploads(s3: S3Service, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const q = query(request);
  const prefix = q.prefix ?? '';
  const uploads = await s3.store.uploads(prefix, 1000);
  return xml(reply, {
    ListMultipartUploadsResult: {
      Bucket: s3.bucket,
      KeyMarker: '',
      UploadIdMarker: '',
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads.map((u) => ({ Key: u.key, UploadId: u.upload_id, Initiator: { ID: u.created_by ?? OWNER.ID }, Owner: OWNER, StorageClass: 'STANDARD', Initiated: u.created_at })),
    },
  });
}
