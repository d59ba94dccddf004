/** The wire shapes of data-quality reports are declared once, in the contracts. */
export type {
  CreateDataQualityReportInput,
  DataQualityColumn,
  DataQualityColumnKind,
  DataQualityContent,
  DataQualityFeatureImportance,
  DataQualityProblemType,
  DataQualityReport,
  DataQualityReportFilter,
  DataQualityStatus,
  DataQualityTarget,
  DataQualityWarning,
} from '../contracts/index.js';

/** The `data_quality_reports` table (migration 0017); only `DataQualityStore` reads or writes it. */
export interface DataQualityReportsTable {
  /** The report's id. */
  name: string;
  dataset: string;
  version: number | string;
  dataset_id: string;
  row_count: number | string;
  target: string | null;
  /** The resolved problem type (`auto` without a target). */
  problem_type: string;
  status: string;
  stage: string | null;
  percent: number | string;
  /** `{high, medium, low}` once done. */
  warnings_json: string | null;
  /** The report (`DataQualityContent`) once done. */
  report_json: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface DataQualityDatabase {
  data_quality_reports: DataQualityReportsTable;
}

/** What the queue job carries. */
export interface DataQualityPayload {
  id: string;
}
