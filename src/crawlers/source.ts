import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { OrchardError, type ResolvedConfig } from '../core/index.js';

/** The settings a crawler's source is checked against and read with. */
export type CrawlerSourceConfig = Pick<ResolvedConfig, 'artifactsUrl' | 's3Endpoint' | 's3Region' | 'crawlerRoots' | 'crawlerBuckets'>;

/** A source that passed the checks: a real folder under an allowed root, or a bucket prefix. */
export type AllowedSource =
  | { kind: 'file'; url: string; dir: string; roots: string[] }
  | { kind: 's3'; url: string; bucket: string; prefix: string };

/** One file under a source: its path relative to the source (`/`-separated) and what tells a change. */
export interface SourceFile {
  path: string;
  size: number;
  etag: string | null;
  mtime: string | null;
  /** Set when the file must not be read (a link that leaves the allowed roots). */
  problem?: string;
}

/** Reads a source's file list page by page and fetches files to local disk. */
export interface SourceReader {
  /** Pages of at most `pageSize` files, in no particular order. */
  list(pageSize?: number): AsyncGenerator<SourceFile[]>;
  /** A local path to read the file from: the file itself, or a copy under `scratchDir`. */
  fetch(file: SourceFile, scratchDir: string): Promise<string>;
  close(): void;
}

const DEFAULT_PAGE = 1000;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function forbidden(message: string, setting: string): OrchardError {
  return new OrchardError('ORCH_CRAWLER_SOURCE_FORBIDDEN', { message, details: { setting } });
}

function invalid(message: string): OrchardError {
  return new OrchardError('ORCH_CRAWLER_INVALID', { message, details: { field: 'source' } });
}

