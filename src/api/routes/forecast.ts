import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  CreateForecastGroupRequest,
  CreateForecastImportRequest,
  CreateForecastPredictorRequest,
  CreateForecastRequest,
  ForecastExportRequest,
  ForecastFilter,
  ForecastGroupFilter,
  ForecastImportFilter,
  ForecastImportId,
  ForecastName,
  ForecastPredictorFilter,
  ForecastPredictorMetricsExport,
  ForecastQuery,
} from '../../contracts/index.js';
import type { ForecastService } from '../../forecast/index.js';
import { resourceRoutes } from '../resource-routes.js';

/** Amazon Forecast's workflow: dataset groups, imports, predictors, forecasts, QueryForecast and exports. */
export function forecastRoutes(app: FastifyInstance, forecast: ForecastService): void {
  // Groups and imports shape data (as datasets do); predictors and forecasts run jobs.
  const data = { read: 'datasets:read', write: 'datasets:write' } as const;
  const jobs = { read: 'jobs:read', write: 'jobs:write' } as const;
  resourceRoutes(app, {
    path: 'forecast-groups',
    tag: 'forecast',
    name: ForecastName,
    permissions: data,
    create: { body: CreateForecastGroupRequest, summary: 'Create a dataset group (a frequency and a domain)', run: (input) => forecast.createGroup(input) },
    list: { filter: ForecastGroupFilter, summary: 'List dataset groups by name', run: (filter) => forecast.listGroups(filter) },
    describe: { summary: 'Describe a dataset group', run: (name) => forecast.describeGroup(name) },
    delete: { status: 204, summary: 'Delete a dataset group and its imports (refused while predictors use it)', run: (name) => forecast.deleteGroup(name) },
  });
  resourceRoutes(app, {
    path: 'forecast-imports',
    tag: 'forecast',
    name: ForecastImportId,
    permissions: data,
    create: {
      body: CreateForecastImportRequest,
      status: 202,
      summary: 'Import dataset versions into a group (target, related, metadata): the group, datasets and mapped columns are checked at once, then a job validates the data and stores the series; the import ends Active (the group\'s latest) or CreateFailed with the refusal\'s code and details',
      run: (input) => forecast.createImport(input),
    },
    list: { filter: ForecastImportFilter, summary: 'List imports, newest first', run: (filter) => forecast.listImports(filter) },
    describe: { summary: 'Describe an import: the dataset versions read and what they held', run: (id) => forecast.describeImport(id) },
  });
  resourceRoutes(app, {
    path: 'forecast-predictors',
    tag: 'forecast',
    name: ForecastName,
    permissions: jobs,
    create: { body: CreateForecastPredictorRequest, status: 202, summary: "Train a predictor on the group's latest import, with backtests (shard jobs on the workers)", run: (input) => forecast.createPredictor(input) },
    list: { filter: ForecastPredictorFilter, summary: 'List predictors, newest first', run: (filter) => forecast.listPredictors(filter) },
    describe: { summary: 'Describe a predictor: progress, then its backtest metrics', run: (name) => forecast.describePredictor(name) },
    stop: { summary: 'Stop a predictor being created', run: (name) => forecast.stopPredictor(name) },
    delete: { status: 204, summary: 'Delete a predictor (refused while forecasts use it)', run: (name) => forecast.deletePredictor(name) },
  });
  const params = Type.Object({ name: ForecastName });
  app.get<{ Params: { name: string } }>(
    '/forecast-predictors/:name/item-metrics',
    { config: { permission: 'jobs:read' }, schema: { tags: ['forecast'], summary: "Each item's backtest metrics and chosen model, as CSV", params } },
    async (request, reply) => {
      const { csv } = await forecast.predictorItemMetrics(request.params.name);
      return reply.type('text/csv; charset=utf-8').send(csv);
    },
  );
  app.post<{ Params: { name: string }; Body: ForecastPredictorMetricsExport }>(
    '/forecast-predictors/:name/item-metrics/export',
    { config: { permission: 'artifacts:write' }, schema: { tags: ['forecast'], summary: "Write each item's backtest metrics as CSV to an artifact key", params, body: ForecastPredictorMetricsExport } },
    async (request) => {
      const { items, key } = await forecast.predictorItemMetrics(request.params.name, request.body.to);
      return { key, items };
    },
  );
  resourceRoutes(app, {
    path: 'forecasts',
    tag: 'forecast',
    name: ForecastName,
    permissions: jobs,
    create: { body: CreateForecastRequest, status: 202, summary: "Forecast every item with a predictor, written as a dataset version (item_id, timestamp, one column per forecast type)", run: (input) => forecast.createForecast(input) },
    list: { filter: ForecastFilter, summary: 'List forecasts, newest first', run: (filter) => forecast.listForecasts(filter) },
    describe: { summary: 'Describe a forecast', run: (name) => forecast.describeForecast(name) },
    stop: { summary: 'Stop a forecast being created', run: (name) => forecast.stopForecast(name) },
    delete: { status: 204, summary: 'Delete a forecast (its dataset version stays)', run: (name) => forecast.deleteForecast(name) },
  });
  app.get<{ Params: { name: string }; Querystring: ForecastQuery }>(
    '/forecasts/:name/query',
    { config: { permission: 'datasets:read' }, schema: { tags: ['forecast'], summary: "QueryForecast: one item's forecast, an array per forecast type", params, querystring: ForecastQuery } },
    async (request) => forecast.query(request.params.name, request.query.item),
  );
  app.post<{ Params: { name: string }; Body: ForecastExportRequest }>(
    '/forecasts/:name/export',
    { config: { permission: 'artifacts:write' }, schema: { tags: ['forecast'], summary: 'Export a forecast to CSV or Parquet at an artifact key', params, body: ForecastExportRequest } },
    async (request) => forecast.export(request.params.name, request.body.format, request.body.to),
  );
}
