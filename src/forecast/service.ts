import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { ForecastsService } from './forecast-service.js';
import { GroupService } from './group-service.js';
import { ImportService } from './import-service.js';
import { enqueueForecastJob, jobIdOf } from './jobs.js';
import type { ExportFormat } from './outputs.js';
import { PredictorService } from './predictor-service.js';
import { ForecastStore } from './store.js';
import type {
  CreateForecastGroupInput,
  CreateForecastImportInput,
  CreateForecastInput,
  CreateForecastPredictorInput,
  Forecast,
  ForecastFilter,
  ForecastGroup,
  ForecastGroupFilter,
  ForecastImport,
  ForecastImportFilter,
  ForecastPredictor,
  ForecastPredictorFilter,
} from './types.js';

export { FORECAST_KIND } from './jobs.js';

export interface ForecastDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'describe' | 'localParquet' | 'versions'>;
  /** Scratch space of imports, queries and exports. */
  workDir: string;
}

/**
 * Amazon Forecast's workflow over Orchard datasets: dataset groups, imports (validated,
 * stored as series blocks), predictors trained by shard jobs on the worker loop and
 * assembled into backtest metrics, and forecasts written as dataset versions. One facade
 * over a service per resource (`group-service.ts`, `import-service.ts`,
 * `predictor-service.ts`, `forecast-service.ts`), which share the store.
 */
export class ForecastService {
  readonly store: ForecastStore;
  private readonly groups: GroupService;
  private readonly imports: ImportService;
  private readonly predictors: PredictorService;
  private readonly forecasts: ForecastsService;

  constructor(private readonly deps: ForecastDeps) {
    this.store = new ForecastStore(deps.metadata);
    this.groups = new GroupService(deps, this.store);
    this.imports = new ImportService(deps, this.store);
    this.predictors = new PredictorService(deps, this.store);
    this.forecasts = new ForecastsService(deps, this.store);
  }

  readonly importStatusChanges: StatusChanges = (since, limit, after) => this.store.importStatusChanges(since, limit, after);
  readonly predictorStatusChanges: StatusChanges = (since, limit, after) => this.store.predictorStatusChanges(since, limit, after);
  readonly forecastStatusChanges: StatusChanges = (since, limit, after) => this.store.forecastStatusChanges(since, limit, after);

  createGroup = (input: CreateForecastGroupInput): Promise<ForecastGroup> => this.groups.create(input);
  describeGroup = (name: string): Promise<ForecastGroup> => this.groups.describe(name);
  listGroups = (filter: ForecastGroupFilter = {}): Promise<{ items: ForecastGroup[]; total: number }> => this.groups.list(filter);
  deleteGroup = (name: string): Promise<void> => this.groups.delete(name);

  createImport = (input: CreateForecastImportInput): Promise<ForecastImport> => this.imports.create(input);
  describeImport = (id: string): Promise<ForecastImport> => this.imports.describe(id);
  listImports = (filter: ForecastImportFilter = {}): Promise<{ items: ForecastImport[]; total: number }> => this.imports.list(filter);

  createPredictor = (input: CreateForecastPredictorInput): Promise<ForecastPredictor> => this.predictors.create(input);
  describePredictor = (name: string): Promise<ForecastPredictor> => this.predictors.describe(name);
  listPredictors = (filter: ForecastPredictorFilter = {}): Promise<{ items: ForecastPredictor[]; total: number }> => this.predictors.list(filter);
  stopPredictor = (name: string): Promise<ForecastPredictor> => this.predictors.stop(name);
  deletePredictor = (name: string): Promise<void> => this.predictors.delete(name);
  /** Per-item backtest metrics of an Active predictor, as CSV (item, choice, metrics); written to `to` when given. */
  predictorItemMetrics = (name: string, to?: string): Promise<{ csv: string; items: number; key?: string }> => this.predictors.itemMetrics(name, to);

  createForecast = (input: CreateForecastInput): Promise<Forecast> => this.forecasts.create(input);
  describeForecast = (name: string): Promise<Forecast> => this.forecasts.describe(name);
  listForecasts = (filter: ForecastFilter = {}): Promise<{ items: Forecast[]; total: number }> => this.forecasts.list(filter);
  stopForecast = (name: string): Promise<Forecast> => this.forecasts.stop(name);
  deleteForecast = (name: string): Promise<void> => this.forecasts.delete(name);
  /** QueryForecast: one item's forecast, one array per forecast type. */
  query = (name: string, item: string): Promise<Record<string, unknown>> => this.forecasts.query(name, item);
  /** Writes the forecast as CSV or Parquet to an artifact key. */
  export = (name: string, format: ExportFormat, to: string): Promise<{ key: string; format: string; rows: number; bytes: number }> => this.forecasts.export(name, format, to);

  /** Enqueues again, under the same ids, the work the metadata says is unfinished and the queue no longer has. */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const job of [...(await this.imports.unfinishedJobs()), ...(await this.predictors.unfinishedJobs()), ...(await this.forecasts.unfinishedJobs())]) {
      if (await this.deps.queue.get(jobIdOf(job))) continue;
      await enqueueForecastJob(this.deps.queue, job);
      requeued++;
    }
    return requeued;
  }
}
