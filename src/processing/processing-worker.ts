/**
 * The processing job kinds on the worker loop: `processing` runs one instance's attempt
 * (instance-run.ts), `processing-assemble` registers the outputs (output-assembly.ts);
 * the job-level transitions both make are in job-end.ts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob, JobHandler, JobQueue } from '../jobs/index.js';
import type { MetricsPort } from '../metrics/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { removeOwner } from '../training/index.js';
import { assemble, type AssemblePayload } from './output-assembly.js';
import { recordOutcome, runInstance, type InstancePayload, type Outcome } from './instance-run.js';
import { ProcessingStore } from './processing-store.js';
import { PROCESSING_ASSEMBLE_KIND, PROCESSING_KIND, type ProcessingSpec } from './types.js';

export interface ProcessingWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  /**
   * Parent of the attempts' folders (the training attempts' folder: a starting worker
   * ends the attempts a dead one left running there); traversable by the unprivileged user.
   */
  attemptsDir: string;
  /** Scratch space of the output assembly. */
  workDir: string;
  /** Where each instance's CPU and memory go per minute (job namespace); none recorded without it. */
  metrics?: MetricsPort;
  /** How often an attempt's process group is sampled. @default 5000 */
  metricsSampleMs?: number;
  /** How often its samples are written. @default 60000 */
  metricsFlushMs?: number;
}

/**
 * The processing job kinds for the worker loop: one attempt per instance (a script run in
 * its own folder standing in for `/opt/ml`), and the assembly that registers the outputs
 * once every instance has succeeded.
 */
export async function processingJobHandler(deps: ProcessingWorkerDeps): Promise<JobHandler<InstancePayload | AssemblePayload, Outcome>> {
  await fs.mkdir(deps.attemptsDir, { recursive: true, mode: 0o711 });
  await fs.chmod(deps.attemptsDir, 0o711);
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new ProcessingStore(deps.metadata);
  const roots = new WeakMap<ClaimedJob, string>();
  return {
    kinds: [PROCESSING_KIND, PROCESSING_ASSEMBLE_KIND],
    async cpus(job) {
      if (job.kind === PROCESSING_ASSEMBLE_KIND) return 1;
      const row = await store.row(job.payload.name);
      return (JSON.parse(row.spec_json) as ProcessingSpec).cpus;
    },
    async run(job, ctx) {
      if (job.kind === PROCESSING_ASSEMBLE_KIND) {
        await assemble(deps, store, job as ClaimedJob<AssemblePayload>);
        return { kind: 'settled' };
      }
      const { name, instance } = job.payload as InstancePayload;
      const root = path.join(deps.attemptsDir, `processing-${name}-${instance}-${job.attempt}-${newId('at').slice(3)}`);
      roots.set(job, root);
      return runInstance(deps, store, job as ClaimedJob<InstancePayload>, ctx, root);
    },
    record: (job, outcome, ctx) => recordOutcome(deps, store, job as ClaimedJob<InstancePayload>, outcome, ctx),
    async settled(job) {
      const root = roots.get(job);
      if (!root) return;
      roots.delete(job);
      await removeOwner(root);
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(`${root}-in`, { recursive: true, force: true });
    },
  };
}
