/**
 * Batch transform over images (SageMaker's `application/x-image` input with SplitType
 * None): the input is every PNG and JPEG stored under an artifact prefix, or the objects
 * a manifest dataset names in `source-ref`. Either way the job reads a dataset whose rows
 * are the images' keys (for a prefix, one the job writes: `<job>-images`), so shards,
 * progress, retries and the output's row order are those of any transform. A shard's
 * images are copied beside it, each is answered as an endpoint answers an image body
 * (the list of class probabilities, SageMaker's `.out` content), and an image that is
 * missing or does not decode gets its reason in the `error` column instead.
 */
import { Readable } from 'node:stream';
import { OrchardError } from '../../core/index.js';
import type { ArtifactStore } from '../../storage/index.js';

export const IMAGE_CONTENT_TYPES = ['application/x-image', 'image/png', 'image/jpeg'] as const;
/** The input's content type when an `artifacts:` input does not name one. */
export const DEFAULT_IMAGE_TYPE = 'application/x-image';
export const ARTIFACT_INPUT = 'artifacts:';
/** The column of a manifest that names each image (Ground Truth's augmented manifest). */
export const SOURCE_REF = 'source-ref';
/** Images a shard holds by default (copied to the worker before the shard runs). */
export const DEFAULT_IMAGE_SHARD_ROWS = 1000;
/** Images one model call reads under MultiRecord. */
export const IMAGE_BATCH = 32;
/** At most this many images in one job's prefix. */
const MAX_IMAGES = 1_000_000;
/** Which objects under a prefix are images. */
const IMAGE_NAME = /\.(png|jpe?g)$/i;

export function isImageContentType(type: string | undefined): boolean {
  const base = (type ?? '').split(';')[0].trim().toLowerCase();
  return (IMAGE_CONTENT_TYPES as readonly string[]).includes(base);
}

export function isArtifactInput(input: string): boolean {
  return input.startsWith(ARTIFACT_INPUT);
}

/** The artifact key a `source-ref` names: a key, or `s3://bucket/key`. */
export function refKey(ref: string): string {
  const s3 = /^s3:\/\/[^/]+\/(.+)$/.exec(ref);
  return (s3 ? s3[1] : ref).replace(/^\/+/, '');
}

/** The keys of the PNG and JPEG objects under `artifacts:<prefix>`, sorted; refused when there are none. */
export async function listImageKeys(artifacts: ArtifactStore, input: string): Promise<string[]> {
  const prefix = input.slice(ARTIFACT_INPUT.length);
  if (prefix === '' || prefix.split('/').includes('..')) throw invalid(`Input ${JSON.stringify(input)}: give the prefix the images are stored under, e.g. artifacts:images/batch1/`);
  const keys = (await artifacts.list(prefix)).map((o) => o.key).filter((k) => IMAGE_NAME.test(k));
  if (keys.length === 0) throw invalid(`Input ${JSON.stringify(input)}: no PNG or JPEG objects (.png, .jpg, .jpeg) stored under ${JSON.stringify(prefix)}`);
  if (keys.length > MAX_IMAGES) throw invalid(`Input ${JSON.stringify(input)}: ${keys.length} images; a job reads at most ${MAX_IMAGES}`);
  return keys.sort();
}

/** A JSON Lines manifest of the keys, one `{"source-ref": key}` a line. */
export function manifestBody(keys: readonly string[]): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < keys.length; i += 1000) yield keys.slice(i, i + 1000).map((k) => JSON.stringify({ [SOURCE_REF]: k }) + '\n').join('');
  })());
}

/** The output's columns for an image job: `prediction` and `error`, suffixed with `_` past the input's own names. */
export function imageOutputColumns(inputColumns: readonly string[]): { prediction: string; error: string } {
  const taken = new Set(inputColumns);
  const free = (n: string) => {
    let name = n;
    while (taken.has(name)) name += '_';
    return name;
  };
  return { prediction: free('prediction'), error: free('error') };
}

function invalid(message: string): OrchardError {
  return new OrchardError('ORCH_TRANSFORM_INVALID', { message });
}
