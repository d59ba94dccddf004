import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { dashboardsApi } from '../api/client';
import type { Chart, ChartData, Dashboard, DashboardFilter, FilterSelection } from '../api/types';
import { useResource } from '../api/use-resource';
import { downloadBlob, svgToPng } from '../charts/png-export';
import { formatTime } from '../components/format';
import { Card, ErrorBanner, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';
import { ChartView } from './dashboard-chart';

/** How often a visible dashboard asks again (answers come from the server's cache until a dataset changes). */
const REFRESH_MS = 15_000;
/** Height of one grid row, in CSS pixels. */
export const ROW_PX = 80;

/**
 * Calls `tick` every `ms` while the tab is visible, and once when it becomes visible
 * again. Datasets are not on the platform feed (they have no status to report), so a
 * dashboard learns of a new version by asking; the server answers from its cache until
 * a version changes.
 */
function useVisibleInterval(tick: () => void, ms: number): void {
  const callback = useRef(tick);
  callback.current = tick;
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && callback.current(), ms);
    const onVisible = () => document.visibilityState === 'visible' && callback.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms]);
}

/** The selection a filter's definition starts with. */
function defaultsOf(filters: DashboardFilter[]): FilterSelection {
  return Object.fromEntries(filters.map((f) => [f.column, f.type === 'date-range' ? { from: f.from ?? null, to: f.to ?? null } : (f.values ?? [])]));
}

export function DashboardViewPage() {
  const { name = '' } = useParams();
  const dashboard = useResource((signal) => dashboardsApi.describe(name, signal), [name]);
  const d = dashboard.data;
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/dashboards', label: 'Dashboards' }]}
        title={d?.title ?? name}
        subtitle={d?.description ?? undefined}
        actions={
          <Can permission="datasets:write">
            <Link className="button secondary" to={`/dashboards/${encodeURIComponent(name)}/edit`}>
              Edit dashboard
            </Link>
          </Can>
        }
      />
      <ErrorBanner error={dashboard.error} onRetry={dashboard.reload} />
      {!d ? dashboard.error ? null : <Loading /> : <DashboardBody dashboard={d} />}
    </>
  );
}

function DashboardBody({ dashboard }: { dashboard: Dashboard }) {
  const [selection, setSelection] = useState<FilterSelection>(() => defaultsOf(dashboard.filters));
  const [tick, setTick] = useState(0);
  const [seen, setSeen] = useState<Record<string, Set<string>>>({});
  useVisibleInterval(() => setTick((t) => t + 1), REFRESH_MS);
  const remember = (data: ChartData) => {
    const values = dashboard.filters.filter((f) => f.type === 'values' && data.columns.some((c) => c.name === f.column));
    if (!values.length) return;
    setSeen((prev) => {
      const next = { ...prev };
      for (const f of values) {
        const set = new Set(prev[f.column]);
        for (const row of data.rows.slice(0, 500)) if (row[f.column] !== null && row[f.column] !== undefined) set.add(String(row[f.column]));
        next[f.column] = set;
      }
      return next;
    });
  };
  const rows = Math.max(1, ...dashboard.charts.map((c) => c.layout.y + c.layout.h));
  return (
    <>
      {dashboard.filters.length > 0 && <FilterBar filters={dashboard.filters} selection={selection} seen={seen} onApply={setSelection} />}
      {dashboard.charts.length === 0 ? (
        <Card>
          <p className="muted">This dashboard has no charts yet.</p>
        </Card>
      ) : (
        <div className="dash-grid" style={{ gridTemplateRows: `repeat(${rows}, ${ROW_PX}px)` }}>
          {dashboard.charts.map((chart) => (
            <ChartCard key={chart.id} dashboard={dashboard.name} chart={chart} selection={selection} tick={tick} onData={remember} />
          ))}
        </div>
      )}
    </>
  );
}

/** The filter controls: a from/to pair per date range, a comma-separated list per values filter. */
function FilterBar({ filters, selection, seen, onApply }: { filters: DashboardFilter[]; selection: FilterSelection; seen: Record<string, Set<string>>; onApply: (s: FilterSelection) => void }) {
  const [draft, setDraft] = useState(() => toDraft(selection));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    onApply(fromDraft(filters, draft));
  };
  return (
    <Card>
      <form className="dash-filters" onSubmit={apply} aria-label="Filters">
        {filters.map((f) => {
          const name = f.label ?? f.column;
          if (f.type === 'date-range') {
            return (
              <fieldset key={f.column} className="dash-filter">
                <legend>{name}</legend>
                <label className="inline">
                  <span>From</span>
                  <input type="date" aria-label={`${name} from`} value={draft[`${f.column}.from`] ?? ''} onChange={(e) => setDraft({ ...draft, [`${f.column}.from`]: e.target.value })} />
                </label>
                <label className="inline">
                  <span>To</span>
                  <input type="date" aria-label={`${name} to`} value={draft[`${f.column}.to`] ?? ''} onChange={(e) => setDraft({ ...draft, [`${f.column}.to`]: e.target.value })} />
                </label>
              </fieldset>
            );
          }
          const listId = `dash-values-${f.column}`;
          return (
            <fieldset key={f.column} className="dash-filter">
              <legend>{name}</legend>
              <input aria-label={name} list={listId} placeholder="all (or a, b, …)" value={draft[f.column] ?? ''} onChange={(e) => setDraft({ ...draft, [f.column]: e.target.value })} />
              <datalist id={listId}>
                {[...(seen[f.column] ?? [])].sort().map((v) => (
                  <option key={v} value={v} />
                ))}
              </datalist>
            </fieldset>
          );
        })}
        <div className="form-actions">
          <button type="submit">Apply filters</button>
        </div>
      </form>
    </Card>
  );
}

