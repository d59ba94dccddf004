import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { OrchardError, newId } from '../core/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import type { DatasetCatalog, DatasetRow } from './dataset-catalog.js';
// Ingest loads DuckDB's bindings: imported when a dataset is first created, not at start-up.
import type { ConvertResult } from './ingest.js';
import { validateDatasetName } from './names.js';
import { DATASET_FORMATS, type CreateDatasetInput, type DatasetFormat, type DatasetVersion } from './types.js';
import { receiveUpload, type UploadReceipt } from './upload-guard.js';

const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 4096;
/** Attempts at reserving a version number when concurrent creates of one name collide. */
const MAX_VERSION_ATTEMPTS = 20;

export interface CreateContext {
  workDir: string;
  maxUploadBytes: number;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  catalog: DatasetCatalog;
}

/** A validated create request. */
interface CreatePlan {
  name: string;
  format: DatasetFormat;
  header: boolean;
  input: CreateDatasetInput;
}

/** The files of one ingest in its private scratch folder. */
interface Staged {
  receipt: UploadReceipt;
  converted: ConvertResult;
  sourcePath: string;
  parquetPath: string;
  parquetSize: number;
  parquetSha256: string;
  /** The source is the Parquet copy itself: stored once, under the data key. */
  single?: boolean;
}

/**
 * Creates a dataset version: streams the upload (or a stored object) through
 * validation into a private folder under `<workDir>/uploads/`, converts and
 * profiles it, stores both files, and only then makes the version visible. On any
 * failure the stored files and the version's row are removed; the scratch folder
 * is always removed.
 */
