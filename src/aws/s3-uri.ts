import { OrchardError } from '../core/errors.js';
import { normalizeKey } from '../storage/keys.js';

/**
 * The bucket name under which Orchard's S3-compatible API serves the artifact store,
 * and which `s3://` URIs in SageMaker requests name. @default `orchard`
 */
export const DEFAULT_S3_API_BUCKET = 'orchard';

/** An `s3://bucket/key` URI taken apart; `key` is as written (may be empty or end with `/`). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

function invalid(uri: string, why: string): OrchardError {
  return new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
    message: `Invalid S3 URI: ${why}`,
    details: { uri: uri.slice(0, 200) },
  });
}

/**
 * Splits `s3://bucket/key` (also `s3a://`/`s3n://`, which Spark-era tools write). The key is
 * taken literally, as S3 and SageMaker do: no percent-decoding.
 */
export function parseS3Uri(uri: string): S3Location {
  if (typeof uri !== 'string') throw invalid(String(uri), 'not a string');
  const match = /^s3[an]?:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  if (!match) throw invalid(uri, "expected s3://<bucket>/<key>");
  const bucket = match[1];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid(uri, `'${bucket}' is not a bucket name`);
  return { bucket, key: match[2] ?? '' };
}

/**
 * The artifact-store key an S3 object key stands for, under the store's traversal rules
 * (`normalizeKey`: no `..`, NUL, backslash, reserved segment). S3 keys are literal, so a
 * `%` is escaped before the store's single decode; a key that still looks percent-encoded
 * after that is refused, as the artifacts API refuses it. A trailing `/` is dropped.
 */
export function artifactKeyOfS3Key(key: string, options: { allowEmpty?: boolean } = {}): string {
  return normalizeKey(key.replace(/%/g, '%25'), options);
}

/**
 * Resolves `s3://<bucket>/<key>` to an artifact-store key. The bucket must be the one the
 * S3 API serves (`bucket`, default `orchard`); any other is refused naming it.
 * `allowEmpty` accepts the bucket's root (`s3://orchard/`), for prefixes.
 * @example resolveS3Uri('s3://orchard/data/train.csv') // 'data/train.csv'
 */
export function resolveS3Uri(uri: string, options: { bucket?: string; allowEmpty?: boolean } = {}): string {
  const bucket = options.bucket ?? DEFAULT_S3_API_BUCKET;
  const location = parseS3Uri(uri);
  if (location.bucket !== bucket) {
    throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
      message: `Invalid S3 URI: this server stores objects in bucket '${bucket}', not '${location.bucket}'`,
      details: { uri: uri.slice(0, 200), bucket },
    });
  }
  try {
    return artifactKeyOfS3Key(location.key, { allowEmpty: options.allowEmpty });
  } catch (error) {
    if (error instanceof OrchardError) throw invalid(uri, error.message.replace(/^Invalid artifact key: /, ''));
    throw error;
  }
}

/** The `s3://` URI of an artifact-store key (what Describe* answers carry). */
export function s3UriOfKey(key: string, bucket: string = DEFAULT_S3_API_BUCKET): string {
  return `s3://${bucket}/${key}`;
}
