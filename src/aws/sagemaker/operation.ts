import type { Permission, Principal } from '../../auth/index.js';
import type { DatasetService } from '../../data/index.js';
import type { MonitorService } from '../../monitor/index.js';
import type { PipelineService } from '../../pipelines/index.js';
import type { ProcessingService } from '../../processing/index.js';
import type { ModelService, PackageService } from '../../registry/index.js';
import type { EndpointService } from '../../serving/endpoints/index.js';
import type { TransformService } from '../../serving/transform/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import type { TrainingService } from '../../training/index.js';
import type { TuningService } from '../../tuning/index.js';
import type { Fields } from './fields.js';
import type { SageMakerStore } from './sagemaker-store.js';

/** The services operations are translated onto, and the control plane's own store. */
export interface SageMakerDeps {
  training: TrainingService;
  models: ModelService;
  packages: PackageService;
  endpoints: EndpointService;
  transforms: TransformService;
  tuning: TuningService;
  /** Absent: the processing operations answer that processing is not enabled. */
  processing?: ProcessingService;
  /** Absent: the Model Monitor operations answer that it is not enabled. */
  monitor?: MonitorService;
  /** Absent: the pipeline operations answer that pipelines are not enabled. */
  pipelines?: PipelineService;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  store: SageMakerStore;
  /** The bucket `s3://` URIs name (the S3 API's). @default `orchard` */
  bucket?: string;
  /** The account id in ARNs. @default `000000000000` */
  accountId?: string;
}

/** What an operation runs with: the services, the caller, and ARN naming for the request's region. */
export interface OperationContext {
  readonly deps: SageMakerDeps;
  readonly principal: Principal;
  /** From the request's credential scope; `us-east-1` for a Bearer token. */
  readonly region: string;
  readonly bucket: string;
  /** `arn:aws:sagemaker:<region>:<account>:<type>/<name>` (SageMaker lower-cases names in ARNs). */
  arn(type: string, name: string): string;
}

/**
 * One operation of the `SageMaker.<Operation>` target: the permission it needs, how its input
 * is read (every problem reported at once, named as AWS names it), and what it does.
 */
export interface Operation<I = unknown> {
  readonly name: string;
  readonly permission: Permission;
  /** Reads the fields it uses (`body` is the whole request, for what is stored as sent); `fields.done()` is called after it. */
  input(fields: Fields, body: Record<string, unknown>): I;
  run(input: I, ctx: OperationContext): Promise<Record<string, unknown>>;
}

/** Declares an operation (keeps `input`'s type flowing into `run`). */
export function operation<I>(op: Operation<I>): Operation<unknown> {
  return op as Operation<unknown>;
}

/** Epoch seconds, as awsJson1_1 carries timestamps. */
export function epoch(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** `[{Key, Value}]` from a record. */
export function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Pagination as SageMaker lists do it: an opaque `NextToken` (here the offset) and `MaxResults`. */
export function readPage(fields: Fields): { offset: number; limit: number } {
  const limit = fields.num('MaxResults', { integer: true, min: 1, max: 100 }) ?? 10;
  const token = fields.str('NextToken', { max: 8192 });
  let offset = 0;
  if (token !== undefined) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isSafeInteger(decoded) || decoded < 0) fields.fail('NextToken', token, 'Member must be a token returned by a previous call');
    else offset = decoded;
  }
  return { offset, limit };
}

/** The `NextToken` of a page, when more items follow. */
export function nextToken(offset: number, returned: number, total: number): string | undefined {
  const next = offset + returned;
  return next < total ? Buffer.from(String(next), 'utf8').toString('base64url') : undefined;
}
