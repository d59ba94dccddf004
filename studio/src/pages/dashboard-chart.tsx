import type { Chart, ChartData } from '../api/types';
import { Histogram } from '../charts/bar-chart';
import { GroupedBarChart } from '../charts/grouped-bar-chart';
import { Kpi } from '../charts/kpi';
import { ScatterChart } from '../charts/scatter-chart';
import { SeriesChart, type XKind, type XYSeries } from '../charts/series-chart';
import { DataGrid } from '../components/data-grid';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;
const TEMPORAL = /^(DATE|TIMESTAMP)/i;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const label = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Splits rows into named series: one per `y` column, or one per value of `series`. */
function seriesOf(chart: Chart, data: ChartData, xOf: (v: unknown) => number | null): XYSeries[] {
  const ys = chart.encoding.y ?? [];
  const x = chart.encoding.x!;
  const split = chart.encoding.series;
  const groups = new Map<string, XYSeries>();
  const add = (name: string, px: number | null, py: number | null) => {
    if (px === null || py === null) return;
    let s = groups.get(name);
    if (!s) groups.set(name, (s = { name, points: [] }));
    s.points.push({ x: px, y: py });
  };
  for (const row of data.rows) {
    const px = xOf(row[x]);
    if (split) add(label(row[split]), px, num(row[ys[0]]));
    else for (const y of ys) add(y, px, num(row[y]));
  }
  return [...groups.values()];
}

/** The x axis kind a column's type and values call for. */
function xKindOf(type: string | undefined): XKind {
  if (type && NUMERIC.test(type)) return 'number';
  if (type && TEMPORAL.test(type)) return 'time';
  return 'category';
}

/** Draws one chart's rows as its type and encoding say. */
export function ChartView({ chart, data }: { chart: Chart; data: ChartData }) {
  const enc = chart.encoding;
  const typeOf = (column: string | undefined) => data.columns.find((c) => c.name === column)?.type;
  if (chart.type === 'table') {
    const columns = enc.columns ? data.columns.filter((c) => enc.columns!.includes(c.name)) : data.columns;
    return <DataGrid result={{ columns, rows: data.rows, nextPageToken: null }} caption={chart.title} />;
  }
  if (chart.type === 'kpi') {
    return <Kpi value={data.rows.length ? num(data.rows[0][enc.value!]) : null} label={enc.label ?? enc.value!} title={chart.title} />;
  }
  if (data.rows.length === 0) return <p className="muted chart-empty">No rows match.</p>;
  if (chart.type === 'histogram') {
    const bins = data.rows.map((r) => ({ lower: num(r.lower) ?? 0, upper: num(r.upper) ?? 0, count: num(r.count) ?? 0 }));
    return (
      <figure className="chart">
        <Histogram bins={bins} title={chart.title} height={220} />
      </figure>
    );
  }
  const x = enc.x!;
  const ys = enc.y ?? [];
  if (chart.type === 'bar') {
    const categories: string[] = [];
    const index = new Map<string, number>();
    for (const row of data.rows) {
      const key = label(row[x]);
      if (!index.has(key)) {
        index.set(key, categories.length);
        categories.push(key);
      }
    }
    const names = enc.series ? [...new Set(data.rows.map((r) => label(r[enc.series!])))] : ys;
    const series = names.map((name) => ({ name, values: categories.map(() => null as number | null) }));
    for (const row of data.rows) {
      const i = index.get(label(row[x]))!;
      if (enc.series) series[names.indexOf(label(row[enc.series]))].values[i] = num(row[ys[0]]);
      else ys.forEach((y, k) => (series[k].values[i] = num(row[y])));
    }
    return <GroupedBarChart categories={categories} series={series} title={chart.title} xLabel={x} yLabel={ys.length === 1 ? ys[0] : undefined} />;
  }
  if (chart.type === 'scatter') {
    const points = seriesOf(chart, data, num).flatMap((s) => s.points.map((p) => ({ ...p, label: s.name })));
    return <ScatterChart points={points} title={chart.title} xLabel={x} yLabel={ys.join(', ')} />;
  }
  // line and area: numbers, instants or categories along x.
  const kind = xKindOf(typeOf(x));
  const categories = kind === 'category' ? [...new Set(data.rows.map((r) => label(r[x])))] : [];
  const xOf = kind === 'number' ? num : kind === 'time' ? (v: unknown) => (typeof v === 'string' ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v) : null) : (v: unknown) => categories.indexOf(label(v));
  return <SeriesChart series={seriesOf(chart, data, (v) => { const n = xOf(v); return n === null || Number.isNaN(n) ? null : n; })} xKind={kind} categories={categories} title={chart.title} xLabel={x} yLabel={ys.length === 1 ? ys[0] : undefined} area={chart.type === 'area'} />;
}
