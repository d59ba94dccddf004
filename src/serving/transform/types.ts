/** SageMaker's TransformJobStatus. */
export type TransformJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

/** What a user asks for (SageMaker CreateTransformJob, with datasets in place of S3 paths). */
export interface CreateTransformJobInput {
  /** @default generated from the model name and the time */
  name?: string;
  model: string;
  /** Input dataset (`name` or `name@3`). */
  input: string;
  /** Name of the output dataset (a new version of it is written). */
  output: string;
  /** `Line` (one record per row) is what datasets hold. @default 'Line' */
  splitType?: 'Line' | 'None';
  /** `MultiRecord` predicts mini-batches of up to maxPayloadMb; `SingleRecord` one row per call. @default 'MultiRecord' */
  batchStrategy?: 'MultiRecord' | 'SingleRecord';
  /** @default 6 */
  maxPayloadMb?: number;
  /** `Input` writes the input columns next to the predictions. @default 'None' */
  joinSource?: 'Input' | 'None';
  /**
   * Which input columns are features, as SageMaker's InputFilter on CSV: `$[1:]` drops
   * the first (a label), `$[0,2,5]` picks columns. @default all columns
   */
  inputFilter?: string;
  /** Rows per shard (a unit of parallel work and of retry). @default 100000 */
  shardRows?: number;
  tags?: Record<string, string>;
  createdBy?: string;
}

export interface TransformJob {
  name: string;
  status: TransformJobStatus;
  failureReason: string | null;
  model: string;
  input: { dataset: string; version: number; rows: number };
  output: { dataset: string; version: number | null };
  splitType: 'Line' | 'None';
  batchStrategy: 'MultiRecord' | 'SingleRecord';
  maxPayloadMb: number;
  joinSource: 'Input' | 'None';
  inputFilter: string | null;
  /** Feature columns the filter chose. */
  features: string[];
  /** Shards in all, done, and attempts started (more attempts than shards means retries). */
  shards: { total: number; completed: number; attempts: number };
  rowsProcessed: number;
  tags: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
}

/** What the job row's spec_json holds. */
export interface TransformSpec {
  model: string;
  input: { dataset: string; version: number; rows: number };
  output: string;
  splitType: 'Line' | 'None';
  batchStrategy: 'MultiRecord' | 'SingleRecord';
  maxPayloadMb: number;
  joinSource: 'Input' | 'None';
  inputFilter: string | null;
  features: string[];
  inputColumns: string[];
  batchRows: number;
  tags: Record<string, string>;
}

/** What a shard's child process is given (as a JSON file). */
export interface ShardSpec {
  model: { dir: string; format: 'algorithm' | 'onnx'; algorithm: string | null };
  input: string;
  rowStart: number;
  rowCount: number;
  output: string;
  features: string[];
  inputColumns: string[];
  joinSource: 'Input' | 'None';
  batchRows: number;
  tempDir: string;
}

/** Exit code of a shard whose rows the model cannot use: retrying would not help. */
export const DATA_ERROR_EXIT = 3;
