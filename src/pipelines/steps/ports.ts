/**
 * What the work steps need of other capabilities, as narrow ports the platform wires (a
 * capability reaches others only through their services).
 */
import { isOrchardError } from '../../core/index.js';
import type { DatasetService } from '../../data/index.js';
import type { ForecastService } from '../../forecast/index.js';
import type { JobQueue } from '../../jobs/index.js';
import type { ProcessingService } from '../../processing/index.js';
import type { ModelService, PackageService } from '../../registry/index.js';
import type { EndpointService } from '../../serving/endpoints/index.js';
import type { TransformService } from '../../serving/transform/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import type { TrainingService } from '../../training/index.js';
import type { TuningService } from '../../tuning/index.js';
import type { WebhookService } from '../../webhooks/index.js';
import type { PipelineStore } from '../pipeline-store.js';

export interface PipelinePorts {
  /** `create`: a processing step's artifact output read into a dataset where a later step takes one (`artifact-inputs.ts`). */
  datasets: Pick<DatasetService, 'versions' | 'describe' | 'create'>;
  training: Pick<TrainingService, 'create' | 'describe' | 'stop'>;
  models: Pick<ModelService, 'create' | 'describe'>;
  packages: Pick<PackageService, 'register' | 'versions'>;
  processing: Pick<ProcessingService, 'create' | 'describe' | 'stop'>;
  tuning: Pick<TuningService, 'create' | 'describe' | 'stop'>;
  transforms: Pick<TransformService, 'create' | 'describe' | 'stop'>;
  endpoints: Pick<EndpointService, 'create' | 'describe' | 'update'>;
  forecast: Pick<
    ForecastService,
    'createImport' | 'describeImport' | 'listImports' | 'createPredictor' | 'describePredictor' | 'stopPredictor' | 'createForecast' | 'describeForecast' | 'stopForecast' | 'export'
  >;
  webhooks: Pick<WebhookService, 'deliver' | 'delivery' | 'deliveries'>;
  /** Script steps run as queue jobs on the workers. */
  queue: Pick<JobQueue, 'enqueue' | 'get' | 'cancel'>;
  /** A script's result and log; a forecast import's id once made; the files of a processing step's artifact output. */
  artifacts: Pick<ArtifactStore, 'get' | 'head' | 'put' | 'list' | 'url'>;
  /** The pipeline's own records: a step's definition (its timeout) and row (when it started). */
  pipelines: Pick<PipelineStore, 'version' | 'step'>;
}

/** Tags every resource a step creates carries, so it can be found again and traced back. */
export function stepTags(ctx: { execution: { id: string; pipeline: string }; resource: string }): Record<string, string> {
  return { 'orchard:pipeline': ctx.execution.pipeline, 'orchard:pipeline-execution': ctx.execution.id, 'orchard:pipeline-step': ctx.resource };
}

/**
 * A whole step given where a step is accepted (`{"Get": "Steps.train"}`): its outputs,
 * whichever way the reference carries them.
 */
export function stepOutputs(value: unknown): Record<string, unknown> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  return typeof v.outputs === 'object' && v.outputs !== null ? { ...v, ...(v.outputs as Record<string, unknown>) } : v;
}

/** Null when `err` is the given not-found code (what an idempotent start looks for). */
export async function unlessMissing<T>(p: Promise<T>, code: string): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (isOrchardError(err) && err.code === code) return null;
    throw err;
  }
}

/** The platform folder of what a step keeps beside the resource it made (a script's result, an import's id). */
export const stepKey = (resource: string, file: string) => `jobs/${resource}/pipeline-step/${file}`;

/** A small JSON object from the artifact store, or null when absent. */
export async function readJson<T>(artifacts: Pick<ArtifactStore, 'get' | 'head'>, key: string): Promise<T | null> {
  if (!(await artifacts.head(key))) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await artifacts.get(key)) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

/** Hyperparameters as the services take them: numbers and booleans as text. */
export function asStrings(values: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
