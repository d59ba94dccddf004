import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { endpointsApi, modelsApi, type InvocationResult } from '../api/client';
import { useWatch } from '../api/live';
import type { Endpoint } from '../api/types';
import { useResource } from '../api/use-resource';
import { LineChart, type Series } from '../charts/line-chart';
import { formatNumber, formatTime } from '../components/format';
import { endpointMetricCharts, MetricCharts } from '../components/metric-charts';
import { Card, Empty, ErrorBanner, Field, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can, useSession } from '../session';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;
const SETTLING = new Set(['Creating', 'Updating', 'Deleting']);

export function EndpointsPage() {
  const list = useResource((signal) => endpointsApi.list(signal), []);
  useWatch(list.data?.items.some((e) => SETTLING.has(e.status)) ? { kind: 'endpoint', name: '*' } : null, list.reload);
  return (
    <>
      <PageHeader title="Endpoints" subtitle="Real-time inference: models behind a weighted router, SageMaker's /invocations." />
      <Can permission="endpoints:write">
        <CreateEndpoint onCreated={list.reload} />
      </Can>
      <Card title="All endpoints">
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No endpoints yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Variants</th>
                  <th scope="col" className="num">Invocations (1 min)</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((e) => (
                  <tr key={e.name}>
                    <td>
                      <Link to={`/endpoints/${encodeURIComponent(e.name)}`}>{e.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={e.status} />
                    </td>
                    <td>
                      {e.variants.map((v) => (
                        <span key={v.name} className="chip">
                          {v.name}: {v.model} ×{v.currentInstances} (w {formatNumber(v.currentWeight)})
                        </span>
                      ))}
                    </td>
                    <td className="num">{e.variants.reduce((n, v) => n + v.counters.lastMinute, 0)}</td>
                    <td>{formatTime(e.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: () => void }) {
  const navigate = useNavigate();
  const models = useResource((signal) => modelsApi.list({ limit: 1000 }, signal), []);
  // `?model=NAME` (a "deploy" link elsewhere) opens the form with that model chosen.
  const [search] = useSearchParams();
  const preset = search.get('model') ?? '';
  const [name, setName] = useState('');
  const [variants, setVariants] = useState([{ name: 'AllTraffic', model: preset, instances: '1', weight: '1' }]);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameError = touched && (!NAME.test(name) || name.length > 63) ? '1–63 letters, digits and hyphens.' : undefined;
  const set = (i: number, patch: Partial<(typeof variants)[number]>) => setVariants((vs) => vs.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (nameError || !NAME.test(name) || variants.some((v) => !v.model)) return;
    setError(null);
    try {
      const created = await endpointsApi.create({ name, variants: variants.map((v) => ({ name: v.name, model: v.model, instances: Number(v.instances), weight: Number(v.weight) })) });
      onCreated();
      navigate(`/endpoints/${encodeURIComponent(created.name)}`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <details className="card" open={preset ? true : undefined}>
      <summary>Deploy a model</summary>
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field label="Endpoint name" error={nameError}>
            {(p) => <input {...p} value={name} maxLength={63} onChange={(e) => setName(e.target.value)} />}
          </Field>
        </div>
        <h3>Variants</h3>
        {variants.map((v, i) => (
          <div key={i} className="form-grid variant-row">
            <Field label={`Variant ${i + 1} name`}>{(p) => <input {...p} value={v.name} onChange={(e) => set(i, { name: e.target.value })} />}</Field>
            <Field label={`Variant ${i + 1} model`} error={touched && !v.model ? 'Choose a model.' : undefined}>
              {(p) => (
                <select {...p} value={v.model} onChange={(e) => set(i, { model: e.target.value })}>
                  <option value="">Choose a model…</option>
                  {models.data?.items.map((m) => (
                    <option key={m.name} value={m.name}>
                      {m.name} ({m.algorithm ?? m.format})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={`Variant ${i + 1} instances`}>{(p) => <input {...p} inputMode="numeric" value={v.instances} onChange={(e) => set(i, { instances: e.target.value })} />}</Field>
            <Field label={`Variant ${i + 1} weight`}>{(p) => <input {...p} inputMode="decimal" value={v.weight} onChange={(e) => set(i, { weight: e.target.value })} />}</Field>
          </div>
        ))}
        <div className="form-actions">
          <button type="button" className="secondary" onClick={() => setVariants((vs) => [...vs, { name: `Variant${vs.length + 1}`, model: '', instances: '1', weight: '1' }])}>
            Add variant
          </button>
          <button type="submit">Deploy</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </details>
  );
}

interface Sample {
  t: number;
  byVariant: Record<string, { lastMinute: number; latency: number | null }>;
}

export function EndpointDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const started = useRef(Date.now());
  const samples = useRef<Sample[]>([]);
  const endpoint = useResource(async (signal) => {
    const e = await endpointsApi.describe(name, signal);
    // Each refresh adds a point to the live charts (counters are the server's last minute).
    samples.current = [
      ...samples.current.slice(-299),
      { t: (Date.now() - started.current) / 1000, byVariant: Object.fromEntries(e.variants.map((v) => [v.name, { lastMinute: v.counters.lastMinute, latency: v.counters.modelLatencyMs }])) },
    ];
    return e;
  }, [name]);
  const e = endpoint.data;
  useWatch(e && e.status !== 'Failed' ? { kind: 'endpoint', name } : !e && !endpoint.error ? { kind: 'endpoint', name } : null, endpoint.reload);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/endpoints', label: 'Endpoints' }]}
        title={name}
        subtitle={e ? <StatusBadge status={e.status} /> : undefined}
        actions={
          e && (
            <>
              <Link className="button secondary" to={`/endpoints/${encodeURIComponent(name)}/monitor`}>
                Data quality monitor
              </Link>
              <Link className="button secondary" to={`/endpoints/${encodeURIComponent(name)}/model-quality`}>
                Model quality
              </Link>
              <Can permission="endpoints:write">
                <button
                  type="button"
                  className="danger secondary"
                  onClick={() => {
                    if (window.confirm(`Delete endpoint ${name}? Requests in flight finish first.`)) endpointsApi.remove(name).then(() => navigate('/endpoints'), setError);
                  }}
                >
                  Delete
                </button>
              </Can>
            </>
          )
        }
      />
      <ErrorBanner error={endpoint.error ?? error} onRetry={endpoint.reload} />
      {!e ? (
        !endpoint.error && <Loading />
      ) : (
        <>
          {e.failureReason && (
            <div className="banner error" role="alert">
              <strong>Failure reason:</strong> {e.failureReason}
            </div>
          )}
          <Variants endpoint={e} onChanged={endpoint.reload} />
          <Can permission="endpoints:invoke">
            <InvokeForm endpoint={e} />
          </Can>
          <LiveCharts samples={samples.current} variants={e.variants.map((v) => v.name)} />
          <Card title="Metrics (last 3 hours, per minute)">
            <MetricCharts charts={endpointMetricCharts(name)} />
          </Card>
          <Card title="Limits">
            <KeyValues
              items={[
                ['Concurrency per instance', e.limits.maxConcurrency],
                ['Queue', e.limits.maxQueue],
                ['Payload', `${(e.limits.maxPayloadBytes / 1024 / 1024).toFixed(0)} MB`],
                ['Timeout', `${e.limits.invocationTimeoutMs / 1000} s`],
                ['Data capture', e.dataCapture ? `${e.dataCapture.percent}% to ${e.dataCapture.destination}` : 'off'],
                ['Created', `${formatTime(e.createdAt)}${e.createdBy ? ` by ${e.createdBy}` : ''}`],
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}

/** Variants with their weights and instance counts, editable in place (no redeploy). */
function Variants({ endpoint, onChanged }: { endpoint: Endpoint; onChanged: () => void }) {
  const { can } = useSession();
  const editable = can('endpoints:write');
  const [draft, setDraft] = useState<Record<string, { weight: string; instances: string }>>({});
  const [error, setError] = useState<unknown>(null);
  const value = (v: Endpoint['variants'][number]) => draft[v.name] ?? { weight: String(v.desiredWeight), instances: String(v.desiredInstances) };
  const totalWeight = endpoint.variants.reduce((n, v) => n + Number(value(v).weight || 0), 0);
  const dirty = Object.keys(draft).length > 0;
  return (
    <Card title="Variants">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Model</th>
              <th scope="col">Weight</th>
              <th scope="col" className="num">Traffic</th>
              <th scope="col">Instances</th>
              <th scope="col" className="num">Invocations</th>
              <th scope="col" className="num">Errors</th>
              <th scope="col" className="num">Model latency</th>
            </tr>
          </thead>
          <tbody>
            {endpoint.variants.map((v) => {
              const val = value(v);
              return (
                <tr key={v.name}>
                  <th scope="row">{v.name}</th>
                  <td>
                    <Link to={`/models/${encodeURIComponent(v.model)}`}>{v.model}</Link>
                  </td>
                  <td>
                    {editable ? (
                      <input aria-label={`Weight of ${v.name}`} size={5} inputMode="decimal" value={val.weight} onChange={(e) => setDraft((d) => ({ ...d, [v.name]: { ...val, weight: e.target.value } }))} />
                    ) : (
                      formatNumber(v.currentWeight)
                    )}
                  </td>
                  <td className="num">{totalWeight > 0 ? `${((Number(val.weight || 0) / totalWeight) * 100).toFixed(0)}%` : '–'}</td>
                  <td>
                    {editable ? (
                      <input aria-label={`Instances of ${v.name}`} size={3} inputMode="numeric" value={val.instances} onChange={(e) => setDraft((d) => ({ ...d, [v.name]: { ...val, instances: e.target.value } }))} />
                    ) : (
                      v.currentInstances
                    )}{' '}
                    <span className="muted small">
                      {v.instances.filter((i) => i.status === 'InService').length} in service{v.autoscaling ? ', autoscaled' : ''}
                    </span>
                  </td>
                  <td className="num">{v.counters.invocations}</td>
                  <td className="num">{v.counters.clientErrors + v.counters.serverErrors + v.counters.throttled}</td>
                  <td className="num">{v.counters.modelLatencyMs === null ? '–' : `${formatNumber(v.counters.modelLatencyMs)} ms`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {editable && (
        <div className="form-actions">
          <button
            type="button"
            disabled={!dirty}
            onClick={() => {
              setError(null);
              endpointsApi
                .setWeights(
                  endpoint.name,
                  endpoint.variants.map((v) => ({ name: v.name, weight: Number(value(v).weight), instances: Number(value(v).instances) })),
                )
                .then(() => {
                  setDraft({});
                  onChanged();
                }, setError);
            }}
          >
            Apply weights and instances
          </button>
          {dirty && (
            <button type="button" className="secondary" onClick={() => setDraft({})}>
              Reset
            </button>
          )}
        </div>
      )}
      <ErrorBanner error={error} />
    </Card>
  );
}

function InvokeForm({ endpoint }: { endpoint: Endpoint }) {
  const [contentType, setContentType] = useState('text/csv');
  const [body, setBody] = useState('');
  const [variant, setVariant] = useState('');
  const [results, setResults] = useState<InvocationResult[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await endpointsApi.invoke(endpoint.name, body, contentType, variant || undefined);
      setResults((rs) => [r, ...rs].slice(0, 20));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const last = results[0];
  return (
    <Card title="Invoke">
      <form onSubmit={submit}>
        <div className="form-grid">
          <Field label="Content type">
            {(p) => (
              <select {...p} value={contentType} onChange={(e) => setContentType(e.target.value)}>
                <option>text/csv</option>
                <option>application/json</option>
                <option>application/jsonlines</option>
              </select>
            )}
          </Field>
          <Field label="Target variant (optional)">
            {(p) => (
              <select {...p} value={variant} onChange={(e) => setVariant(e.target.value)}>
                <option value="">By weight</option>
                {endpoint.variants.map((v) => (
                  <option key={v.name}>{v.name}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label="Request body" hint="text/csv: one row of features per line, no label column.">
          {(p) => <textarea {...p} className="code-input" rows={4} spellCheck={false} value={body} onChange={(e) => setBody(e.target.value)} placeholder="5.1,0.3,0.7,2" />}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy || !body.trim() || endpoint.status !== 'InService'}>
            {busy ? 'Invoking…' : 'Invoke'}
          </button>
          {endpoint.status !== 'InService' && <span className="muted small">The endpoint answers once it is InService.</span>}
        </div>
      </form>
      <ErrorBanner error={error} />
      {last && (
        <div className={`invocation ${last.status < 300 ? 'ok' : 'bad'}`} role="status" aria-label="Invocation result">
          <div className="small muted">
            HTTP {last.status} from {last.variant ?? '–'} in {last.latencyMs.toFixed(0)} ms ({last.contentType})
          </div>
          <pre className="prediction">{last.body}</pre>
        </div>
      )}
      {results.length > 1 && (
        <details>
          <summary>Earlier invocations ({results.length - 1})</summary>
          <ul className="small">
            {results.slice(1).map((r, i) => (
              <li key={i}>
                HTTP {r.status}, {r.variant ?? '–'}, {r.latencyMs.toFixed(0)} ms: <code>{r.body.slice(0, 80)}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

function LiveCharts({ samples, variants }: { samples: Sample[]; variants: string[] }) {
  if (samples.length < 2) return null;
  const series = (pick: (s: Sample, v: string) => number | null): Series[] =>
    variants.map((v) => ({ name: v, points: samples.flatMap((s) => (s.byVariant[v] && pick(s, v) !== null ? [{ x: Math.round(s.t), y: pick(s, v)! }] : [])) }));
  const latency = series((s, v) => s.byVariant[v].latency);
  return (
    <Card title="Live" actions={<span className="badge run">live</span>}>
      <div className="charts">
        <div className="chart-cell">
          <h3>Invocations in the last minute</h3>
          <LineChart title="Invocations in the last minute, by variant" xLabel="seconds on this page" yLabel="invocations" series={series((s, v) => s.byVariant[v].lastMinute)} height={200} />
        </div>
        <div className="chart-cell">
          <h3>Model latency (mean, last minute)</h3>
          {latency.some((s) => s.points.length > 0) ? (
            <LineChart title="Model latency by variant" xLabel="seconds on this page" yLabel="ms" series={latency} height={200} />
          ) : (
            <p className="muted">No invocations yet.</p>
          )}
        </div>
      </div>
    </Card>
  );
}