function toDraft(selection: FilterSelection): Record<string, string> {
  const draft: Record<string, string> = {};
  for (const [column, value] of Object.entries(selection)) {
    if (Array.isArray(value)) draft[column] = value.join(', ');
    else {
      draft[`${column}.from`] = value.from ?? '';
      draft[`${column}.to`] = value.to ?? '';
    }
  }
  return draft;
}

function fromDraft(filters: DashboardFilter[], draft: Record<string, string>): FilterSelection {
  return Object.fromEntries(
    filters.map((f) => [
      f.column,
      f.type === 'date-range'
        ? { from: draft[`${f.column}.from`] || null, to: draft[`${f.column}.to`] || null }
        : (draft[f.column] ?? '').split(',').map((v) => v.trim()).filter(Boolean),
    ]),
  );
}

/** One chart on the grid, with its export menu and notes on the filters it ignores. */
function ChartCard({ dashboard, chart, selection, tick, onData }: { dashboard: string; chart: Chart; selection: FilterSelection; tick: number; onData: (d: ChartData) => void }) {
  const key = JSON.stringify(selection);
  const data = useResource((signal) => dashboardsApi.data(dashboard, chart.id, selection, signal), [dashboard, chart.id, key, tick]);
  const body = useRef<HTMLDivElement>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const reported = useRef<ChartData | undefined>(undefined);
  useEffect(() => {
    if (data.data && data.data !== reported.current) {
      reported.current = data.data;
      onData(data.data);
    }
  }, [data.data, onData]);
  const { x, y, w, h } = chart.layout;
  const style = useMemo(() => ({ gridColumn: `${x + 1} / span ${w}`, gridRow: `${y + 1} / span ${h}` }), [x, y, w, h]);
  const exportPng = async () => {
    setExportError(null);
    const svg = body.current?.querySelector('svg');
    try {
      if (!svg) throw new Error('This chart has no picture to export; export its rows as CSV');
      downloadBlob(await svgToPng(svg), `${dashboard}-${chart.id}.png`);
    } catch (err) {
      setExportError(err);
    }
  };
  const menu = useRef<HTMLDetailsElement>(null);
  const close = () => menu.current?.removeAttribute('open');
  return (
    <section className="card dash-chart" style={style} aria-labelledby={`chart-${chart.id}`}>
      <div className="card-head">
        <h2 id={`chart-${chart.id}`}>{chart.title}</h2>
        <details className="menu" ref={menu}>
          <summary aria-label={`Export ${chart.title}`}>Export</summary>
          <div className="menu-items" role="menu">
            {chart.type !== 'table' && (
              <button type="button" role="menuitem" className="secondary" onClick={() => void exportPng().then(close)}>
                Download PNG
              </button>
            )}
            <a role="menuitem" className="button secondary" href={dashboardsApi.csvUrl(dashboard, chart.id, selection)} download={`${dashboard}-${chart.id}.csv`} onClick={close}>
              Download CSV
            </a>
          </div>
        </details>
      </div>
      <ErrorBanner error={data.error ?? exportError} onRetry={data.error ? data.reload : undefined} />
      <div className="dash-chart-body" ref={body}>
        {data.data ? <ChartView chart={chart} data={data.data} /> : !data.error && <Loading />}
      </div>
      {data.data && <ChartNotes data={data.data} />}
    </section>
  );
}

function ChartNotes({ data }: { data: ChartData }) {
  return (
    <p className="muted small dash-notes">
      {data.ignored.length > 0 && (
        <span className="dash-ignored">
          Not filtered by {data.ignored.join(', ')}: the chart does not return {data.ignored.length > 1 ? 'those columns' : 'that column'}.{' '}
        </span>
      )}
      {data.truncated && <span>First {data.rows.length.toLocaleString('en-US')} rows; the CSV has them all. </span>}
      <span title={`computed ${formatTime(data.computedAt)}`}>{data.sources.map((s) => `${s.name}@${s.version}`).join(', ')}</span>
    </p>
  );
}
