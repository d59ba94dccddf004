import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { datasetsApi, forecastApi, type ForecastExportResult, type ForecastQueryResult } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { ForecastChart, forecastLines, type Point } from '../components/forecast-chart';
import { formatBytes, formatNumber, formatTime } from '../components/format';
import { FORECAST_ACTIVE, ForecastStatusBadge } from '../components/forecast-ui';
import { Card, ErrorBanner, Field, KeyValues, Loading, PageHeader, ProgressBar } from '../components/ui';
import { Can } from '../session';
import { DatasetRef } from './forecast-group';
import { groupPath, predictorPath } from './forecast-home';

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** Items offered by the picker at once (the search narrows them). */
const PICKER_LIMIT = 200;
const HISTORY_LIMIT = 2000;
/** History drawn by default: this many horizons before the forecast (at least RECENT_MIN points), so the forecast stays readable. */
const RECENT_HORIZONS = 6;
const RECENT_MIN = 60;

/** A forecast: an item picker and, per item, its history, median and quantile band; exports. */
export function ForecastPage() {
  const { name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const forecast = useResource((signal) => forecastApi.forecast(name, signal), [name]);
  const f = forecast.data;
  const live = f ? FORECAST_ACTIVE.has(f.status) : !forecast.error;
  useWatch(live ? { kind: 'feed', of: 'forecast', name } : null, forecast.reload);
  // The import the predictor trained on: where the items' history is read from.
  const source = useResource(
    async (signal) => {
      if (!f) return undefined;
      const predictor = await forecastApi.predictor(f.predictor, signal);
      return forecastApi.import(predictor.import.id, signal);
    },
    [f?.predictor],
  );
  const item = search.get('item') ?? '';
  const setItem = (next: string) => setSearch(next ? { item: next } : {}, { replace: true });
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/forecast', label: 'Forecast' }, ...(f ? [{ to: groupPath(f.group), label: f.group }, { to: predictorPath(f.predictor), label: f.predictor }] : [])]}
        title={name}
        subtitle={f ? <ForecastStatusBadge status={f.status} /> : undefined}
      />
      <ErrorBanner error={forecast.error} onRetry={forecast.reload} />
      {!f ? (
        !forecast.error && <Loading />
      ) : (
        <>
          {f.failureReason && (
            <div className="banner error" role="alert">
              <strong>Failure reason:</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{f.failureReason}</span>
            </div>
          )}
          <Card title="Forecast">
            {FORECAST_ACTIVE.has(f.status) && <ProgressBar value={f.progress.percent} max={100} label={`Progress of ${f.name}`} />}
            <KeyValues
              items={[
                ['Predictor', <Link key="p" to={predictorPath(f.predictor)}>{f.predictor}</Link>],
                ['Group', <Link key="g" to={groupPath(f.group)}>{f.group}</Link>],
                ['Forecast types', f.forecastTypes.join(', ')],
                ['Horizon', `${f.horizon} steps`],
                ['Items', formatNumber(f.items)],
                ['Dataset', f.dataset ? <DatasetRef key="d" refText={f.dataset} /> : '–'],
                ['Created', `${formatTime(f.createdAt)}${f.createdBy ? ` by ${f.createdBy}` : ''}`],
              ]}
            />
          </Card>
          {f.status === 'Active' && f.dataset && (
            <>
              <Card title="Item">
                <ItemPicker dataset={f.dataset} value={item} onChange={setItem} />
                {item && (
                  <ItemChart
                    key={item}
                    forecast={name}
                    item={item}
                    types={f.forecastTypes}
                    horizon={f.horizon}
                    history={source.data ? { dataset: source.data.target.dataset, map: source.data.map } : undefined}
                    historyError={source.error}
                  />
                )}
              </Card>
              <Can permission="artifacts:write">
                <Export forecast={name} />
              </Can>
            </>
          )}
        </>
      )}
    </>
  );
}

