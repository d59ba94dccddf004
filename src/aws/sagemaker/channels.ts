import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatasetFormat } from '../../data/index.js';
import { artifactKeyOfS3Key, parseS3Uri } from '../s3-uri.js';
import type { OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';
import { isOrchardError } from '../../core/errors.js';

/** A training channel or transform input as SageMaker sends it. */
export interface S3Input {
  uri: string;
  /** `S3Prefix` (every object under the prefix) or `ManifestFile`/`AugmentedManifestFile` (refused). */
  dataType: string;
  contentType?: string;
}

const EXTENSIONS: Record<string, DatasetFormat> = { csv: 'csv', jsonl: 'jsonl', json: 'jsonl', parquet: 'parquet' };

function formatOf(contentType: string | undefined, keys: string[]): DatasetFormat {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/jsonlines' || type === 'application/json') return 'jsonl';
  if (type === 'application/x-parquet' || type === 'application/vnd.apache.parquet') return 'parquet';
  const extension = keys[0]?.split('.').pop()?.toLowerCase();
  return (extension && EXTENSIONS[extension]) || 'csv';
}

/**
 * Resolves an `s3://` URI to the artifact-store keys it names: the object itself when one
 * has exactly that key, else every object under it as a folder (S3Prefix). Throws a
 * `ValidationException` worded as SageMaker's when nothing is there.
 */
export async function objectsOf(ctx: OperationContext, uri: string, field: string): Promise<string[]> {
  let key: string;
  try {
    const location = parseS3Uri(uri);
    if (location.bucket !== ctx.bucket) throw new SageMakerError('ValidationException', `${field}: this server stores objects in bucket '${ctx.bucket}', not '${location.bucket}' (${uri})`);
    key = artifactKeyOfS3Key(location.key, { allowEmpty: true });
  } catch (error) {
    if (error instanceof SageMakerError) throw error;
    throw new SageMakerError('ValidationException', `${field}: ${(error as Error).message} (${uri})`);
  }
  if (key && (await ctx.deps.artifacts.head(key))) return [key];
  const keys = (await ctx.deps.artifacts.list(key)).map((info) => info.key).filter((k) => !k.endsWith('/'));
  if (keys.length === 0) throw new SageMakerError('ValidationException', `No S3 objects found under S3 URL "${uri}" given in input data source. Please ensure that the bucket exists in the selected region, that objects exist under that S3 prefix, and that the role has access to it.`);
  return keys;
}

/**
 * A dataset version made on the fly from the objects an `s3://` URI names (Orchard's
 * training jobs and transforms read datasets): one object is ingested from its key; several
 * (an S3Prefix of part files) are read one after the other as one file, so CSV parts
 * without headers concatenate. Returns the dataset ref (`name@version`).
 */
export async function datasetOfS3Input(ctx: OperationContext, input: S3Input, dataset: { name: string; field: string; tags: Record<string, string> }): Promise<string> {
  if (input.dataType !== 'S3Prefix') {
    throw new SageMakerError('ValidationException', `${dataset.field}: S3DataType '${input.dataType}' is not supported here; use S3Prefix`);
  }
  const keys = await objectsOf(ctx, input.uri, dataset.field);
  const format = formatOf(input.contentType, keys);
  if (keys.length > 1 && format === 'parquet') throw new SageMakerError('ValidationException', `${dataset.field}: ${keys.length} Parquet objects under ${input.uri}; point at one object`);
  const base = { name: dataset.name, format, header: false, createdBy: ctx.principal.user.name, tags: { ...dataset.tags, 'sagemaker:s3-uri': input.uri.slice(0, 256) } };
  try {
    const version = keys.length === 1 ? await ctx.deps.datasets.create({ ...base, sourceKey: keys[0] }) : await ctx.deps.datasets.create({ ...base, body: concatenated(ctx, keys) });
    return `${version.name}@${version.version}`;
  } catch (error) {
    // The data's own faults are the request's; a store that failed is the server's.
    if (isOrchardError(error) && error.status < 500) throw new SageMakerError('ValidationException', `${dataset.field}: the data under ${input.uri} is not usable: ${error.message}`, { cause: error });
    throw sageMakerErrorOf(error);
  }
}

/** The objects one after the other, a newline between parts that do not end with one. */
function concatenated(ctx: OperationContext, keys: string[]): Readable {
  const out = new PassThrough();
  void (async () => {
    for (const key of keys) {
      let last = 0x0a;
      const source = await ctx.deps.artifacts.get(key);
      source.on('data', (chunk: Buffer) => {
        if (chunk.length > 0) last = chunk[chunk.length - 1];
      });
      await pipeline(source, out, { end: false });
      if (last !== 0x0a) out.write('\n');
    }
    out.end();
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}

/** A dataset name for a resource's channel: `sagemaker-<resource>-<channel>` within the dataset name rule. */
export function channelDatasetName(resource: string, channel: string): string {
  return `sagemaker-${resource}-${channel}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
}

/**
 * Removes dataset versions made for a request the service then refused (a bad
 * hyperparameter, a name taken meanwhile), so a corrected retry leaves no strays.
 */
export async function discardDatasets(ctx: OperationContext, refs: readonly string[]): Promise<void> {
  for (const ref of refs) await ctx.deps.datasets.delete(ref, { purge: true }).catch(() => undefined);
}
