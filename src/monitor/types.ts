/** The wire shapes of Model Monitor are declared once, in the contracts. */
export type {
  CreateMonitorBaselineInput,
  CreateMonitorScheduleInput,
  MonitorBaseline,
  MonitorBaselineFilter,
  MonitorBaselineStatus,
  MonitorExecution,
  MonitorExecutionFilter,
  MonitorExecutionStatus,
  MonitorFeatureDistribution,
  MonitorModelQualityConfig,
  MonitorSchedule,
  MonitorScheduleFilter,
  MonitorScheduleStatus,
  MonitorScheduleType,
  MonitorViolation,
  RunMonitorScheduleRequest,
} from '../contracts/index.js';

/** `monitor_baselines` (migration 0028); only `MonitorStore` reads or writes it. */
export interface MonitorBaselinesTable {
  name: string;
  dataset: string;
  version: number | string;
  row_count: number | string;
  target: string | null;
  exclude_json: string;
  comparison_threshold: number | string;
  comparison_method: string;
  status: string;
  statistics_key: string | null;
  constraints_key: string | null;
  /** `[{name, inferredType}]` once completed. */
  features_json: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface MonitorSchedulesTable {
  name: string;
  endpoint: string;
  baseline: string | null;
  type: string;
  cron: string;
  status: string;
  model_quality_json: string | null;
  next_run_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface MonitorExecutionsTable {
  name: string;
  schedule: string;
  endpoint: string;
  type: string;
  baseline: string | null;
  trigger: string;
  status: string;
  window_since: string | null;
  window_until: string;
  percent: number | string;
  items: number | string | null;
  violation_count: number | string | null;
  violations_json: string | null;
  distributions_json: string | null;
  metrics_json: string | null;
  statistics_key: string | null;
  violations_key: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface MonitorDatabase {
  monitor_baselines: MonitorBaselinesTable;
  monitor_schedules: MonitorSchedulesTable;
  monitor_executions: MonitorExecutionsTable;
}

/** What a queue job carries: a baseline's or an execution's name. */
export interface MonitorPayload {
  name: string;
}
