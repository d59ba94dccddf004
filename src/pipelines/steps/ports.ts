/**
 * What the work steps need of other capabilities, as narrow ports the platform wires (a
 * capability reaches others only through their services).
 */
import { isOrchardError } from '../../core/index.js';
import type { DatasetService } from '../../data/index.js';
import type { ModelService, PackageService } from '../../registry/index.js';
import type { TrainingService } from '../../training/index.js';

export interface PipelinePorts {
  datasets: Pick<DatasetService, 'createFromQuery' | 'versions'>;
  training: Pick<TrainingService, 'create' | 'describe' | 'stop'>;
  models: Pick<ModelService, 'create' | 'describe'>;
  packages: Pick<PackageService, 'register' | 'versions'>;
}

/** Tags every resource a step creates carries, so it can be found again and traced back. */
export function stepTags(ctx: { execution: { id: string; pipeline: string }; step: string; resource: string }): Record<string, string> {
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
