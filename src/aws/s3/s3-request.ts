import type { FastifyRequest } from 'fastify';
import type { ChunkSigner } from './aws-chunked.js';
import { S3Error } from './s3-error.js';

/** Where the S3 API is mounted on the server. */
export const S3_ROUTE_PREFIX = '/s3';

/** A path-style S3 request taken apart: `/s3/<bucket>/<key>`. */
export interface S3Request {
  /** Empty for ListBuckets. */
  bucket: string;
  /** The object key, percent-decoded once (S3 keys are literal); empty for bucket operations. */
  key: string;
  /** `/s3/<bucket>/<key>` as sent, for error answers' `Resource`. */
  resource: string;
  /** Checks the chunk signatures of a signed streaming upload (absent: not SigV4-signed). */
  signer?: ChunkSigner;
}

/**
 * Bucket and key from the raw URL (never the router's decoding: a key is decoded exactly
 * once, here, then handed to the artifact store's rules escaped).
 */
export function parseS3Request(request: FastifyRequest): S3Request {
  const path = request.url.split('?')[0];
  const rest = path.slice(S3_ROUTE_PREFIX.length).replace(/^\//, '');
  const slash = rest.indexOf('/');
  const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey), resource: path };
  } catch {
    throw new S3Error('InvalidURI', 400, "Couldn't parse the specified URI.", { URI: path });
  }
}
