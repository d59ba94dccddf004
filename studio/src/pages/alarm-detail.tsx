import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { alarmsApi, metricsApi, type Alarm } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { SeriesChart, type XYSeries } from '../charts/series-chart';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';
import { AlarmBadge, alarmRule, alarmSubject } from './alarms';

export function AlarmDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const alarm = useResource((signal) => alarmsApi.describe(name, signal), [name]);
  useWatch({ kind: 'feed', of: 'alarm', name }, alarm.reload);
  const [error, setError] = useState<unknown>(null);
  const act = (action: () => Promise<unknown>) => action().then(alarm.reload, setError);
  const a = alarm.data;
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/alarms', label: 'Alarms' }]}
        title={name}
        subtitle={a ? <AlarmBadge state={a.state} /> : undefined}
        actions={
          a && (
            <Can permission="jobs:write">
              <button type="button" disabled={!a.enabled} onClick={() => void act(() => alarmsApi.evaluate(name))}>
                Evaluate now
              </button>
              <button type="button" onClick={() => void act(() => (a.enabled ? alarmsApi.disable(name) : alarmsApi.enable(name)))}>
                {a.enabled ? 'Disable' : 'Enable'}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  if (window.confirm(`Delete alarm ${name} and its history?`)) void alarmsApi.remove(name).then(() => navigate('/alarms'), setError);
                }}
              >
                Delete
              </button>
            </Can>
          )
        }
      />
      <ErrorBanner error={alarm.error ?? error} onRetry={alarm.reload} />
      {!a ? (
        <Loading />
      ) : (
        <>
          <Card title="State">
            <p className="alarm-reason">{a.stateReason}</p>
            <KeyValues
              items={[
                ['Watches', `${alarmSubject(a)} (${a.namespace} metrics)`],
                ['Rule', <code key="rule">{alarmRule(a)}</code>],
                ['Missing data', a.treatMissingData],
                ['On ALARM', a.actions.join(', ') || '—'],
                ['On OK', a.okActions.join(', ') || '—'],
                ['Enabled', a.enabled ? 'yes' : 'no'],
                ['State since', formatTime(a.stateUpdatedAt)],
                ['Last evaluated', formatTime(a.lastEvaluatedAt)],
                ['Description', a.description ?? '—'],
              ]}
            />
          </Card>
          <Card title="Metric and threshold">
            <AlarmChart alarm={a} />
          </Card>
          <Card title="History">
            <History alarm={a} />
          </Card>
        </>
      )}
    </>
  );
}

/** The metric over the last half hour (at least 20 periods), with the threshold as a flat line. */
function AlarmChart({ alarm }: { alarm: Alarm }) {
  const [series, setSeries] = useState<XYSeries[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const windowMs = Math.max(30 * 60_000, 20 * alarm.period * 1000);
  const query = JSON.stringify({ namespace: alarm.namespace, ...alarm.dimensions, metric: alarm.metric, stat: alarm.stat, period: String(alarm.period) });
  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        const since = new Date(Date.now() - windowMs).toISOString();
        const res = await metricsApi.get({ ...JSON.parse(query), since }, controller.signal);
        const points = res.datapoints.map((d) => ({ x: Date.parse(d.timestamp), y: d.value }));
        const xs = points.length > 0 ? [points[0].x, points[points.length - 1].x] : [Date.now() - windowMs, Date.now()];
        setSeries([
          { name: `${alarm.metric} (${alarm.stat})`, points },
          { name: `threshold ${alarm.threshold}`, points: [{ x: Math.min(xs[0], Date.now() - windowMs), y: alarm.threshold }, { x: Math.max(xs[1], Date.now()), y: alarm.threshold }] },
        ]);
        setError(null);
      } catch (err) {
        if (!controller.signal.aborted) setError((err as Error).message);
      }
    };
    void load();
    const timer = setInterval(() => void load(), 30_000);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [query, windowMs, alarm.metric, alarm.stat, alarm.threshold, alarm.lastEvaluatedAt]);
  if (error) return <p className="muted">Metrics unavailable: {error}</p>;
  if (!series) return <Loading label="Loading the metric…" />;
  return (
    <>
      <SeriesChart title={`${alarm.metric} ${alarm.stat} per ${alarm.period} s, threshold ${alarm.threshold}`} series={series} xKind="time" xLabel="time (UTC)" yLabel={alarm.metric} height={240} />
      {series[0].points.length === 0 && <p className="muted">No datapoints in this window yet.</p>}
    </>
  );
}

function History({ alarm }: { alarm: Alarm }) {
  if (alarm.history.length === 0) return <Empty>No state changes yet.</Empty>;
  return (
    <div className="table-wrap">
      <table className="alarm-history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Change</th>
            <th scope="col">Reason</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {alarm.history.map((t) => (
            <tr key={t.id}>
              <td>{formatTime(t.at)}</td>
              <td>
                <AlarmBadge state={t.from} /> → <AlarmBadge state={t.to} />
              </td>
              <td>{t.reason}</td>
              <td>
                {t.actions.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <ul>
                    {t.actions.map((r, i) => (
                      <li key={i}>
                        <code>{r.action}</code> {r.status}
                        {r.resource && <ActionResource action={r.action} resource={r.resource} />}
                        {r.error && <span className="muted"> — {r.error}</span>}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A link to what an action made: the stopped training job, or the execution's pipeline. */
function ActionResource({ action, resource }: { action: string; resource: string }) {
  if (action.startsWith('stop-training:')) return <> (<Link to={`/training-jobs/${encodeURIComponent(resource)}`}>{resource}</Link>)</>;
  if (action.startsWith('pipeline:')) return <> (<Link to={`/pipelines/${encodeURIComponent(action.slice(9).split('?')[0])}`}>{resource}</Link>)</>;
  return <span className="muted"> ({resource})</span>;
}
