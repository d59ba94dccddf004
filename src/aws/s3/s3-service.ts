import { Readable } from 'node:stream';
import { OrchardError } from '../../core/errors.js';
import { SYSTEM_PREFIXES, type ArtifactInfo, type ArtifactStore, type MetadataStore } from '../../storage/index.js';
import { artifactKeyOfS3Key } from '../s3-uri.js';
import { BodyCheck, type BodyCheckOptions } from './body-check.js';
import { listPage, type ListPage, type ListParams } from './listing.js';
import { S3Error, accessDenied, invalidArgument, noSuchKey } from './s3-error.js';
import { S3Store, type S3ObjectRow } from './s3-store.js';

/** Where multipart parts wait for their upload to complete (a system prefix of the artifact store). */
export const UPLOADS_PREFIX = 's3-uploads';
/** S3's content type for an object stored without one. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** What S3 tells about one object. */
export interface ObjectView {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
}

/** What a write carries besides its bytes. */
export interface PutInput {
  contentType?: string;
  metadata?: Record<string, string>;
  /** Decoded length of the body, when known: a body ending short or long fails the write. */
  size?: number;
  check: BodyCheckOptions;
}

export interface S3ServiceOptions {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** The one bucket served. @default `orchard` */
  bucket: string;
}

/** The ETag of an object S3 did not write (a dataset file, a job output): from its sha256, stable while it is unchanged. */
function derivedEtag(info: ArtifactInfo): string {
  return `"${info.sha256.slice(0, 32)}"`;
}

export function viewOf(info: ArtifactInfo, row: S3ObjectRow | undefined): ObjectView {
  const fresh = row && row.sha256 === info.sha256 ? row : undefined;
  return {
    key: info.key,
    size: info.size,
    etag: fresh?.etag ?? derivedEtag(info),
    lastModified: new Date(info.createdAt),
    contentType: fresh?.content_type ?? DEFAULT_CONTENT_TYPE,
    metadata: fresh?.metadata_json ? (JSON.parse(fresh.metadata_json) as Record<string, string>) : {},
  };
}

/**
 * The S3 operations on the artifact store (one bucket). Keys go through the artifact
 * store's traversal rules (`artifactKeyOfS3Key`); the platform's folders are readable,
 * as through the artifacts API, but not writable; parts of uploads in progress are
 * neither. An object's ETag, content type and user metadata are kept in `s3_objects`
 * beside the store's own record.
 */
export class S3Service {
  readonly bucket: string;
  readonly artifacts: ArtifactStore;
  readonly store: S3Store;

  constructor(options: S3ServiceOptions) {
    this.bucket = options.bucket;
    this.artifacts = options.artifacts;
    this.store = new S3Store(options.metadata);
  }

  /** The artifact key of an S3 key to read; the uploads' own folder is not addressable. */
  readableKey(s3Key: string): string {
    if (s3Key.endsWith('/')) throw noSuchKey(s3Key);
    const key = artifactKeyOfS3Key(s3Key);
    if (key.split('/')[0] === UPLOADS_PREFIX) throw noSuchKey(s3Key);
    return key;
  }

  /** The artifact key of an S3 key to write or delete: not in a platform folder, not a folder marker. */
  writableKey(s3Key: string): string {
    if (s3Key.endsWith('/')) {
      throw invalidArgument("Keys ending in '/' (folder markers) are not stored: folders exist through the objects in them", 'Key', s3Key);
    }
    const key = artifactKeyOfS3Key(s3Key);
    const top = key.split('/')[0];
    if (SYSTEM_PREFIXES.includes(top) || top === UPLOADS_PREFIX) {
      throw accessDenied(`'${top}/' is written by the platform only; choose another folder`);
    }
    return key;
  }

  async head(key: string): Promise<ObjectView> {
    const info = await this.artifacts.head(key);
    if (!info) throw noSuchKey(key);
    return viewOf(info, await this.store.objectRow(key));
  }

  /** An object's bytes, whole (verified against its sha256 as it streams) or a byte range. */
  async open(key: string, range?: { start: number; end: number }): Promise<Readable> {
    if (!range) return this.artifacts.get(key);
    const source = await this.artifacts.get(key, { verify: false });
    return Readable.from(sliced(source, range.start, range.end));
  }

