import { useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { datasetsApi } from '../api/client';
import type { DatasetVersion, QueryResult } from '../api/types';
import { useResource } from '../api/use-resource';
import { BarChart } from '../charts/bar-chart';
import { LineChart } from '../charts/line-chart';
import { ScatterChart } from '../charts/scatter-chart';
import { DataGrid } from '../components/data-grid';
import { Card, ErrorBanner, Field, PageHeader } from '../components/ui';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;

export function SqlPage() {
  const [search, setSearch] = useSearchParams();
  const [sql, setSql] = useState(search.get('q') ?? '');
  const [result, setResult] = useState<QueryResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const names = useResource((signal) => datasetsApi.list({ limit: 1000 }, signal), []);

  async function run(e?: FormEvent) {
    e?.preventDefault();
    if (!sql.trim()) return;
    setBusy(true);
    setError(null);
    setSearch({ q: sql }, { replace: true });
    try {
      setResult(await datasetsApi.query(sql));
    } catch (err) {
      setError(err);
      setResult(null);
    } finally {
      setBusy(false);
    }
  }

  async function more() {
    if (!result?.nextPageToken) return;
    setBusy(true);
    try {
      const next = await datasetsApi.query(sql, 500, result.nextPageToken);
      setResult({ ...next, rows: [...result.rows, ...next.rows] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader title="SQL" subtitle="One read-only SELECT over datasets by name (DuckDB SQL). Name a version as &quot;name@3&quot;." />
      <Card>
        <form onSubmit={run} className="sql-form">
          <Field label="Query" hint="Ctrl+Enter runs the query.">
            {(p) => (
              <textarea
                {...p}
                className="code-input"
                rows={6}
                spellCheck={false}
                value={sql}
                placeholder='SELECT _c0, avg(_c1) FROM "my-dataset" GROUP BY 1'
                onChange={(e) => setSql(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run();
                }}
              />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit" disabled={busy || !sql.trim()}>
              {busy ? 'Running…' : 'Run'}
            </button>
            {names.data && names.data.items.length > 0 && (
              <span className="muted small">
                Datasets:{' '}
                {names.data.items.map((d) => (
                  <button key={d.name} type="button" className="chip link" onClick={() => setSql((s) => (s.trim() ? s : `SELECT * FROM "${d.name}" LIMIT 100`))}>
                    {d.name}
                  </button>
                ))}
              </span>
            )}
          </div>
        </form>
        <ErrorBanner error={error} />
      </Card>
      {result && (
        <>
          <Card title={`Results (${result.rows.length}${result.nextPageToken ? '+' : ''} rows)`} actions={result.nextPageToken ? <button type="button" className="secondary" onClick={() => void more()} disabled={busy}>Load more</button> : undefined}>
            <DataGrid result={result} caption="Query results" />
          </Card>
          <ResultChart result={result} />
          <SaveAsDataset sql={sql} />
        </>
      )}
    </>
  );
}

/** Writes the query's whole result (not only the rows shown) as a dataset version. */
function SaveAsDataset({ sql }: { sql: string }) {
  const [name, setName] = useState('');
  const [saved, setSaved] = useState<DatasetVersion | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      setSaved(await datasetsApi.createFromQuery(name.trim(), sql));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Save as dataset">
      <form onSubmit={save} className="inline-form">
        <Field label="Dataset name" hint="The whole result becomes this dataset's next version.">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="my-result" />}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy || !name.trim()}>
            {busy ? 'Saving…' : 'Save as dataset'}
          </button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {saved && (
        <p role="status">
          Saved <Link to={`/datasets/${encodeURIComponent(saved.name)}?version=${saved.version}`}>{saved.name}@{saved.version}</Link>: {saved.rowCount} rows.
        </p>
      )}
    </Card>
  );
}

function ResultChart({ result }: { result: QueryResult }) {
  const numeric = result.columns.filter((c) => NUMERIC.test(c.type)).map((c) => c.name);
  const all = result.columns.map((c) => c.name);
  const [kind, setKind] = useState<'bar' | 'line' | 'scatter'>('bar');
  const [xCol, setX] = useState(all[0] ?? '');
  const [yCol, setY] = useState(numeric.find((n) => n !== all[0]) ?? numeric[0] ?? '');
  const x = all.includes(xCol) ? xCol : all[0];
  const y = numeric.includes(yCol) ? yCol : numeric[0];
  const xNumeric = numeric.includes(x);
  const chart = useMemo(() => {
    if (!y) return null;
    const rows = result.rows.filter((r) => typeof r[y] === 'number');
    if (kind === 'bar' || !xNumeric) return <BarChart title={`${y} by ${x}`} xLabel={x} yLabel={y} bars={rows.map((r) => ({ label: String(r[x]), value: r[y] as number }))} />;
    const points = rows.filter((r) => typeof r[x] === 'number').map((r) => ({ x: r[x] as number, y: r[y] as number }));
    if (kind === 'line') return <LineChart title={`${y} against ${x}`} xLabel={x} yLabel={y} series={[{ name: y, points: [...points].sort((a, b) => a.x - b.x) }]} />;
    return <ScatterChart title={`${y} against ${x}`} xLabel={x} yLabel={y} points={points} />;
  }, [kind, x, y, xNumeric, result]);
  if (numeric.length === 0) return null;
  return (
    <Card title="Chart">
      <div className="chart-controls">
        <label className="inline">
          <span>Chart</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="bar">Bar</option>
            <option value="line">Line</option>
            <option value="scatter">Scatter</option>
          </select>
        </label>
        <label className="inline">
          <span>X</span>
          <select value={x} onChange={(e) => setX(e.target.value)}>
            {all.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          <span>Y</span>
          <select value={y} onChange={(e) => setY(e.target.value)}>
            {numeric.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        {kind !== 'bar' && !xNumeric && <span className="muted small">X is not numeric: shown as bars.</span>}
      </div>
      {chart}
    </Card>
  );
}
