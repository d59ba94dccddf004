/**
 * Dashboards (QuickSight-style): saved charts over SQL on datasets, arranged on a grid,
 * with filters a viewer changes; each chart's rows come from the dataset query sandbox.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MapOf, Nullable, PageQuery, ResourceName, Strict, StringEnum, Timestamp } from './common.contract.js';

/** What a chart draws. `table` lists rows; `kpi` shows one number. */
export const CHART_TYPES = ['line', 'bar', 'area', 'scatter', 'histogram', 'table', 'kpi'] as const;
/** A date range on a column, or a set of a column's values. */
export const FILTER_TYPES = ['date-range', 'values'] as const;
/** The grid is this many columns wide; a chart's `layout` places it in cells. */
export const DASHBOARD_GRID_COLUMNS = 12;
/** Charts and filters one dashboard may hold. */
export const DASHBOARD_LIMITS = { charts: 24, filters: 10, values: 200, bins: 200 } as const;

export const ChartType = StringEnum(CHART_TYPES);
export type ChartType = Static<typeof ChartType>;

/** A dashboard's name: 1–63 alphanumerics, hyphens only between them. */
export const DashboardName = ResourceName(63);
/** A chart's id within its dashboard (same rule as names). */
export const ChartId = ResourceName(63);

/** A column name as the chart's SELECT returns it. */
const Column = Type.String({ minLength: 1, maxLength: 255 });
/** A calendar day, `YYYY-MM-DD`. */
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** Rows whose `column` falls on or between two days (either end may be open). */
export const DateRangeFilter = Strict({
  type: Type.Literal('date-range'),
  column: Column,
  /** Shown beside the control. @default the column */
  label: Type.Optional(Type.String({ maxLength: 120 })),
  /** First day included; absent: open. */
  from: Type.Optional(Day),
  /** Last day included; absent: open. */
  to: Type.Optional(Day),
});
export type DateRangeFilter = Static<typeof DateRangeFilter>;

/** Rows whose `column`, as text, is one of `values` (none: every row). */
export const ValuesFilter = Strict({
  type: Type.Literal('values'),
  column: Column,
  label: Type.Optional(Type.String({ maxLength: 120 })),
  /** The values selected when the dashboard opens; absent or empty: all. */
  values: Type.Optional(Type.Array(Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]), { maxItems: DASHBOARD_LIMITS.values })),
});
export type ValuesFilter = Static<typeof ValuesFilter>;

export const DashboardFilter = Type.Union([DateRangeFilter, ValuesFilter]);
export type DashboardFilter = Static<typeof DashboardFilter>;

/**
 * Which columns a chart draws. line/bar/area/scatter: `x` and one or more `y` (numbers),
 * optionally `series` (a column whose values split one `y` into several lines or bars);
 * histogram: `x` (numbers) and `bins`; kpi: `value` (a number; the first row's) and an
 * optional `label`; table: `columns` (default: all).
 */
export const ChartEncoding = Strict({
  x: Type.Optional(Column),
  /** One column or several; stored as a list. */
  y: Type.Optional(Type.Union([Column, Type.Array(Column, { minItems: 1, maxItems: 8 })])),
  series: Type.Optional(Column),
  /** Histogram bins. @default 20 */
  bins: Type.Optional(Type.Integer({ minimum: 1, maximum: DASHBOARD_LIMITS.bins })),
  value: Type.Optional(Column),
  /** The KPI's caption. @default the column */
  label: Type.Optional(Type.String({ maxLength: 120 })),
  columns: Type.Optional(Type.Array(Column, { minItems: 1, maxItems: 100 })),
});
export type ChartEncoding = Static<typeof ChartEncoding>;

/** A chart's cells on the dashboard's 12-column grid (rows are a fixed height). */
export const ChartLayout = Strict({
  x: Type.Integer({ minimum: 0, maximum: DASHBOARD_GRID_COLUMNS - 1 }),
  y: Type.Integer({ minimum: 0, maximum: 1000 }),
  w: Type.Integer({ minimum: 1, maximum: DASHBOARD_GRID_COLUMNS }),
  h: Type.Integer({ minimum: 1, maximum: 20 }),
});
export type ChartLayout = Static<typeof ChartLayout>;

/** One chart as a definition gives it. */
export const ChartInput = Strict({
  id: ChartId,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  type: ChartType,
  /** One read-only SELECT over datasets by name (the dataset query sandbox checks it). */
  sql: Type.String({ minLength: 1, maxLength: 100_000 }),
  encoding: Type.Optional(ChartEncoding),
  /** @default placed after the charts before it, half the grid wide */
  layout: Type.Optional(ChartLayout),
});
export type ChartInput = Static<typeof ChartInput>;

