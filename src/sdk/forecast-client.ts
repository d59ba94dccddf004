import type {
  CreateForecastGroupRequest,
  CreateForecastImportRequest,
  CreateForecastPredictorRequest,
  CreateForecastRequest,
  Forecast,
  ForecastExportRequest,
  ForecastExportResult,
  ForecastFilter,
  ForecastGroup,
  ForecastGroupFilter,
  ForecastImport,
  ForecastImportFilter,
  ForecastPredictor,
  ForecastPredictorFilter,
  ForecastQueryResult,
} from '../contracts/index.js';
// Run-time values come from the TypeBox-free module: the SDK does not load the schemas.
import { TERMINAL_FORECAST_STATUSES } from '../contracts/forecast.values.js';
import { OrchardApiError, type HttpClient } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';
import { ResourceClient } from './resource-client.js';

export type { CreateForecastGroupRequest, CreateForecastImportRequest, CreateForecastPredictorRequest, CreateForecastRequest };

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_FORECAST_STATUSES);

/** Dataset groups: a frequency and a domain, holding imports. */
export class ForecastGroupsClient extends ResourceClient<ForecastGroup, CreateForecastGroupRequest, ForecastGroupFilter> {
  constructor(http: HttpClient) {
    super(http, 'forecast-groups');
  }

  /** Deletes a group and its imports; refused while predictors use it. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }
}

/** Imports of dataset versions into a group, validated and stored by a job on the workers. */
export class ForecastImportsClient extends ResourceClient<ForecastImport, CreateForecastImportRequest, ForecastImportFilter> {
  constructor(http: HttpClient) {
    super(http, 'forecast-imports');
  }

  /**
   * Imports dataset versions into a group. By default answers once the import is Active,
   * and throws the refusal (its code, message and details naming rows and items) when the
   * data are refused; `{ wait: false }` answers at once with the CreatePending import.
   */
  override async create(input: CreateForecastImportRequest, options: { wait?: boolean } & PollOptions<ForecastImport> = {}): Promise<ForecastImport> {
    const { wait = true, ...poll } = options;
    const created: ForecastImport = await this.http.request('POST', this.base, { body: input });
    if (!wait) return created;
    const done = await this.waitFor(created.id, poll);
    if (done.status === 'CreateFailed') {
      const e = done.error;
      throw new OrchardApiError(e?.code ?? 'ORCH_FORECAST_NOT_ACTIVE', e?.message ?? `Import ${done.id} failed: ${done.failureReason ?? 'no reason given'}`, 400, e?.details ?? { id: done.id });
    }
    return done;
  }

  /** Polls until the import is Active or CreateFailed, and returns that state. */
  async waitFor(id: string, options: PollOptions<ForecastImport> = {}): Promise<ForecastImport> {
    return pollUntilDone(() => this.describe(id), TERMINAL, { pollMs: 250, ...options });
  }
}

/** A resource created in the background: it ends Active, CreateFailed or CreateStopped. */
class ForecastJobClient<R extends { status: string }, Create, Filter extends object> extends ResourceClient<R, Create, Filter> {
  async stop(name: string): Promise<R> {
    return this.http.request('POST', `${this.pathOf(name)}/stop`);
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /** Polls until it is Active, CreateFailed or CreateStopped, and returns that state. */
  async waitFor(name: string, options: PollOptions<R> = {}): Promise<R> {
    return pollUntilDone(() => this.describe(name), TERMINAL, options);
  }
}

/**
 * Predictors: backtested models of a group's latest import.
 * @example
 * await orchard.forecast.predictors.create({ name: 'demand', group: 'retail', algorithm: 'auto', horizon: 28 });
 * const p = await orchard.forecast.predictors.waitFor('demand');
 * console.log(p.metrics?.averageWQL, p.metrics?.WAPE);
 */
export class ForecastPredictorsClient extends ForecastJobClient<ForecastPredictor, CreateForecastPredictorRequest, ForecastPredictorFilter> {
  constructor(http: HttpClient) {
    super(http, 'forecast-predictors');
  }

  /** Each item's backtest metrics and chosen model, as CSV text. */
  async itemMetrics(name: string): Promise<string> {
    return (await this.http.open(`${this.pathOf(name)}/item-metrics`)).text();
  }

  /** Writes the per-item metrics CSV to an artifact key. */
  async exportItemMetrics(name: string, to: string): Promise<{ key: string; items: number }> {
    return this.http.request('POST', `${this.pathOf(name)}/item-metrics/export`, { body: { to } });
  }
}

/** Forecasts: every item's forecast as a dataset version; QueryForecast; exports. */
export class ForecastsClient extends ForecastJobClient<Forecast, CreateForecastRequest, ForecastFilter> {
  constructor(http: HttpClient) {
    super(http, 'forecasts');
  }

  /** One item's forecast: `timestamps` and an array per forecast type (`p10`, `p50`, `p90`, `mean`). */
  async query(name: string, item: string): Promise<ForecastQueryResult> {
    return this.http.request('GET', `${this.pathOf(name)}/query`, { query: { item } });
  }

  /** Writes the forecast as CSV or Parquet to an artifact key. */
  async export(name: string, request: ForecastExportRequest): Promise<ForecastExportResult> {
    return this.http.request('POST', `${this.pathOf(name)}/export`, { body: request, long: true });
  }
}

/** Amazon Forecast's workflow: `groups`, `imports`, `predictors`, `forecasts`. */
export class ForecastClient {
  readonly groups: ForecastGroupsClient;
  readonly imports: ForecastImportsClient;
  readonly predictors: ForecastPredictorsClient;
  readonly forecasts: ForecastsClient;

  constructor(http: HttpClient) {
    this.groups = new ForecastGroupsClient(http);
    this.imports = new ForecastImportsClient(http);
    this.predictors = new ForecastPredictorsClient(http);
    this.forecasts = new ForecastsClient(http);
  }
}
