import { OrchardError, errorOfProblems, isOrchardError, type RequestProblem } from '../core/index.js';
import type { AppliedFilter, Chart, ChartData, Dashboard, DashboardFilter, DashboardFilterQuery } from '../contracts/dashboard.contract.js';
import type { DatasetService, QueryResult, QuerySource } from '../data/index.js';
import type { MetadataStore } from '../storage/index.js';
import { csvLine, csvLines } from './csv.js';
import { DashboardStore } from './dashboard-store.js';
import { checkDefinition, checkPreview, type CheckedChart, type Definition } from './definition.js';
import { filteredSql, histogramSql, isNumericType, resolveSelection, restricts, schemaSql } from './filters.js';
import { ResultCache, cacheKey, type ResultCacheOptions } from './result-cache.js';

/** Rows one chart holds; a larger result is cut (and says so), CSV export has every row. */
export const MAX_CHART_ROWS = 10_000;
/** Rows per page when a CSV export reads past the first page. */
const EXPORT_PAGE = 10_000;
/** Charts whose SQL is checked at once when a definition is saved. */
const CHECK_PARALLEL = 4;

export interface DashboardServiceDeps {
  metadata: MetadataStore;
  /** The dataset service's sandbox runs every chart's SQL. */
  datasets: Pick<DatasetService, 'query' | 'sources'>;
  /** Bounds of the in-memory result cache. */
  cache?: ResultCacheOptions;
}

type Columns = QueryResult['columns'];
interface Rows {
  columns: Columns;
  rows: QueryResult['rows'];
  truncated: boolean;
  computedAt: string;
}

/** One chart's query as it runs under the current filters. */
interface Plan {
  chart: Chart;
  sql: string;
  sources: QuerySource[];
  applied: AppliedFilter[];
  /** Filter columns the chart does not return; null: read them off the result's columns. */
  ignored: string[] | null;
  /** The dashboard's filter columns. */
  filterColumns: string[];
  key: string;
}

/**
 * Dashboards (QuickSight's analyses): saved charts over SQL on datasets, with filters.
 * Definitions live in the `dashboards` table; every chart's SQL runs in the dataset query
 * sandbox, with filters wrapped around it. Results are cached in memory under the SQL as
 * run and the dataset versions it read, so a new version of a dataset makes the next view
 * run the chart again while repeated views cost one catalog lookup.
 */
export class DashboardService {
  private readonly store: DashboardStore;
  private readonly datasets: DashboardServiceDeps['datasets'];
  private readonly results: ResultCache<Rows>;
  private readonly schemas = new ResultCache<Columns>({ maxEntries: 1000, maxBytes: 4 * 1024 * 1024 });

  constructor(deps: DashboardServiceDeps) {
    this.store = new DashboardStore(deps.metadata);
    this.datasets = deps.datasets;
    this.results = new ResultCache<Rows>(deps.cache);
  }

  /** Checks the definition (shape, every chart's SQL and columns) and stores it. */
  async create(input: unknown, createdBy: string | null): Promise<Dashboard> {
    return this.store.insert(await this.check(input), createdBy);
  }

