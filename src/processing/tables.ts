import type { Kysely } from 'kysely';
import type { Database, MetadataStore } from '../storage/index.js';

/** A processing job (migration 0013). */
export interface ProcessingJobsTable {
  name: string;
  /** InProgress | Completed | Failed | Stopping | Stopped */
  status: string;
  /** JSON: {@link ProcessingSpec}. */
  spec_json: string;
  instance_count: number;
  /** JSON: output name -> `dataset@version` or the artifact prefix, once the job completed. */
  outputs_json: string;
  /** JSON: metric -> last value. */
  final_metrics_json: string;
  failure_reason: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

/** One instance of a job (a queue job of its own); `instance` counts from 0, its host is `algo-<instance + 1>`. */
export interface ProcessingInstancesTable {
  job_name: string;
  instance: number;
  /** Pending | InProgress | Completed | Failed | Stopped */
  status: string;
  attempts: number;
  failed_attempts: number;
  failure_reason: string | null;
  updated_at: string;
}

export interface ProcessingJobLogsTable {
  job_name: string;
  seq: number | string;
  instance: number;
  attempt: number;
  line: string;
  created_at: string;
}

export interface ProcessingJobMetricsTable {
  job_name: string;
  seq: number | string;
  instance: number;
  name: string;
  value: number;
  step: number | string | null;
  created_at: string;
}

/** The tables of this capability; only its store reads or writes them. */
export interface ProcessingTables {
  processing_jobs: ProcessingJobsTable;
  processing_instances: ProcessingInstancesTable;
  processing_job_logs: ProcessingJobLogsTable;
  processing_job_metrics: ProcessingJobMetricsTable;
}

/** The metadata database typed with this capability's tables (declared here, beside the code that owns them). */
export function processingDb(metadata: MetadataStore): Kysely<Database & ProcessingTables> {
  return metadata.db as unknown as Kysely<Database & ProcessingTables>;
}