/** A chart as stored and answered: encoding `y` as a list, layout filled in. */
export const Chart = Type.Object({
  id: Type.String(),
  title: Type.String(),
  type: ChartType,
  sql: Type.String(),
  encoding: Type.Object({
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.Array(Type.String())),
    series: Type.Optional(Type.String()),
    bins: Type.Optional(Type.Integer()),
    value: Type.Optional(Type.String()),
    label: Type.Optional(Type.String()),
    columns: Type.Optional(Type.Array(Type.String())),
  }),
  layout: ChartLayout,
});
export type Chart = Static<typeof Chart>;

/**
 * `POST /dashboards` and `PUT /dashboards/{name}`: the whole definition. The service checks
 * it and lists every problem at once (`details.errors`), so the route takes any object.
 */
export const DashboardRequest = Strict({
  name: DashboardName,
  title: Type.Optional(Type.String({ maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  filters: Type.Optional(Type.Array(DashboardFilter, { maxItems: DASHBOARD_LIMITS.filters })),
  charts: Type.Array(ChartInput, { maxItems: DASHBOARD_LIMITS.charts }),
});
export type DashboardRequest = Static<typeof DashboardRequest>;
export type DashboardInput = DashboardRequest & { createdBy: string };

export const Dashboard = Type.Object({
  name: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  filters: Type.Array(DashboardFilter),
  charts: Type.Array(Chart),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedBy: Nullable(Type.String()),
  updatedAt: Timestamp,
});
export type Dashboard = Static<typeof Dashboard>;

/** `GET /dashboards` filters. */
export const DashboardFilterQuery = Strict({
  /** Names starting with this. */
  prefix: Type.Optional(Type.String({ maxLength: 63 })),
  ...PageQuery,
});
export type DashboardFilterQuery = Static<typeof DashboardFilterQuery>;

/**
 * A viewer's filter selection, keyed by the filter's column: `{from, to}` for a date range,
 * a list for values. A column left out keeps the definition's default; `{}` or `[]` selects all.
 */
export const FilterSelection = MapOf(
  Type.Union([
    Strict({ from: Type.Optional(Nullable(Day)), to: Type.Optional(Nullable(Day)) }),
    Type.Array(Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]), { maxItems: DASHBOARD_LIMITS.values }),
  ]),
);
export type FilterSelection = Static<typeof FilterSelection>;

/** `GET /dashboards/{name}/charts/{id}/data` query. */
export const ChartDataQuery = Strict({
  /** `json` (default) or `csv` (every row, streamed). */
  format: Type.Optional(StringEnum(['json', 'csv'] as const)),
  /** A {@link FilterSelection} as JSON. */
  filters: Type.Optional(Type.String({ maxLength: 20_000 })),
});
export type ChartDataQuery = Static<typeof ChartDataQuery>;

/** A filter as applied to one chart's rows. */
export const AppliedFilter = Type.Object({
  column: Type.String(),
  type: StringEnum(FILTER_TYPES),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  values: Type.Optional(Type.Array(Type.String())),
});
export type AppliedFilter = Static<typeof AppliedFilter>;

/** One chart's rows under the current filters. */
export const ChartData = Type.Object({
  chart: Type.String(),
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(MapOf(Type.Unknown())),
  /** More rows matched than a chart holds (10 000); CSV export has them all. */
  truncated: Type.Boolean(),
  /** Filters that restricted the rows (a selection of "all" restricts nothing). */
  applied: Type.Array(AppliedFilter),
  /** Filter columns this chart's SELECT does not return: they do not apply to it. */
  ignored: Type.Array(Type.String()),
  /** The dataset versions the rows were read from. */
  sources: Type.Array(Type.Object({ name: Type.String(), version: Type.Integer() })),
  /** Answered from the result cache (same SQL, filters and dataset versions). */
  cached: Type.Boolean(),
  computedAt: Timestamp,
});
export type ChartData = Static<typeof ChartData>;

/** `POST /dashboards/chart-preview`: an unsaved chart's rows (the editor's preview). */
export const ChartPreviewRequest = Strict({
  chart: ChartInput,
  filters: Type.Optional(Type.Array(DashboardFilter, { maxItems: DASHBOARD_LIMITS.filters })),
  selection: Type.Optional(FilterSelection),
});
export type ChartPreviewRequest = Static<typeof ChartPreviewRequest>;
