import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Error, invalidArgument, malformedXml, noSuchUpload } from './s3-error.js';
import { UPLOADS_PREFIX, objectRow, type PutInput, type S3Service } from './s3-service.js';
import type { S3PartRow, S3UploadRow } from './s3-store.js';

/** S3's limits: parts are numbered 1 to 10,000, and every part but the last holds at least 5 MiB. */
export const MAX_PART_NUMBER = 10_000;
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

const partKey = (uploadId: string, partNumber: number) => `${UPLOADS_PREFIX}/${uploadId}/${String(partNumber).padStart(5, '0')}`;
const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, '').toLowerCase();

/**
 * Multipart uploads: parts are written to the artifact store under `s3-uploads/<id>/`
 * (each atomically, with its MD5), listed in `s3_upload_parts`; completing streams them
 * in order into the object (one atomic write) with S3's `"<md5 of the parts' md5s>-<n>"`
 * ETag, then removes the parts; aborting removes them.
 */
export class Multipart {
  constructor(private readonly s3: S3Service) {}

  async create(key: string, input: Pick<PutInput, 'contentType' | 'metadata'>, createdBy: string | undefined): Promise<string> {
    const uploadId = randomBytes(24).toString('base64url');
    await this.s3.store.createUpload({
      upload_id: uploadId,
      key,
      content_type: input.contentType ?? null,
      metadata_json: input.metadata && Object.keys(input.metadata).length > 0 ? JSON.stringify(input.metadata) : null,
      created_by: createdBy ?? null,
      created_at: new Date().toISOString(),
    });
    return uploadId;
  }

  /** The upload, checked to be for this key. */
  async upload(uploadId: string, key: string): Promise<S3UploadRow> {
    const upload = /^[A-Za-z0-9_-]{1,64}$/.test(uploadId) ? await this.s3.store.upload(uploadId) : undefined;
    if (!upload || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  async uploadPart(uploadId: string, key: string, partNumber: number, body: Readable, input: PutInput): Promise<{ etag: string; checksum?: string }> {
    await this.upload(uploadId, key);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw invalidArgument(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, 'partNumber', String(partNumber));
    }
    const { info, check } = await this.s3.write(partKey(uploadId, partNumber), body, input);
    const etag = `"${check.md5Hex}"`;
    const algorithm = input.check.checksum?.algorithm;
    await this.s3.store.putPart({
      upload_id: uploadId,
      part_number: partNumber,
      etag,
      size: info.size,
      checksum_json: algorithm && check.checksumValue ? JSON.stringify({ [algorithm]: check.checksumValue }) : null,
      created_at: info.createdAt,
    });
    return { etag, checksum: check.checksumValue };
  }

  async complete(uploadId: string, key: string, requested: CompletedPart[]): Promise<{ etag: string }> {
    const upload = await this.upload(uploadId, key);
    if (requested.length === 0) throw malformedXml();
    const stored = new Map((await this.s3.store.parts(uploadId)).map((p) => [p.part_number, p]));
    const chosen: S3PartRow[] = [];
    requested.forEach((part, i) => {
      if (i > 0 && part.partNumber <= requested[i - 1].partNumber) {
        throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
      }
      const row = stored.get(part.partNumber);
      if (!row || unquote(row.etag) !== unquote(part.etag)) {
        throw new S3Error('InvalidPart', 400, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.", {
          UploadId: uploadId,
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        });
      }
      chosen.push(row);
    });
    chosen.slice(0, -1).forEach((row) => {
      if (Number(row.size) < MIN_PART_BYTES) {
        throw new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.', { PartNumber: String(row.part_number) });
      }
    });
    const size = chosen.reduce((sum, row) => sum + Number(row.size), 0);
    const body = Readable.from(this.concatenated(uploadId, chosen));
    const info = await this.s3.artifacts.put(key, body, { expectedSize: size });
    const md5s = Buffer.concat(chosen.map((row) => Buffer.from(unquote(row.etag), 'hex')));
    const etag = `"${createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;
    const metadata = upload.metadata_json ? (JSON.parse(upload.metadata_json) as Record<string, string>) : undefined;
    await this.s3.store.putObjectRow(objectRow(key, etag, info, { contentType: upload.content_type ?? undefined, metadata }));
    await this.end(uploadId);
    return { etag };
  }

  async abort(uploadId: string, key: string): Promise<void> {
    await this.upload(uploadId, key);
    await this.end(uploadId);
  }

  async listParts(uploadId: string, key: string, afterPart: number, maxParts: number): Promise<{ upload: S3UploadRow; parts: S3PartRow[]; isTruncated: boolean }> {
    const upload = await this.upload(uploadId, key);
    const parts = await this.s3.store.parts(uploadId, afterPart, maxParts + 1);
    return { upload, parts: parts.slice(0, maxParts), isTruncated: parts.length > maxParts };
  }

  private async end(uploadId: string): Promise<void> {
    await this.s3.store.deleteUpload(uploadId);
    await this.s3.artifacts.deletePrefix(`${UPLOADS_PREFIX}/${uploadId}`);
  }

  private async *concatenated(uploadId: string, parts: S3PartRow[]): AsyncGenerator<Buffer> {
    for (const part of parts) {
      const stream = await this.s3.artifacts.get(partKey(uploadId, part.part_number));
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
    }
  }
}