/** True when a `..` segment appears in the text as given, plain or percent-encoded. */
function hasDotDot(text: string): boolean {
  return /(^|[/\\])(\.|%2e){2}([/\\?#]|$)/i.test(text);
}

/**
 * Checks a source URL against the admin's settings and returns where it points:
 * `file:///folder` must be a real folder under one of `ORCHARD_CRAWLER_ROOTS` (real paths
 * compared, so `..` and links cannot leave them); `s3://bucket/prefix` must name the
 * artifact store's bucket (outside the store's own prefix) or one of
 * `ORCHARD_CRAWLER_BUCKETS`.
 */
export async function allowSource(url: string, config: CrawlerSourceConfig): Promise<AllowedSource> {
  if (typeof url !== 'string' || url.length === 0) throw invalid('The source must be an s3:// or file:// URL');
  if (hasDotDot(url)) throw forbidden("The source may not contain '..' segments", url.startsWith('s3:') ? 'ORCHARD_CRAWLER_BUCKETS' : 'ORCHARD_CRAWLER_ROOTS');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('The source is not a URL: use s3://bucket/prefix or file:///folder');
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash || parsed.port) throw invalid('The source may not carry credentials, a port, a query or a fragment');
  if (parsed.protocol === 'file:') return allowFolder(parsed, config);
  if (parsed.protocol === 's3:') return allowBucket(parsed, config);
  throw invalid(`Unsupported source scheme '${parsed.protocol.slice(0, 20)}': use s3://bucket/prefix or file:///folder`);
}

async function allowFolder(parsed: URL, config: CrawlerSourceConfig): Promise<AllowedSource> {
  if (parsed.hostname && parsed.hostname !== 'localhost') throw invalid('A file:// source names a folder on the server: file:///folder');
  const roots = await realRoots(config.crawlerRoots);
  if (roots.length === 0) throw forbidden('file:// sources are not allowed on this server: an admin lists the folders crawlers may read in ORCHARD_CRAWLER_ROOTS', 'ORCHARD_CRAWLER_ROOTS');
  const given = fileURLToPath(parsed);
  let dir: string;
  try {
    dir = await fs.realpath(given);
  } catch (err) {
    // Whether a folder outside the roots exists is not the caller's business.
    if (!within(path.resolve(given), roots)) throw outsideRoots();
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new OrchardError('ORCH_CRAWLER_SOURCE_NOT_FOUND', { message: `No folder at the source '${parsed.href.slice(0, 300)}'` });
    throw new OrchardError('ORCH_CRAWLER_SOURCE_UNREADABLE', { message: `The source folder cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, cause: err });
  }
  if (!within(dir, roots)) throw outsideRoots();
  if (!(await fs.stat(dir)).isDirectory()) throw invalid('A file:// source must be a folder');
  return { kind: 'file', url: parsed.href, dir, roots };
}

function outsideRoots(): OrchardError {
  return forbidden('The source folder is outside the folders crawlers may read (ORCHARD_CRAWLER_ROOTS)', 'ORCHARD_CRAWLER_ROOTS');
}

/** The roots as real paths; a root that does not exist allows nothing. */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((root) => fs.realpath(root).catch(() => null)));
  return real.filter((r): r is string => r !== null);
}

function within(target: string, roots: readonly string[]): boolean {
  return roots.some((root) => target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
}

function allowBucket(parsed: URL, config: CrawlerSourceConfig): AllowedSource {
  const bucket = parsed.hostname;
  if (!BUCKET.test(bucket)) throw invalid('An s3:// source needs a valid bucket name: s3://bucket/prefix');
  let prefix: string;
  try {
    prefix = decodeURIComponent(parsed.pathname.replace(/^\/+/, ''));
  } catch {
    throw invalid('The source prefix is not valid percent-encoding');
  }
  if (prefix.includes('\0') || prefix.includes('\\') || prefix.split('/').some((s, i, all) => s === '' && i < all.length - 1)) {
    throw invalid('The source prefix may not hold empty segments, backslashes or NUL');
  }
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const store = storeLocation(config.artifactsUrl);
  if (store?.bucket === bucket) {
    // The store's own folder holds the platform's files: never a crawler's source.
    if (store.prefix === '' || prefix.startsWith(store.prefix) || store.prefix.startsWith(prefix)) {
      throw forbidden(`The source overlaps the artifact store's own folder (s3://${bucket}/${store.prefix}); crawl another prefix`, 'ORCHARD_ARTIFACTS_URL');
    }
    return { kind: 's3', url: `s3://${bucket}/${prefix}`, bucket, prefix };
  }
  if (!config.crawlerBuckets.includes(bucket)) {
    throw forbidden(`Bucket '${bucket}' is not one crawlers may read: an admin lists extra buckets in ORCHARD_CRAWLER_BUCKETS`, 'ORCHARD_CRAWLER_BUCKETS');
  }
  return { kind: 's3', url: `s3://${bucket}/${prefix}`, bucket, prefix };
}

/** The artifact store's bucket and prefix (`''` or ending in `/`), when it is on S3. */
function storeLocation(artifactsUrl: string): { bucket: string; prefix: string } | undefined {
  try {
    const url = new URL(artifactsUrl);
    if (url.protocol !== 's3:') return undefined;
    const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
    return { bucket: url.hostname, prefix: prefix ? `${prefix}/` : '' };
  } catch {
    return undefined;
  }
}

/** Opens a reader over an allowed source (the AWS SDK is loaded only for S3 sources). */
export async function openSource(source: AllowedSource, config: CrawlerSourceConfig): Promise<SourceReader> {
  return source.kind === 'file' ? folderReader(source) : bucketReader(source, config);
}

function folderReader(source: Extract<AllowedSource, { kind: 'file' }>): SourceReader {
  return {
    async *list(pageSize = DEFAULT_PAGE) {
      let page: SourceFile[] = [];
      const pending: string[] = [''];
      while (pending.length > 0) {
        const rel = pending.pop()!;
        const dir = await fs.opendir(path.join(source.dir, rel)).catch((err: NodeJS.ErrnoException) => {
          if (rel === '' && err.code === 'ENOENT') throw new OrchardError('ORCH_CRAWLER_SOURCE_NOT_FOUND', { message: 'The source folder no longer exists' });
          throw new OrchardError('ORCH_CRAWLER_SOURCE_UNREADABLE', { message: `The source folder cannot be read: ${err.code ?? 'error'}`, cause: err });
        });
        for await (const entry of dir) {
          const relPath = rel ? `${rel}/${entry.name}` : entry.name;
          if (entry.isDirectory()) pending.push(relPath);
          else if (entry.isFile() || entry.isSymbolicLink()) {
            const file = await describeFile(source, relPath, entry.isSymbolicLink());
            if (file) page.push(file);
          }
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      }
      if (page.length > 0) yield page;
    },
    async fetch(file) {
      // Read in place: the real path, checked again now (the link may have changed since listing).
      const real = await fs.realpath(path.join(source.dir, file.path));
      if (!within(real, source.roots)) throw new OrchardError('ORCH_CRAWLER_SOURCE_FORBIDDEN', { message: 'the file is a link that leaves the allowed roots' });
      return real;
    },
    close() {},
  };
}

/** A listed file's size and modification time; a link is followed only to a file inside the roots. */
async function describeFile(source: Extract<AllowedSource, { kind: 'file' }>, relPath: string, link: boolean): Promise<SourceFile | undefined> {
  const full = path.join(source.dir, relPath);
  try {
    const stat = await fs.stat(full);
    if (!stat.isFile()) return undefined; // a link to a folder is not followed
    if (link && !within(await fs.realpath(full), source.roots)) {
      return { path: relPath, size: 0, etag: null, mtime: null, problem: 'the file is a link that leaves the allowed roots (ORCHARD_CRAWLER_ROOTS)' };
    }
    return { path: relPath, size: stat.size, etag: null, mtime: stat.mtime.toISOString() };
  } catch {
    return undefined; // removed while listing, or a dangling link
  }
}

function bucketReader(source: Extract<AllowedSource, { kind: 's3' }>, config: CrawlerSourceConfig): SourceReader {
  let client: S3Client | undefined;
  let sdk: typeof import('@aws-sdk/client-s3') | undefined;
  const open = async () => {
    sdk ??= await import('@aws-sdk/client-s3');
    client ??= new sdk.S3Client({
      region: config.s3Region,
      endpoint: config.s3Endpoint,
      forcePathStyle: config.s3Endpoint !== undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return { client, sdk };
  };
  return {
    async *list(pageSize = DEFAULT_PAGE) {
      const { client, sdk } = await open();
      let token: string | undefined;
      do {
        let res;
        try {
          res = await client.send(new sdk.ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.prefix, ContinuationToken: token, MaxKeys: pageSize }));
        } catch (err) {
          throw s3Failure('listing', source, err);
        }
        const page: SourceFile[] = [];
        for (const item of res.Contents ?? []) {
          if (!item.Key || item.Key.endsWith('/')) continue; // folder markers
          page.push({
            path: item.Key.slice(source.prefix.length),
            size: Number(item.Size ?? 0),
            etag: item.ETag ? item.ETag.replaceAll('"', '') : null,
            mtime: item.LastModified ? item.LastModified.toISOString() : null,
          });
        }
        if (page.length > 0) yield page;
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    },
    async fetch(file, scratchDir) {
      const { client, sdk } = await open();
      const local = path.join(scratchDir, 'source', ...file.path.split('/').map((s) => encodeURIComponent(s)));
      await fs.mkdir(path.dirname(local), { recursive: true });
      let res;
      try {
        res = await client.send(new sdk.GetObjectCommand({ Bucket: source.bucket, Key: source.prefix + file.path }));
      } catch (err) {
        throw s3Failure('reading a file of', source, err);
      }
      await pipeline(res.Body as Readable, createWriteStream(local));
      return local;
    },
    close() {
      client?.destroy();
    },
  };
}

function s3Failure(what: string, source: { bucket: string; prefix: string }, err: unknown): OrchardError {
  const name = (err as { name?: string })?.name ?? 'error';
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket' || status === 404) {
    return new OrchardError('ORCH_CRAWLER_SOURCE_NOT_FOUND', { message: `No bucket '${source.bucket}' (${what} s3://${source.bucket}/${source.prefix})`, cause: err });
  }
  return new OrchardError('ORCH_CRAWLER_SOURCE_UNREADABLE', { message: `${what} s3://${source.bucket}/${source.prefix} failed: ${name}`, cause: err });
}
