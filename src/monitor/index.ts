/**
 * Model Monitor, data quality (SageMaker Model Monitor's DataQuality): baselines over
 * datasets (`statistics.json`, `constraints.json`), monitoring schedules over an
 * endpoint's data capture, executions with `constraint_violations.json`. Other
 * capabilities import only from here.
 */
export { MonitorService, MONITOR_BASELINE_KIND, MONITOR_EXECUTION_KIND, baselineJobId, executionJobId } from './service.js';
export type { MonitorDeps, MonitorEndpointPort } from './service.js';
export { MonitorScheduler } from './scheduler.js';
export type { MonitorSchedulerOptions } from './scheduler.js';
export { monitorJobHandler } from './worker.js';
export type { ModelQualityRunner, MonitorWorkerDeps } from './worker.js';
export type { Constraints, Violation } from './constraints.js';
export type { Statistics } from './statistics.js';
export type {
  CreateMonitorBaselineInput,
  CreateMonitorScheduleInput,
  MonitorBaseline,
  MonitorExecution,
  MonitorSchedule,
} from './types.js';
