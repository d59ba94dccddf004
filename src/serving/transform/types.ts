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
  features: string[];
  inputColumns: string[];
  batchRows: number;
  tags: Record<string, string>;
}

/** What a shard's child process is given (as a JSON file). */
export interface ShardSpec {
  model: { dir: string; format: 'algorithm' | 'onnx'; algorithm: string | null; recipeFile?: string };
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