/** A search box and the matching items of the forecast's dataset; the first match is picked when none is. */
function ItemPicker({ dataset, value, onChange }: { dataset: string; value: string; onChange: (item: string) => void }) {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), 250);
    return () => clearTimeout(t);
  }, [text]);
  const items = useResource(async () => {
    const where = query ? ` WHERE contains(lower(CAST(item_id AS VARCHAR)), lower(${literal(query)}))` : '';
    const result = await datasetsApi.query(`SELECT DISTINCT CAST(item_id AS VARCHAR) AS item FROM ${ident(dataset)}${where} ORDER BY 1 LIMIT ${PICKER_LIMIT + 1}`, PICKER_LIMIT + 1);
    return result.rows.map((r) => String(r.item));
  }, [dataset, query]);
  const list = items.data ?? [];
  useEffect(() => {
    if (!value && list.length > 0) onChange(list[0]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [list, value]);
  return (
    <div className="filters" role="search">
      <Field label="Search items">{(props) => <input {...props} type="search" value={text} placeholder="item id" onChange={(e) => setText(e.target.value)} />}</Field>
      <Field label="Item" hint={list.length > PICKER_LIMIT ? `First ${PICKER_LIMIT} matches; search to narrow` : `${list.length} match(es)`}>
        {(props) => (
          <select {...props} value={list.includes(value) ? value : ''} onChange={(e) => onChange(e.target.value)}>
            {!list.includes(value) && <option value="">{value ? `${value} (not in the matches)` : 'Choose an item'}</option>}
            {list.slice(0, PICKER_LIMIT).map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorBanner error={items.error} onRetry={items.reload} />
    </div>
  );
}

/** One item's forecast (QueryForecast) over its history (the imported target series). */
function ItemChart({
  forecast,
  item,
  types,
  horizon,
  history,
  historyError,
}: {
  forecast: string;
  item: string;
  types: string[];
  horizon: number;
  history?: { dataset: string; map: { item_id: string; timestamp: string; target_value: string } };
  historyError?: Error;
}) {
  const answer = useResource((signal) => forecastApi.query(forecast, item, signal), [forecast, item]);
  const past = useResource(async () => {
    if (!history) return undefined;
    const { dataset, map } = history;
    const sql =
      `SELECT strftime(CAST(${ident(map.timestamp)} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ') AS t, sum(${ident(map.target_value)}) AS y ` +
      `FROM ${ident(dataset)} WHERE CAST(${ident(map.item_id)} AS VARCHAR) = ${literal(item)} GROUP BY 1 ORDER BY 1 DESC LIMIT ${HISTORY_LIMIT}`;
    const result = await datasetsApi.query(sql, HISTORY_LIMIT);
    return result.rows
      .map((r) => ({ x: Date.parse(String(r.t)), y: Number(r.y) }))
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .reverse();
  }, [history?.dataset, item]);
  const lines = useMemo(() => (answer.data ? linesOf(answer.data, types) : undefined), [answer.data, types]);
  const ready = lines && (past.data !== undefined || past.error || historyError);
  const [whole, setWhole] = useState(false);
  const all = (past.data ?? []) as Point[];
  const recent = Math.max(RECENT_HORIZONS * horizon, RECENT_MIN);
  const drawn = whole ? all : all.slice(-recent);
  return (
    <div className="forecast-item" data-item={item}>
      <ErrorBanner error={answer.error} onRetry={answer.reload} />
      {(past.error || historyError) && <p className="muted small">The item's history could not be read ({(past.error ?? historyError)!.message}); the forecast is drawn alone.</p>}
      {!ready ? !answer.error && <Loading /> : <ForecastChart item={item} title={`Forecast of ${item}`} history={drawn} lines={lines} />}
      {all.length > recent && (
        <label className="inline">
          <input type="checkbox" checked={whole} onChange={(e) => setWhole(e.target.checked)} /> Whole history ({formatNumber(all.length)} points{all.length >= HISTORY_LIMIT ? ', the latest' : ''}; {formatNumber(recent)} shown otherwise)
        </label>
      )}
    </div>
  );
}

function linesOf(answer: ForecastQueryResult, types: string[]) {
  const times = answer.timestamps.map((t) => Date.parse(t));
  return forecastLines(types, times, (name) => {
    const v = answer[name];
    return Array.isArray(v) ? v.map(Number) : undefined;
  });
}

/** Writes the whole forecast as CSV or Parquet to an artifact key. */
function Export({ forecast }: { forecast: string }) {
  const [format, setFormat] = useState<'csv' | 'parquet'>('csv');
  const [key, setKey] = useState(`exports/${forecast}.csv`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<ForecastExportResult | null>(null);
  const pick = (next: 'csv' | 'parquet') => {
    setFormat(next);
    setKey((k) => k.replace(/\.(csv|parquet)$/, '') + `.${next}`);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await forecastApi.export(forecast, { format, to: key.trim() }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Export">
      <form className="form-grid" onSubmit={submit}>
        <Field label="Format">
          {(props) => (
            <select {...props} value={format} onChange={(e) => pick(e.target.value as 'csv' | 'parquet')}>
              <option value="csv">CSV</option>
              <option value="parquet">Parquet</option>
            </select>
          )}
        </Field>
        <Field label="Artifact key" hint="Where the file is written in the artifact store">
          {(props) => <input {...props} value={key} onChange={(e) => setKey(e.target.value)} required />}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy || !key.trim()}>
            {busy ? 'Exporting…' : `Export ${format === 'csv' ? 'CSV' : 'Parquet'}`}
          </button>
          {done && (
            <span role="status">
              Wrote <code>{done.key}</code>: {formatNumber(done.rows)} rows, {formatBytes(done.bytes)}
            </span>
          )}
        </div>
      </form>
      <ErrorBanner error={error} />
    </Card>
  );
}
