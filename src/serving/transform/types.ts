/** The wire shapes of transform jobs are declared once, in the contracts. */
export type { CreateTransformJobInput, TransformJob, TransformJobStatus } from '../../contracts/index.js';

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
  /** Which columns of the written row the output keeps (SageMaker's OutputFilter); absent in jobs made before it existed. */
  outputFilter?: string | null;
  features: string[];
  inputColumns: string[];
  batchRows: number;
  tags: Record<string, string>;
  /** `application/x-image`: each row names an image in `source-ref` (see `image-input.ts`). */
  contentType?: string;
  /** Image jobs, once assembled: rows whose image gave no prediction. */
  failedRecords?: number;
}

/** What a shard's child process is given (as a JSON file). */
export interface ShardSpec {
  /** `threads`: the cores the shard was given, which its model may predict on. */
  model: { dir: string; format: 'algorithm' | 'onnx'; algorithm: string | null; recipeFile?: string; threads?: number };
  input: string;
  rowStart: number;
  rowCount: number;
  output: string;
  features: string[];
  inputColumns: string[];
  joinSource: 'Input' | 'None';
  /** The output filter, applied to the written row once the prediction columns are known. */
  outputFilter?: string | null;
  batchRows: number;
  tempDir: string;
  /** Image jobs: the shard's images, `<dir>/<i>` for the shard's i-th row (absent when not stored), and their keys. */
  images?: { dir: string; refs: string[] };
}

/** Exit code of a shard whose rows the model cannot use: retrying would not help. */
export const DATA_ERROR_EXIT = 3;
