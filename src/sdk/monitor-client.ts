import type {
  CreateMonitorBaselineRequest,
  CreateMonitorScheduleRequest,
  MonitorBaseline,
  MonitorBaselineFilter,
  MonitorExecution,
  MonitorExecutionFilter,
  MonitorSchedule,
  MonitorScheduleFilter,
  RunMonitorScheduleRequest,
} from '../contracts/index.js';
// Run-time values come from the TypeBox-free module: the SDK does not load the schemas.
import { TERMINAL_MONITOR_EXECUTION_STATUSES } from '../contracts/monitor.values.js';
import type { HttpClient } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';
import { JobClient, ResourceClient } from './resource-client.js';

export type { CreateMonitorBaselineRequest, CreateMonitorScheduleRequest, RunMonitorScheduleRequest };

/** Baselines: a job over a dataset version writing `statistics.json` and `constraints.json`. */
export class MonitorBaselinesClient extends JobClient<MonitorBaseline, CreateMonitorBaselineRequest, MonitorBaselineFilter> {
  constructor(http: HttpClient) {
    super(http, 'monitor/baselines', 'monitor-baseline');
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }
}

/** Monitoring schedules over an endpoint's data capture. */
export class MonitorSchedulesClient extends ResourceClient<MonitorSchedule, CreateMonitorScheduleRequest, MonitorScheduleFilter> {
  constructor(http: HttpClient) {
    super(http, 'monitor/schedules');
  }

  /** An execution now, over the capture so far (or `since`/`until`). */
  async run(name: string, request: RunMonitorScheduleRequest = {}): Promise<MonitorExecution> {
    return this.http.request('POST', `${this.pathOf(name)}/run`, { body: request });
  }

  async stop(name: string): Promise<MonitorSchedule> {
    return this.http.request('POST', `${this.pathOf(name)}/stop`);
  }

  async start(name: string): Promise<MonitorSchedule> {
    return this.http.request('POST', `${this.pathOf(name)}/start`);
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_MONITOR_EXECUTION_STATUSES);

/** Executions: Completed, CompletedWithViolations (see `violations`), Failed or Stopped. */
export class MonitorExecutionsClient extends ResourceClient<MonitorExecution, never, MonitorExecutionFilter> {
  constructor(http: HttpClient) {
    super(http, 'monitor/executions');
  }

  async stop(id: string): Promise<MonitorExecution> {
    return this.http.request('POST', `${this.pathOf(id)}/stop`);
  }

  /** Polls until the execution ends; resolves with its final state (check `status`). */
  async waitFor(id: string, options: PollOptions<MonitorExecution> = {}): Promise<MonitorExecution> {
    return pollUntilDone(() => this.describe(id), TERMINAL, options);
  }
}

/**
 * Model Monitor, data quality.
 * @example
 * await orchard.monitor.baselines.create({ name: 'churn-base', dataset: 'churn', target: 'churned' });
 * await orchard.monitor.baselines.waitFor('churn-base');
 * await orchard.monitor.schedules.create({ name: 'churn-hourly', endpoint: 'churn', baseline: 'churn-base' });
 * const run = await orchard.monitor.schedules.run('churn-hourly');
 * const done = await orchard.monitor.executions.waitFor(run.id);
 * for (const v of done.violations) console.log(v.feature_name, v.constraint_check_type, v.description);
 */
export class MonitorClient {
  readonly baselines: MonitorBaselinesClient;
  readonly schedules: MonitorSchedulesClient;
  readonly executions: MonitorExecutionsClient;

  constructor(http: HttpClient) {
    this.baselines = new MonitorBaselinesClient(http);
    this.schedules = new MonitorSchedulesClient(http);
    this.executions = new MonitorExecutionsClient(http);
  }
}