export async function createDataset(ctx: CreateContext, input: CreateDatasetInput): Promise<DatasetVersion> {
  const plan = validateCreate(input);
  const scratch = path.join(ctx.workDir, 'uploads', newId('up'));
  await mkdir(scratch, { recursive: true });
  try {
    const staged = await stage(ctx, plan, scratch);
    const row = await register(ctx, plan, staged);
    return ctx.catalog.toVersion({ ...row, status: 'ready' });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function badRequest(message: string): OrchardError {
  return new OrchardError('ORCH_DATASET_INVALID', { message });
}

function validateCreate(input: CreateDatasetInput): CreatePlan {
  if (!input || typeof input !== 'object') throw badRequest('A dataset needs a name, a format and a body');
  const name = validateDatasetName(input.name);
  if (!DATASET_FORMATS.includes(input.format)) {
    throw new OrchardError('ORCH_DATASET_INVALID_FORMAT', {
      message: `Unsupported dataset format '${String(input.format).slice(0, 40)}'; use one of ${DATASET_FORMATS.join(', ')}`,
    });
  }
  if ([input.body, input.sourceKey, input.parquetFile].filter((v) => v !== undefined).length !== 1) {
    throw badRequest('Give exactly one of body or sourceKey');
  }
  if (input.parquetFile !== undefined && input.format !== 'parquet') throw badRequest('A platform-written file must be Parquet');
  if (input.header !== undefined && typeof input.header !== 'boolean') throw badRequest('header must be true or false');
  const size = input.expectedSize;
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw badRequest('expectedSize must be a non-negative integer');
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > MAX_DESCRIPTION_LENGTH)) {
    throw badRequest(`description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  if (input.createdBy !== undefined && typeof input.createdBy !== 'string') throw badRequest('createdBy must be a string');
  validateTags(input.tags);
  // The header flag describes CSV only; other formats carry their own column names.
  return { name, format: input.format, header: input.format === 'csv' && input.header === true, input };
}

function validateTags(tags: unknown): void {
  if (tags === undefined) return;
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) throw badRequest('tags must be an object of strings');
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw badRequest(`At most ${MAX_TAGS} tags`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length === 0 || key.length > MAX_TAG_LENGTH || value.length > MAX_TAG_LENGTH) {
      throw badRequest(`Tags map non-empty keys to strings, each at most ${MAX_TAG_LENGTH} characters`);
    }
  }
}

async function stage(ctx: CreateContext, plan: CreatePlan, scratch: string): Promise<Staged> {
  if (plan.input.parquetFile !== undefined) return stagePlatformParquet(plan.input.parquetFile, scratch);
  const sourcePath = path.join(scratch, `source.${plan.format}`);
  const parquetPath = path.join(scratch, 'data.parquet');
  const { body, expectedSize } = await openSource(ctx.artifacts, plan.input);
  const receipt = await receiveUpload(body, sourcePath, {
    format: plan.format,
    maxBytes: ctx.maxUploadBytes,
    expectedSize,
  });
  const { convertToParquet } = await import('./ingest.js');
  const converted = await convertToParquet({
    format: plan.format,
    header: plan.header,
    sourcePath,
    parquetPath,
    scratchDir: scratch,
  });
  const { size, sha256 } = await digestFile(parquetPath);
  return { receipt, converted, sourcePath, parquetPath, parquetSize: size, parquetSha256: sha256 };
}

/** A Parquet file the platform wrote: profiled where it is, one file for source and data. */
async function stagePlatformParquet(parquetPath: string, scratch: string): Promise<Staged> {
  const { profileParquet } = await import('./ingest.js');
  const converted = await profileParquet({ parquetPath, scratchDir: scratch });
  const { size, sha256 } = await digestFile(parquetPath);
  const receipt: UploadReceipt = { receivedBytes: size, storedBytes: size, sha256 };
  return { receipt, converted, sourcePath: parquetPath, parquetPath, parquetSize: size, parquetSha256: sha256, single: true };
}

/** The upload body, or a stored object read back with checksum verification. */
async function openSource(
  artifacts: ArtifactStore,
  input: CreateDatasetInput,
): Promise<{ body: Readable; expectedSize?: number }> {
  if (input.body) return { body: input.body, expectedSize: input.expectedSize };
  const key = String(input.sourceKey);
  const info = await artifacts.head(key);
  if (!info) {
    throw new OrchardError('ORCH_ARTIFACT_NOT_FOUND', {
      message: 'No stored object with that sourceKey',
      details: { sourceKey: key.slice(0, 200) },
    });
  }
  // The stored size doubles as the expected size: a read that ends early is caught.
  return { body: await artifacts.get(key, { verify: true }), expectedSize: input.expectedSize ?? info.size };
}

async function digestFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { size: (await stat(file)).size, sha256: hash.digest('hex') };
}

/**
 * Reserves the next version with a `pending` row (the (name, version) unique
 * constraint settles concurrent creates: the loser retries with the next number),
 * writes both files under that version's keys, then publishes the row. Reserving
 * first is what keeps two racing creates from writing to the same keys.
 */
async function register(ctx: CreateContext, plan: CreatePlan, staged: Staged): Promise<DatasetRow> {
  const row = await reserveVersion(ctx, plan, staged);
  try {
    if (!staged.single) {
      await ctx.artifacts.put(row.source_key, createReadStream(staged.sourcePath), {
        expectedSize: staged.receipt.storedBytes,
        expectedSha256: staged.receipt.sha256,
      });
    }
    await ctx.artifacts.put(row.data_key, createReadStream(staged.parquetPath), {
      expectedSize: staged.parquetSize,
      expectedSha256: staged.parquetSha256,
    });
    if (!(await ctx.catalog.publish(row.id))) {
      throw new OrchardError('ORCH_DATASET_CONFLICT', { message: 'The dataset version was removed while it was being created' });
    }
    return row;
  } catch (err) {
    await Promise.allSettled([...new Set([row.source_key, row.data_key])].map((key) => ctx.artifacts.delete(key)));
    await ctx.catalog.remove([row.id]).catch(() => undefined);
    throw err;
  }
}

async function reserveVersion(ctx: CreateContext, plan: CreatePlan, staged: Staged): Promise<DatasetRow> {
  for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++) {
    const version = await ctx.catalog.nextVersion(plan.name);
    const row = pendingRow(plan, staged, version);
    try {
      await ctx.catalog.insert(row);
      return row;
    } catch (err) {
      if (!ctx.metadata.isUniqueViolation(err)) throw err;
      // Another create took this number; back off a little so retries spread out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
    }
  }
  throw new OrchardError('ORCH_DATASET_CONFLICT', {
    message: `Too many concurrent creates of dataset '${plan.name}'; try again`,
  });
}

function pendingRow(plan: CreatePlan, staged: Staged, version: number): DatasetRow {
  const prefix = `datasets/${plan.name}/${version}`;
  return {
    id: newId('ds'),
    name: plan.name,
    version,
    status: 'pending',
    format: plan.format,
    has_header: plan.header ? 1 : 0,
    row_count: staged.converted.rowCount,
    size_bytes: staged.receipt.storedBytes,
    sha256: staged.receipt.sha256,
    columns_json: JSON.stringify(staged.converted.columns),
    source_key: staged.single ? `${prefix}/data.parquet` : `${prefix}/source.${plan.format}`,
    data_key: `${prefix}/data.parquet`,
    description: plan.input.description ?? null,
    tags_json: JSON.stringify(plan.input.tags ?? {}),
    created_by: plan.input.createdBy ?? null,
    created_at: new Date().toISOString(),
    deleted_at: null,
  };
}