  /** Writes an object atomically, checking what the request announced; answers its ETag. */
  async put(key: string, body: Readable, input: PutInput): Promise<{ etag: string; checksum?: string }> {
    const { info, check } = await this.write(key, body, input);
    const etag = `"${check.md5Hex}"`;
    await this.store.putObjectRow(objectRow(key, etag, info, input));
    return { etag, checksum: check.checksumValue };
  }

  /** Streams a body through its checks into the artifact store; a failed check is the answer, however the store wrapped it. */
  async write(key: string, body: Readable, input: PutInput): Promise<{ info: ArtifactInfo; check: BodyCheck }> {
    const check = await BodyCheck.create(input.check);
    // A refusal while decoding (a chunk signature, the framing) is the answer, not the store's wrapping of it.
    let refused: S3Error | undefined;
    body.on('error', (err) => {
      if (err instanceof S3Error) refused ??= err;
      check.destroy(err);
    });
    try {
      const info = await this.artifacts.put(key, body.pipe(check), { expectedSize: input.size });
      return { info, check };
    } catch (err) {
      if (refused ?? check.failure) throw refused ?? check.failure;
      const fsCode = (err as { cause?: { code?: unknown } }).cause?.code;
      if (err instanceof OrchardError && err.code === 'ORCH_ARTIFACT_WRITE_FAILED' && (fsCode === 'EEXIST' || fsCode === 'ENOTDIR' || fsCode === 'EISDIR')) {
        // A folder store cannot hold both `a` and `a/b`; S3 can, so say why rather than fail as an internal error.
        throw invalidArgument('This key conflicts with an existing object: on a folder-backed artifact store a key cannot be both an object and a folder of other objects', 'Key', key);
      }
      if (err instanceof OrchardError && err.code === 'ORCH_ARTIFACT_WRITE_FAILED' && /expectedSize|bytes/.test(err.message)) {
        throw new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.', {}, { cause: err });
      }
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.artifacts.delete(key);
    await this.store.deleteObjectRow(key);
  }

  /** Copies an object (a read and a write: the store has no server-side copy). */
  async copy(source: string, target: string, replace: { contentType?: string; metadata?: Record<string, string> } | undefined): Promise<{ etag: string; lastModified: Date }> {
    const from = await this.head(source);
    const body = await this.artifacts.get(source);
    const input: PutInput = { size: from.size, contentType: replace ? replace.contentType : from.contentType, metadata: replace ? replace.metadata : from.metadata, check: {} };
    const { info } = await this.write(target, body, input);
    // The bytes are the source's, so is its ETag (multipart ETags included, as S3 keeps them).
    await this.store.putObjectRow(objectRow(target, from.etag, info, input));
    return { etag: from.etag, lastModified: new Date(info.createdAt) };
  }

  async list(params: ListParams): Promise<ListPage> {
    const folder = params.prefix.includes('/') ? params.prefix.slice(0, params.prefix.lastIndexOf('/')) : '';
    let infos: ArtifactInfo[];
    try {
      infos = await this.artifacts.list(artifactKeyOfS3Key(folder, { allowEmpty: true }));
    } catch (err) {
      // A prefix no key can have (`..`, a reserved name) lists nothing, as on S3.
      if (err instanceof OrchardError && err.code === 'ORCH_ARTIFACT_INVALID_KEY') infos = [];
      else throw err;
    }
    const visible = infos.filter((info) => info.key.startsWith(params.prefix) && !info.key.startsWith(`${UPLOADS_PREFIX}/`));
    const page = listPage(visible, params);
    const rows = await this.store.objectRows(page.contents.map((info) => info.key));
    return { ...page, views: page.contents.map((info) => viewOf(info, rows.get(info.key))) };
  }
}

export function objectRow(key: string, etag: string, info: ArtifactInfo, input: Pick<PutInput, 'contentType' | 'metadata'>): S3ObjectRow {
  const metadata = input.metadata && Object.keys(input.metadata).length > 0 ? JSON.stringify(input.metadata) : null;
  return { key, etag, sha256: info.sha256, content_type: input.contentType ?? null, metadata_json: metadata, updated_at: new Date().toISOString() };
}

/** Bytes `start..end` (inclusive) of a stream; the rest of the source is not read. */
async function* sliced(source: Readable, start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      if (to > from) yield chunk.subarray(from, to);
      if (offset > end) break;
    }
  } finally {
    source.destroy();
  }
}
