import type { RequestProblem } from '../core/index.js';
import { CHART_TYPES, DASHBOARD_GRID_COLUMNS, DASHBOARD_LIMITS, FILTER_TYPES, type Chart, type ChartLayout, type ChartType, type DashboardFilter } from '../contracts/dashboard.contract.js';
import { NAME_PATTERN } from '../contracts/values.js';

/** A definition after checking: titles filled in, `y` as a list, every chart placed. */
export interface Definition {
  name: string;
  title: string;
  description: string | null;
  filters: DashboardFilter[];
  charts: Chart[];
}

/** Layout of a chart the definition does not place: half the grid wide, four rows high. */
const DEFAULT_SIZE = { w: 6, h: 4 } as const;
const NAME = new RegExp(NAME_PATTERN);
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Which encoding keys each chart type reads, and which of them it needs. */
const ENCODINGS: Record<ChartType, { allowed: readonly string[]; required: readonly string[] }> = {
  line: { allowed: ['x', 'y', 'series'], required: ['x', 'y'] },
  bar: { allowed: ['x', 'y', 'series'], required: ['x', 'y'] },
  area: { allowed: ['x', 'y', 'series'], required: ['x', 'y'] },
  scatter: { allowed: ['x', 'y', 'series'], required: ['x', 'y'] },
  histogram: { allowed: ['x', 'bins'], required: ['x'] },
  kpi: { allowed: ['value', 'label'], required: ['value'] },
  table: { allowed: ['columns'], required: [] },
};
const ENCODING_KEYS = ['x', 'y', 'series', 'bins', 'value', 'label', 'columns'];
const DEFAULT_BINS = 20;
/** Names the studio's routes use under /dashboards/. */
const RESERVED_NAMES = new Set(['new']);

type Json = Record<string, unknown>;

/** Collects the problems of one definition, each with its field path. */
class Problems {
  readonly list: RequestProblem[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, code: 'ORCH_DASHBOARD_INVALID', message: `${field}: ${message}` });
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(obj: Json, allowed: readonly string[], field: string, problems: Problems): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) problems.add(field ? `${field}.${key}` : key, `unknown field (expected ${allowed.join(', ')})`);
  }
}

function text(value: unknown, field: string, problems: Problems, opts: { max: number; required?: boolean; min?: number }): string | undefined {
  if (value === undefined || value === null) {
    if (opts.required) problems.add(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(field, 'must be a string');
    return undefined;
  }
  if (value.length < (opts.min ?? 0) || value.length > opts.max) {
    problems.add(field, opts.min ? `must be ${opts.min} to ${opts.max} characters` : `must be at most ${opts.max} characters`);
    return undefined;
  }
  return value;
}

function resourceName(value: unknown, field: string, problems: Problems): string | undefined {
  const name = text(value, field, problems, { max: 63, required: true });
  if (name !== undefined && !NAME.test(name)) {
    problems.add(field, `'${name.slice(0, 63)}' must be 1-63 letters and digits, hyphens only between them`);
    return undefined;
  }
  return name;
}

/** Whether `s` is `YYYY-MM-DD` naming a real day. */
export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function day(value: unknown, field: string, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !isDay(value)) {
    problems.add(field, 'must be a day written YYYY-MM-DD');
    return undefined;
  }
  return value;
}

