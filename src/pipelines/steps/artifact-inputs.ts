/**
 * A training channel or a transform input may name a processing step's artifact output
 * (`{"Get": "Steps.prep.outputs.train"}`, the store's URL of the prefix the job wrote, or a
 * file below it built with `Join`). Trainers and transforms read datasets, so when the step
 * starts — after the processing step, which the reference makes it wait for — the files
 * there become a dataset version. A dataset ref is passed on as it is.
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatasetFormat } from '../../data/index.js';
import { StepFailure, type StepContext } from '../engine/step-runner.js';
import { stepTags, type PipelinePorts } from './ports.js';

/** Ports the conversion needs: the artifact store (its URL names its objects) and datasets. */
export type ArtifactInputPorts = { artifacts: Pick<PipelinePorts['artifacts'], 'url' | 'head' | 'list' | 'get'>; datasets: Pick<PipelinePorts['datasets'], 'versions' | 'create'> };

/** The tag naming the first object a version was made from (a transform's output file is named after it). */
export const SOURCE_KEY_TAG = 'orchard:source-key';

const EXTENSIONS: Record<string, DatasetFormat> = { csv: 'csv', jsonl: 'jsonl', json: 'jsonl', parquet: 'parquet' };

/** The artifact key a value names when it is a location in this store (`<store url>/<key>`), else null. */
export function artifactKeyOf(value: string, storeUrl: string): string | null {
  const base = storeUrl.replace(/\/+$/, '');
  if (!value.startsWith(`${base}/`)) return null;
  // A Join on '/' after a prefix that ends with '/' doubles it.
  return value.slice(base.length + 1).replace(/\/{2,}/g, '/').replace(/\/+$/, '');
}

/**
 * A dataset ref for a step's input: `value` itself when it is not a location in the store,
 * else a version made from the object there (or every object under it, read as one file),
 * found again by its tags when the step is re-entered.
 */
export async function datasetOfInput(ctx: Pick<StepContext, 'execution' | 'resource' | 'createdBy'>, ports: ArtifactInputPorts, value: string, input: string): Promise<string> {
  const key = artifactKeyOf(value, ports.artifacts.url);
  if (key === null) return value;
  const name = `${ctx.resource}-${input}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
  const tags = { ...stepTags(ctx), 'orchard:step-input': input };
  const made = (await ports.datasets.versions(name).catch(() => [])).find((v) => v.tags['orchard:pipeline-step'] === ctx.resource && v.tags['orchard:step-input'] === input);
  if (made) return `${made.name}@${made.version}`;
  const keys = await objectsAt(ports, key);
  if (keys.length === 0) throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `input '${input}': no files under ${value}`, false);
  const extension = keys[0].split('.').pop()?.toLowerCase() ?? '';
  const format = EXTENSIONS[extension] ?? 'csv';
  if (keys.length > 1 && format === 'parquet') throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `input '${input}': ${keys.length} Parquet files under ${value}; name one`, false);
  // Without a header: the SageMaker convention for built-in algorithms' CSV (target first).
  const base = { name, format, header: false, tags: { ...tags, [SOURCE_KEY_TAG]: keys[0].slice(0, 256) }, createdBy: ctx.createdBy ?? undefined, description: `Pipeline step ${ctx.resource}: input ${input} from ${key}` };
  const version = keys.length === 1 ? await ports.datasets.create({ ...base, sourceKey: keys[0] }) : await ports.datasets.create({ ...base, body: concatenated(ports, keys) });
  return `${version.name}@${version.version}`;
}

/** The object with exactly that key, else the files under it as a folder (hidden ones left out), in key order. */
async function objectsAt(ports: ArtifactInputPorts, key: string): Promise<string[]> {
  if (key !== '' && (await ports.artifacts.head(key))) return [key];
  const listed = await ports.artifacts.list(key === '' ? '' : `${key}/`);
  return listed
    .map((info) => info.key)
    .filter((k) => !k.endsWith('/') && !(k.split('/').pop() ?? '').startsWith('.'))
    .sort();
}

/** The objects one after the other, a newline between parts that do not end with one (CSV parts without headers concatenate). */
function concatenated(ports: ArtifactInputPorts, keys: string[]): Readable {
  const out = new PassThrough();
  void (async () => {
    for (const key of keys) {
      let last = 0x0a;
      const source = await ports.artifacts.get(key);
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
