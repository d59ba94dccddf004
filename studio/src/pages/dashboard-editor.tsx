import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { dashboardsApi } from '../api/client';
import type { ChartData, ChartInput, ChartType, Dashboard, DashboardFilter, DashboardRequest } from '../api/types';
import { useResource } from '../api/use-resource';
import { Card, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { useSession } from '../session';
import { ChartView } from './dashboard-chart';

/** Every chart type with its name in the form (a Record, so a new type fails the type-check here). */
const CHART_TYPES: Record<ChartType, string> = {
  bar: 'Bar',
  line: 'Line',
  area: 'Area',
  scatter: 'Scatter',
  histogram: 'Histogram',
  table: 'Table',
  kpi: 'KPI (one number)',
};

/** The chart form's fields, all text while edited. */
interface ChartDraft {
  id: string;
  title: string;
  type: ChartType;
  sql: string;
  x: string;
  y: string;
  series: string;
  bins: string;
  value: string;
  label: string;
  columns: string;
  layout: { x: string; y: string; w: string; h: string };
}

const EMPTY_CHART: ChartDraft = { id: '', title: '', type: 'bar', sql: '', x: '', y: '', series: '', bins: '20', value: '', label: '', columns: '', layout: { x: '', y: '', w: '', h: '' } };
const list = (s: string) => s.split(',').map((v) => v.trim()).filter(Boolean);

function toDraft(c: ChartInput): ChartDraft {
  const e = c.encoding ?? {};
  const y = e.y === undefined ? '' : Array.isArray(e.y) ? e.y.join(', ') : e.y;
  const l = c.layout;
  return {
    id: c.id,
    title: c.title,
    type: c.type,
    sql: c.sql,
    x: e.x ?? '',
    y,
    series: e.series ?? '',
    bins: String(e.bins ?? 20),
    value: e.value ?? '',
    label: e.label ?? '',
    columns: (e.columns ?? []).join(', '),
    layout: l ? { x: String(l.x), y: String(l.y), w: String(l.w), h: String(l.h) } : { x: '', y: '', w: '', h: '' },
  };
}

/** The chart as the API takes it: only the encoding keys its type reads; no layout when all four are empty. */
function fromDraft(d: ChartDraft): ChartInput {
  const encoding: NonNullable<ChartInput['encoding']> = {};
  if (['line', 'bar', 'area', 'scatter', 'histogram'].includes(d.type) && d.x.trim()) encoding.x = d.x.trim();
  if (['line', 'bar', 'area', 'scatter'].includes(d.type)) {
    if (list(d.y).length) encoding.y = list(d.y);
    if (d.series.trim()) encoding.series = d.series.trim();
  }
  if (d.type === 'histogram' && d.bins.trim()) encoding.bins = Number(d.bins);
  if (d.type === 'kpi') {
    if (d.value.trim()) encoding.value = d.value.trim();
    if (d.label.trim()) encoding.label = d.label.trim();
  }
  if (d.type === 'table' && list(d.columns).length) encoding.columns = list(d.columns);
  const l = d.layout;
  const placed = [l.x, l.y, l.w, l.h].some((v) => v.trim() !== '');
  return {
    id: d.id.trim(),
    title: d.title.trim(),
    type: d.type,
    sql: d.sql,
    encoding,
    ...(placed ? { layout: { x: Number(l.x || 0), y: Number(l.y || 0), w: Number(l.w || 6), h: Number(l.h || 4) } } : {}),
  };
}

/** The definition as a saved dashboard holds it (the editor's starting point). */
function requestOf(d: Dashboard): DashboardRequest {
  return { name: d.name, title: d.title, description: d.description ?? undefined, filters: d.filters, charts: d.charts };
}

/** What a role that may not change dashboards sees instead of the editor (the API refuses its writes too). */
function ReadOnly() {
  return (
    <>
      <PageHeader crumbs={[{ to: '/dashboards', label: 'Dashboards' }]} title="Dashboards are read-only for you" />
      <Card>
        <p className="muted">Your role can view dashboards but not create or change them.</p>
      </Card>
    </>
  );
}

export function DashboardNewPage() {
  const { can } = useSession();
  if (!can('datasets:write')) return <ReadOnly />;
  return <DashboardEditor initial={{ name: '', title: '', filters: [], charts: [] }} isNew />;
}

export function DashboardEditPage() {
  const { name = '' } = useParams();
  const { can } = useSession();
  const writer = can('datasets:write');
  const dashboard = useResource((signal) => (writer ? dashboardsApi.describe(name, signal) : Promise.resolve(undefined)), [name, writer]);
  if (!writer) return <ReadOnly />;
  if (dashboard.error) return <ErrorBanner error={dashboard.error} onRetry={dashboard.reload} />;
  if (!dashboard.data) return <Loading />;
  return <DashboardEditor initial={requestOf(dashboard.data)} isNew={false} />;
}

function DashboardEditor({ initial, isNew }: { initial: DashboardRequest; isNew: boolean }) {
  const navigate = useNavigate();
  const [name, setName] = useState(initial.name);
  const [title, setTitle] = useState(initial.title ?? '');
  const [description, setDescription] = useState(initial.description ?? '');
  const [filters, setFilters] = useState<DashboardFilter[]>(initial.filters ?? []);
  const [charts, setCharts] = useState<ChartInput[]>(initial.charts);
  const [editing, setEditing] = useState<{ index: number | null; draft: ChartDraft } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const definition: DashboardRequest = { name: name.trim(), title: title.trim() || undefined, description: description.trim() || undefined, filters, charts };
    try {
      const saved = isNew ? await dashboardsApi.create(definition) : await dashboardsApi.update(initial.name, definition);
      navigate(`/dashboards/${encodeURIComponent(saved.name)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the dashboard ${initial.name}?`)) return;
    try {
      await dashboardsApi.remove(initial.name);
      navigate('/dashboards');
    } catch (err) {
      setError(err);
    }
  };
  const setFilter = (i: number, f: DashboardFilter) => setFilters(filters.map((old, k) => (k === i ? f : old)));

  return (
    <>
      <PageHeader
        crumbs={[{ to: '/dashboards', label: 'Dashboards' }, ...(isNew ? [] : [{ to: `/dashboards/${encodeURIComponent(initial.name)}`, label: initial.title ?? initial.name }])]}
        title={isNew ? 'Create dashboard' : `Edit ${initial.title ?? initial.name}`}
      />
      <form onSubmit={save}>
        <Card title="Dashboard">
          <div className="form-grid">
            <Field label="Dashboard name" hint="Letters, digits and hyphens; it cannot change later.">
              {(p) => <input {...p} value={name} disabled={!isNew} required onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Title">{(p) => <input {...p} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Shown at the top" />}</Field>
            <Field label="Description">{(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
          </div>
        </Card>

        <Card title="Filters" actions={<button type="button" className="secondary" onClick={() => setFilters([...filters, { type: 'values', column: '' }])}>Add filter</button>}>
          {filters.length === 0 && <p className="muted">No filters. A filter applies to every chart that returns its column.</p>}
          {filters.map((f, i) => (
            <div key={i} className="dash-filter-row">
              <label className="inline">
                <span>Type</span>
                <select aria-label={`Filter ${i + 1} type`} value={f.type} onChange={(e) => setFilter(i, { type: e.target.value as DashboardFilter['type'], column: f.column, ...(f.label ? { label: f.label } : {}) })}>
                  <option value="values">Values of a column</option>
                  <option value="date-range">Date range</option>
                </select>
              </label>
              <label className="inline">
                <span>Column</span>
                <input aria-label={`Filter ${i + 1} column`} value={f.column} onChange={(e) => setFilter(i, { ...f, column: e.target.value })} />
              </label>
              <label className="inline">
                <span>Label</span>
                <input aria-label={`Filter ${i + 1} label`} value={f.label ?? ''} onChange={(e) => setFilter(i, { ...f, label: e.target.value || undefined })} />
              </label>
              <button type="button" className="danger secondary" onClick={() => setFilters(filters.filter((_, k) => k !== i))}>
                Remove filter
              </button>
            </div>
          ))}
        </Card>

        <Card
          title={`Charts (${charts.length})`}
          actions={
            !editing && (
              <button type="button" className="secondary" onClick={() => setEditing({ index: null, draft: { ...EMPTY_CHART, id: `chart-${charts.length + 1}` } })}>
                Add chart
              </button>
            )
          }
        >
          {charts.length > 0 && (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Id</th>
                    <th scope="col">Title</th>
                    <th scope="col">Type</th>
                    <th scope="col">Place</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {charts.map((c, i) => (
                    <tr key={c.id + i}>
                      <td>
                        <code>{c.id}</code>
                      </td>
                      <td>{c.title}</td>
                      <td>{CHART_TYPES[c.type]}</td>
                      <td>{c.layout ? `column ${c.layout.x + 1}, row ${c.layout.y + 1}, ${c.layout.w}×${c.layout.h}` : 'automatic'}</td>
                      <td className="actions">
                        <button type="button" className="link" onClick={() => setEditing({ index: i, draft: toDraft(c) })}>
                          Edit {c.id}
                        </button>{' '}
                        <button type="button" className="link" onClick={() => setCharts(charts.filter((_, k) => k !== i))}>
                          Remove {c.id}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {editing && (
            <ChartForm
              draft={editing.draft}
              filters={filters}
              isNew={editing.index === null}
              onCancel={() => setEditing(null)}
              onDone={(chart) => {
                setCharts(editing.index === null ? [...charts, chart] : charts.map((c, k) => (k === editing.index ? chart : c)));
                setEditing(null);
              }}
            />
          )}
        </Card>
        <ErrorBanner error={error} />
        <ProblemList error={error} />
        <div className="form-actions">
          <button type="submit" disabled={busy || !!editing}>
            {busy ? 'Saving…' : 'Save dashboard'}
          </button>
          {!isNew && (
            <button type="button" className="danger secondary" onClick={() => void remove()}>
              Delete dashboard
            </button>
          )}
        </div>
      </form>
    </>
  );
}

/** The problems a refused definition lists (`details.errors`), one per line. */
function ProblemList({ error }: { error: unknown }) {
  const errors = (error as { details?: { errors?: { field: string; message: string }[] } } | null)?.details?.errors;
  if (!errors || errors.length < 2) return null;
  return (
    <ul className="problems">
      {errors.map((e, i) => (
        <li key={i}>{e.message}</li>
      ))}
    </ul>
  );
}

/** Adds or edits one chart: SQL, type and encoding, with a preview of its rows as drawn. */
function ChartForm({ draft: initial, filters, isNew, onCancel, onDone }: { draft: ChartDraft; filters: DashboardFilter[]; isNew: boolean; onCancel: () => void; onDone: (c: ChartInput) => void }) {
  const [d, setD] = useState(initial);
  const [preview, setPreview] = useState<ChartData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ChartDraft>) => setD({ ...d, ...patch });
  const xy = ['line', 'bar', 'area', 'scatter'].includes(d.type);
  const runPreview = async () => {
    setBusy(true);
    setError(null);
    try {
      setPreview(await dashboardsApi.preview({ chart: fromDraft(d), filters: filters.filter((f) => f.column.trim()) }));
    } catch (err) {
      setError(err);
      setPreview(null);
    } finally {
      setBusy(false);
    }
  };
  const chart = fromDraft(d);
  return (
    <div className="chart-form" role="group" aria-label={isNew ? 'New chart' : `Chart ${initial.id}`}>
      <div className="form-grid">
        <Field label="Chart id">{(p) => <input {...p} value={d.id} onChange={(e) => set({ id: e.target.value })} />}</Field>
        <Field label="Chart title">{(p) => <input {...p} value={d.title} onChange={(e) => set({ title: e.target.value })} />}</Field>
        <Field label="Chart type">
          {(p) => (
            <select {...p} value={d.type} onChange={(e) => set({ type: e.target.value as ChartType })}>
              {Object.entries(CHART_TYPES).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="SQL" hint='One SELECT over datasets by name. To be filtered by a filter, return its column.'>
        {(p) => <textarea {...p} className="code-input" rows={4} spellCheck={false} value={d.sql} onChange={(e) => set({ sql: e.target.value })} placeholder='SELECT region, sum(amount) AS total FROM "sales" GROUP BY 1' />}
      </Field>
      <div className="form-grid">
        {(xy || d.type === 'histogram') && <Field label="X column">{(p) => <input {...p} value={d.x} onChange={(e) => set({ x: e.target.value })} />}</Field>}
        {xy && (
          <Field label="Y columns" hint="One or more, comma-separated (numbers).">
            {(p) => <input {...p} value={d.y} onChange={(e) => set({ y: e.target.value })} />}
          </Field>
        )}
        {xy && (
          <Field label="Series column" hint="Optional: one line or bar per value.">
            {(p) => <input {...p} value={d.series} onChange={(e) => set({ series: e.target.value })} />}
          </Field>
        )}
        {d.type === 'histogram' && <Field label="Bins">{(p) => <input {...p} type="number" min={1} max={200} value={d.bins} onChange={(e) => set({ bins: e.target.value })} />}</Field>}
        {d.type === 'kpi' && <Field label="Value column">{(p) => <input {...p} value={d.value} onChange={(e) => set({ value: e.target.value })} />}</Field>}
        {d.type === 'kpi' && <Field label="KPI label">{(p) => <input {...p} value={d.label} onChange={(e) => set({ label: e.target.value })} />}</Field>}
        {d.type === 'table' && (
          <Field label="Columns" hint="Optional, comma-separated; all when empty.">
            {(p) => <input {...p} value={d.columns} onChange={(e) => set({ columns: e.target.value })} />}
          </Field>
        )}
      </div>
      <fieldset className="dash-layout">
        <legend>Place on the 12-column grid (empty: automatic)</legend>
        {(['x', 'y', 'w', 'h'] as const).map((k) => (
          <label key={k} className="inline">
            <span>{{ x: 'Column (0–11)', y: 'Row', w: 'Width', h: 'Height' }[k]}</span>
            <input type="number" min={k === 'w' || k === 'h' ? 1 : 0} value={d.layout[k]} onChange={(e) => set({ layout: { ...d.layout, [k]: e.target.value } })} />
          </label>
        ))}
      </fieldset>
      <div className="form-actions">
        <button type="button" className="secondary" disabled={busy || !d.sql.trim()} onClick={() => void runPreview()}>
          {busy ? 'Running…' : 'Preview'}
        </button>
        <button type="button" onClick={() => onDone(chart)} disabled={!d.id.trim() || !d.title.trim() || !d.sql.trim()}>
          {isNew ? 'Add to dashboard' : 'Update chart'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorBanner error={error} />
      <ProblemList error={error} />
      {preview && (
        <div className="dash-preview" aria-label="Preview">
          <ChartView chart={{ ...chart, encoding: { ...chart.encoding, y: chart.encoding?.y === undefined ? undefined : Array.isArray(chart.encoding.y) ? chart.encoding.y : [chart.encoding.y] }, layout: { x: 0, y: 0, w: 12, h: 4 } }} data={preview} />
          <p className="muted small">
            {preview.rows.length}
            {preview.truncated ? '+' : ''} rows
            {preview.ignored.length ? `; not filtered by ${preview.ignored.join(', ')} (the chart does not return ${preview.ignored.length > 1 ? 'those columns' : 'that column'})` : ''}
          </p>
        </div>
      )}
    </div>
  );
}
