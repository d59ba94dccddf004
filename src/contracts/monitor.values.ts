/**
 * Plain values of Model Monitor (data quality), with no schema library behind them: the
 * CLI and the studio read these at run time without loading TypeBox.
 */

/** What a schedule monitors. @default 'data-quality' */
export const MONITOR_SCHEDULE_TYPES = ['data-quality', 'model-quality'] as const;

/** A baseline runs as a job: SageMaker's job statuses. */
export const MONITOR_BASELINE_STATUSES = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] as const;

/** SageMaker's MonitoringExecutionStatus values Orchard uses. */
export const MONITOR_EXECUTION_STATUSES = ['InProgress', 'Completed', 'CompletedWithViolations', 'Failed', 'Stopped'] as const;
export const TERMINAL_MONITOR_EXECUTION_STATUSES: readonly (typeof MONITOR_EXECUTION_STATUSES)[number][] = ['Completed', 'CompletedWithViolations', 'Failed', 'Stopped'];

/** A schedule's own status (SageMaker's MonitoringScheduleStatus, without Pending). */
export const MONITOR_SCHEDULE_STATUSES = ['Scheduled', 'Stopped'] as const;

/** SageMaker's constraint_check_type values. */
export const MONITOR_CHECK_TYPES = ['data_type_check', 'completeness_check', 'baseline_drift_check', 'missing_column_check', 'extra_column_check', 'categorical_values_check'] as const;

export const MONITOR_COMPARISON_METHODS = ['Robust', 'Simple'] as const;

/** How an execution was started. */
export const MONITOR_EXECUTION_TRIGGERS = ['schedule', 'manual'] as const;

/** @default hourly, at minute 0 (SageMaker's `cron(0 * ? * * *)`) */
export const MONITOR_DEFAULT_CRON = '0 * * * *';