  /** Replaces a dashboard's definition; the name in the body, if given, must be `name`. */
  async update(name: string, input: unknown, updatedBy: string | null): Promise<Dashboard> {
    await this.store.get(name);
    const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...(input as object) } : input;
    if (body && typeof body === 'object') {
      const given = (body as { name?: unknown }).name;
      if (given !== undefined && given !== name) {
        throw errorOfProblems([{ field: 'name', code: 'ORCH_DASHBOARD_INVALID', message: `name: the definition names '${String(given).slice(0, 63)}', not '${name}' (a dashboard cannot be renamed)` }]);
      }
      (body as { name?: unknown }).name = name;
    }
    return this.store.replace(await this.check(body), updatedBy);
  }

  async list(filter: DashboardFilterQuery = {}): Promise<{ items: Dashboard[]; total: number }> {
    const limit = filter.limit ?? 100;
    const offset = filter.offset ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new OrchardError('ORCH_DASHBOARD_INVALID', { message: 'limit must be 1 to 1000 and offset a non-negative integer' });
    }
    return this.store.list({ prefix: filter.prefix, limit, offset });
  }

  describe(name: string): Promise<Dashboard> {
    return this.store.get(name);
  }

  delete(name: string): Promise<void> {
    return this.store.delete(name);
  }

  /** One chart's rows under the dashboard's filters, with the viewer's `selection` (see `FilterSelection`). */
  async chartData(name: string, chartId: string, selection?: unknown): Promise<ChartData> {
    const dashboard = await this.store.get(name);
    return this.run(await this.plan(chartOf(dashboard, chartId), dashboard.filters, selection));
  }

  /** An unsaved chart's rows (the editor's preview): its shape checked as a save would. */
  async preview(request: unknown): Promise<ChartData> {
    const body = (typeof request === 'object' && request !== null ? request : {}) as { chart?: unknown; filters?: unknown; selection?: unknown };
    const checked = checkPreview(body.chart, body.filters);
    const problems = checked.problems.map((p) => ({ ...p, field: p.field.replace(/^charts\[0\]/, 'chart'), message: p.message.replace(/^charts\[0\]/, 'chart') }));
    if (!checked.chart || problems.length) throw errorOfProblems(problems);
    return this.run(await this.plan(checked.chart, checked.filters ?? [], body.selection));
  }

  /**
   * A chart's rows as CSV (every row, not only the first 10 000), produced as it is read:
   * the cached result when it is whole, otherwise page after page from the sandbox.
   */
  async chartCsv(name: string, chartId: string, selection?: unknown): Promise<{ filename: string; lines: AsyncIterable<string> }> {
    const dashboard = await this.store.get(name);
    const plan = await this.plan(chartOf(dashboard, chartId), dashboard.filters, selection);
    const first = await this.rows(plan);
    const datasets = this.datasets;
    async function* lines(): AsyncGenerator<string> {
      const columns = first.value.columns.map((c) => c.name);
      yield* csvLines(columns, first.value.rows);
      if (!first.value.truncated) return;
      let page = await datasets.query(plan.sql, { pageSize: EXPORT_PAGE });
      // The first page is the rows already written; read on from the second.
      for (let token = page.nextPageToken; token; token = page.nextPageToken) {
        page = await datasets.query(plan.sql, { pageSize: EXPORT_PAGE, pageToken: token });
        for (const row of page.rows) yield csvLine(columns.map((c) => row[c]));
      }
    }
    return { filename: `${dashboard.name}-${plan.chart.id}.csv`, lines: lines() };
  }

  /** Results held in memory (for tests and the bench). */
  get cacheSize(): number {
    return this.results.size;
  }

  /** Shape, then every chart's SQL in the sandbox and its encoding against the columns it returns. */
  private async check(input: unknown): Promise<Definition> {
    const { definition, problems, charts } = checkDefinition(input);
    const sqlProblems: RequestProblem[] = [];
    for (let i = 0; i < charts.length; i += CHECK_PARALLEL) {
      const batch = await Promise.all(charts.slice(i, i + CHECK_PARALLEL).map((c) => this.checkChartSql(c)));
      sqlProblems.push(...batch.flat());
    }
    const all = [...problems, ...sqlProblems];
    if (all.length || !definition) throw errorOfProblems(all);
    return definition;
  }

  /** A chart's SQL problems (with the sandbox's codes) and encoding columns its result lacks. */
  private async checkChartSql(chart: CheckedChart): Promise<RequestProblem[]> {
    const field = `charts[${chart.index}]`;
    let columns: Columns;
    try {
      columns = await this.columnsOf(chart.sql, await this.datasets.sources(chart.sql));
    } catch (err) {
      if (!isOrchardError(err) || err.status >= 500) throw err;
      return [{ field: `${field}.sql`, code: err.code, message: `${field}.sql: ${err.message}` }];
    }
    const problems: RequestProblem[] = [];
    const names = columns.map((c) => c.name);
    const need = (key: string, column: string, numeric: boolean) => {
      const found = columns.find((c) => c.name === column);
      if (!found) problems.push({ field: `${field}.encoding.${key}`, code: 'ORCH_DASHBOARD_INVALID', message: `${field}.encoding.${key}: the SELECT returns no column '${column}' (it returns ${names.join(', ')})` });
      else if (numeric && !isNumericType(found.type)) problems.push({ field: `${field}.encoding.${key}`, code: 'ORCH_DASHBOARD_INVALID', message: `${field}.encoding.${key}: '${column}' is ${found.type}; a ${chart.type} chart needs a number there` });
    };
    const e = chart.encoding;
    if (e.x !== undefined) need('x', e.x, chart.type === 'scatter' || chart.type === 'histogram');
    e.y?.forEach((y) => need('y', y, true));
    if (e.series !== undefined) need('series', e.series, false);
    if (e.value !== undefined) need('value', e.value, true);
    e.columns?.forEach((c) => need('columns', c, false));
    return problems;
  }

  /** The columns a SELECT returns, cached like results (same SQL, same versions). */
  private async columnsOf(sql: string, sources: QuerySource[]): Promise<Columns> {
    const text = schemaSql(sql);
    const key = cacheKey({ sql: text, sources, maxRows: 0 });
    const { value } = await this.schemas.get(key, async () => (await this.datasets.query(text, { pageSize: 1 })).columns, (c) => JSON.stringify(c).length);
    return value;
  }

  /** Resolves the filters in force and the dataset versions, and builds the SQL to run. */
  private async plan(chart: Chart, filters: readonly DashboardFilter[], selection: unknown): Promise<Plan> {
    const resolved = resolveSelection(filters, selection);
    const sources = await this.datasets.sources(chart.sql);
    const filterColumns = resolved.map((f) => f.column);
    // The chart's columns decide which filters apply. When none restricts anything, the
    // SELECT runs as it is and its result tells them (a histogram's result is its bins,
    // so it asks the SELECT's columns first).
    const needColumns = resolved.some(restricts) || (chart.type === 'histogram' && resolved.length > 0);
    const columns = needColumns ? await this.columnsOf(chart.sql, sources) : null;
    const returned = new Set((columns ?? []).map((c) => c.name));
    const applied = columns ? resolved.filter((f) => returned.has(f.column) && restricts(f)) : [];
    const ignored = columns ? filterColumns.filter((c) => !returned.has(c)) : null;
    let sql = filteredSql(chart.sql, applied, columns ?? []);
    if (chart.type === 'histogram') sql = histogramSql(sql, chart.encoding.x!, chart.encoding.bins ?? 20);
    return { chart, sql, sources, applied, ignored, filterColumns, key: cacheKey({ sql, sources, maxRows: MAX_CHART_ROWS }) };
  }

  private rows(plan: Plan): Promise<{ value: Rows; cached: boolean }> {
    return this.results.get(
      plan.key,
      async () => {
        const page = await this.datasets.query(plan.sql, { pageSize: MAX_CHART_ROWS });
        return { columns: page.columns, rows: page.rows, truncated: page.nextPageToken !== null, computedAt: new Date().toISOString() };
      },
      (r) => JSON.stringify(r.rows).length + 256,
    );
  }

  private async run(plan: Plan): Promise<ChartData> {
    const { value, cached } = await this.rows(plan);
    return {
      chart: plan.chart.id,
      columns: value.columns,
      rows: value.rows,
      truncated: value.truncated,
      applied: plan.applied,
      ignored: plan.ignored ?? plan.filterColumns.filter((c) => !value.columns.some((col) => col.name === c)),
      sources: plan.sources.map((s) => ({ name: s.name, version: s.version })),
      cached,
      computedAt: value.computedAt,
    };
  }
}

function chartOf(dashboard: Dashboard, id: string): Chart {
  const chart = dashboard.charts.find((c) => c.id === id);
  if (!chart) {
    throw new OrchardError('ORCH_DASHBOARD_CHART_NOT_FOUND', {
      message: `Dashboard '${dashboard.name}' has no chart '${id.slice(0, 63)}' (its charts: ${dashboard.charts.map((c) => c.id).join(', ') || 'none'})`,
      details: { dashboard: dashboard.name, chart: id.slice(0, 63) },
    });
  }
  return chart;
}