function filterOf(raw: unknown, field: string, problems: Problems): DashboardFilter | undefined {
  if (!isObject(raw)) {
    problems.add(field, 'must be an object with type and column');
    return undefined;
  }
  const type = raw.type;
  if (!FILTER_TYPES.includes(type as (typeof FILTER_TYPES)[number])) {
    problems.add(`${field}.type`, `must be one of ${FILTER_TYPES.join(', ')}`);
    return undefined;
  }
  const column = text(raw.column, `${field}.column`, problems, { max: 255, min: 1, required: true });
  const label = text(raw.label, `${field}.label`, problems, { max: 120 });
  if (type === 'date-range') {
    unknownKeys(raw, ['type', 'column', 'label', 'from', 'to'], field, problems);
    const from = day(raw.from, `${field}.from`, problems);
    const to = day(raw.to, `${field}.to`, problems);
    if (from && to && from > to) problems.add(`${field}.to`, `${to} is before ${from}`);
    if (column === undefined) return undefined;
    return { type, column, ...(label ? { label } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
  unknownKeys(raw, ['type', 'column', 'label', 'values'], field, problems);
  let values: (string | number | boolean)[] | undefined;
  if (raw.values !== undefined) {
    if (!Array.isArray(raw.values) || raw.values.length > DASHBOARD_LIMITS.values) {
      problems.add(`${field}.values`, `must be a list of at most ${DASHBOARD_LIMITS.values} values`);
    } else {
      const bad = raw.values.findIndex((v) => !(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 500)));
      if (bad >= 0) problems.add(`${field}.values[${bad}]`, 'must be a string (at most 500 characters), a finite number or a boolean');
      else values = raw.values as (string | number | boolean)[];
    }
  }
  if (column === undefined) return undefined;
  return { type: 'values', column, ...(label ? { label } : {}), ...(values ? { values } : {}) };
}

function columnName(value: unknown, field: string, problems: Problems): string | undefined {
  return text(value, field, problems, { max: 255, min: 1, required: true });
}

function encodingOf(type: ChartType, raw: unknown, field: string, problems: Problems): Chart['encoding'] | undefined {
  if (raw !== undefined && !isObject(raw)) {
    problems.add(field, 'must be an object');
    return undefined;
  }
  const enc = (raw ?? {}) as Json;
  const rule = ENCODINGS[type];
  unknownKeys(enc, ENCODING_KEYS, field, problems);
  for (const key of ENCODING_KEYS) {
    if (enc[key] !== undefined && !rule.allowed.includes(key)) problems.add(`${field}.${key}`, `does not apply to a ${type} chart (it reads ${rule.allowed.join(', ') || 'nothing'})`);
  }
  for (const key of rule.required) {
    if (enc[key] === undefined) problems.add(`${field}.${key}`, `is required for a ${type} chart`);
  }
  const out: Chart['encoding'] = {};
  let ok = true;
  const col = (key: 'x' | 'series' | 'value') => {
    if (enc[key] === undefined || !rule.allowed.includes(key)) return;
    const v = columnName(enc[key], `${field}.${key}`, problems);
    if (v === undefined) ok = false;
    else out[key] = v;
  };
  col('x');
  col('series');
  col('value');
  if (enc.y !== undefined && rule.allowed.includes('y')) {
    const ys = typeof enc.y === 'string' ? [enc.y] : enc.y;
    if (!Array.isArray(ys) || ys.length === 0 || ys.length > 8) {
      problems.add(`${field}.y`, 'must be a column or a list of 1 to 8 columns');
      ok = false;
    } else {
      const names = ys.map((y, i) => columnName(y, `${field}.y[${i}]`, problems));
      if (names.some((n) => n === undefined)) ok = false;
      else out.y = names as string[];
      if (out.y && out.y.length > 1 && enc.series !== undefined) {
        problems.add(`${field}.series`, 'splits one y column into series; with several y columns each is already a series');
        ok = false;
      }
    }
  }
  if (rule.allowed.includes('bins')) {
    if (enc.bins === undefined) out.bins = DEFAULT_BINS;
    else if (!Number.isInteger(enc.bins) || (enc.bins as number) < 1 || (enc.bins as number) > DASHBOARD_LIMITS.bins) {
      problems.add(`${field}.bins`, `must be a whole number from 1 to ${DASHBOARD_LIMITS.bins}`);
      ok = false;
    } else out.bins = enc.bins as number;
  }
  if (enc.label !== undefined && rule.allowed.includes('label')) {
    const label = text(enc.label, `${field}.label`, problems, { max: 120 });
    if (label === undefined) ok = false;
    else out.label = label;
  }
  if (enc.columns !== undefined && rule.allowed.includes('columns')) {
    if (!Array.isArray(enc.columns) || enc.columns.length === 0 || enc.columns.length > 100) {
      problems.add(`${field}.columns`, 'must be a list of 1 to 100 columns');
      ok = false;
    } else {
      const names = enc.columns.map((c, i) => columnName(c, `${field}.columns[${i}]`, problems));
      if (names.some((n) => n === undefined)) ok = false;
      else out.columns = names as string[];
    }
  }
  return ok ? out : undefined;
}

function layoutOf(raw: unknown, field: string, problems: Problems): ChartLayout | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    problems.add(field, 'must be an object {x, y, w, h}');
    return undefined;
  }
  unknownKeys(raw, ['x', 'y', 'w', 'h'], field, problems);
  const bounds = { x: [0, DASHBOARD_GRID_COLUMNS - 1], y: [0, 1000], w: [1, DASHBOARD_GRID_COLUMNS], h: [1, 20] } as const;
  let ok = true;
  for (const [key, [lo, hi]] of Object.entries(bounds)) {
    const v = raw[key];
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) {
      problems.add(`${field}.${key}`, `must be a whole number from ${lo} to ${hi}`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  const layout = { x: raw.x as number, y: raw.y as number, w: raw.w as number, h: raw.h as number };
  if (layout.x + layout.w > DASHBOARD_GRID_COLUMNS) {
    problems.add(`${field}.w`, `x + w must be at most ${DASHBOARD_GRID_COLUMNS} (the grid's width)`);
    return undefined;
  }
  return layout;
}

const overlap = (a: ChartLayout, b: ChartLayout) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Places charts without a layout: below every placed chart, two to a row, in order.
 * Exported for the editor's sake (the studio places a new chart the same way).
 */
export function placeCharts(layouts: (ChartLayout | undefined)[]): ChartLayout[] {
  let top = Math.max(0, ...layouts.filter((l): l is ChartLayout => !!l).map((l) => l.y + l.h));
  let column = 0;
  return layouts.map((l) => {
    if (l) return l;
    const placed = { x: column, y: top, ...DEFAULT_SIZE };
    column += DEFAULT_SIZE.w;
    if (column + DEFAULT_SIZE.w > DASHBOARD_GRID_COLUMNS) {
      column = 0;
      top += DEFAULT_SIZE.h;
    }
    return placed;
  });
}

/** Checks one chart's shape (not its SQL, which needs the datasets). */
export function checkChart(raw: unknown, field: string, problems: Problems): (Omit<Chart, 'layout'> & { layout?: ChartLayout }) | undefined {
  if (!isObject(raw)) {
    problems.add(field, 'must be an object with id, title, type and sql');
    return undefined;
  }
  unknownKeys(raw, ['id', 'title', 'type', 'sql', 'encoding', 'layout'], field, problems);
  const id = resourceName(raw.id, `${field}.id`, problems);
  const title = text(raw.title, `${field}.title`, problems, { max: 200, min: 1, required: true });
  const sql = text(raw.sql, `${field}.sql`, problems, { max: 100_000, required: true });
  if (sql !== undefined && !sql.trim()) problems.add(`${field}.sql`, 'is empty');
  let type: ChartType | undefined;
  if (!CHART_TYPES.includes(raw.type as ChartType)) problems.add(`${field}.type`, `must be one of ${CHART_TYPES.join(', ')}`);
  else type = raw.type as ChartType;
  const encoding = type ? encodingOf(type, raw.encoding, `${field}.encoding`, problems) : undefined;
  const layout = layoutOf(raw.layout, `${field}.layout`, problems);
  if (id === undefined || title === undefined || sql === undefined || !sql.trim() || type === undefined || encoding === undefined) return undefined;
  return { id, title, type, sql, encoding, ...(layout ? { layout } : {}) };
}

/**
 * Checks a dashboard definition's shape and fills in its defaults; every problem is
 * listed (field paths such as `charts[1].encoding.y`). SQL is checked by the service.
 */
export function checkDefinition(raw: unknown): { definition?: Definition; problems: RequestProblem[]; charts: CheckedChart[] } {
  const problems = new Problems();
  if (!isObject(raw)) {
    problems.add('definition', 'must be a JSON object with name and charts');
    return { problems: problems.list, charts: [] };
  }
  unknownKeys(raw, ['name', 'title', 'description', 'filters', 'charts'], '', problems);
  let name = resourceName(raw.name, 'name', problems);
  if (name !== undefined && RESERVED_NAMES.has(name)) {
    problems.add('name', `'${name}' is reserved (the studio's address for a new dashboard)`);
    name = undefined;
  }
  const title = text(raw.title, 'title', problems, { max: 200 });
  const description = text(raw.description, 'description', problems, { max: 4096 });

  const filters: DashboardFilter[] = [];
  if (raw.filters !== undefined) {
    if (!Array.isArray(raw.filters) || raw.filters.length > DASHBOARD_LIMITS.filters) {
      problems.add('filters', `must be a list of at most ${DASHBOARD_LIMITS.filters} filters`);
    } else {
      raw.filters.forEach((f, i) => {
        const filter = filterOf(f, `filters[${i}]`, problems);
        if (!filter) return;
        if (filters.some((other) => other.column === filter.column)) problems.add(`filters[${i}].column`, `another filter is on '${filter.column}' already`);
        else filters.push(filter);
      });
    }
  }

  const charts: CheckedChart[] = [];
  if (raw.charts === undefined) problems.add('charts', 'is required (a list, possibly empty)');
  else if (!Array.isArray(raw.charts) || raw.charts.length > DASHBOARD_LIMITS.charts) {
    problems.add('charts', `must be a list of at most ${DASHBOARD_LIMITS.charts} charts`);
  } else {
    const placed: { id: string; layout: ChartLayout }[] = [];
    raw.charts.forEach((c, i) => {
      const chart = checkChart(c, `charts[${i}]`, problems);
      if (!chart) return;
      if (charts.some((other) => other.id === chart.id)) {
        problems.add(`charts[${i}].id`, `another chart has the id '${chart.id}'`);
        return;
      }
      charts.push({ ...chart, index: i });
      if (!chart.layout) return;
      const other = placed.find((o) => overlap(o.layout, chart.layout!));
      if (other) problems.add(`charts[${i}].layout`, `overlaps chart '${other.id}'`);
      placed.push({ id: chart.id, layout: chart.layout });
    });
  }
  if (problems.list.length > 0 || name === undefined) return { problems: problems.list, charts };
  const layouts = placeCharts(charts.map((c) => c.layout));
  return {
    definition: {
      name,
      title: title?.trim() || name,
      description: description ?? null,
      filters,
      charts: charts.map(({ index: _index, ...c }, i) => ({ ...c, layout: layouts[i] })),
    },
    problems: [],
    charts,
  };
}

/** A chart whose shape is right, with its place in the definition's list. */
export type CheckedChart = Omit<Chart, 'layout'> & { layout?: ChartLayout; index: number };

/** Checks one chart alone (the editor's preview): its shape and its filters. */
export function checkPreview(chart: unknown, filters: unknown): { chart?: Chart; filters?: DashboardFilter[]; problems: RequestProblem[]; charts: CheckedChart[] } {
  const { definition, problems, charts } = checkDefinition({ name: 'preview', charts: [chart], ...(filters === undefined ? {} : { filters }) });
  if (!definition) return { problems, charts };
  return { chart: definition.charts[0], filters: definition.filters, problems: [], charts };
}

export { Problems };
