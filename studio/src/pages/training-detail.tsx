import { useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { modelsApi, trainingApi } from '../api/client';
import { useWatch } from '../api/live';
import type { MetricPoint, TrainingJob } from '../api/types';
import { useResource } from '../api/use-resource';
import { LineChart } from '../charts/line-chart';
import { groupMetrics } from '../charts/metric-groups';
import { formatDuration, formatNumber, formatTime } from '../components/format';
import { LogTail } from '../components/log-tail';
import { jobMetricCharts, MetricCharts as StoredMetricCharts } from '../components/metric-charts';
import { Card, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';
import { DebuggerPanel } from './training-debugger';

const ACTIVE = new Set(['InProgress', 'Stopping']);

export function TrainingDetailPage() {
  const { name = '' } = useParams();
  const job = useResource((signal) => trainingApi.describe(name, signal), [name]);
  const j = job.data;
  // Until the first answer the job may be running; a job that cannot be read is not watched.
  const live = j ? ACTIVE.has(j.status) : !job.error;
  useWatch(live ? { kind: 'training-job', name } : null, job.reload);
  const [stopError, setStopError] = useState<unknown>(null);
  const loadLogs = useCallback((after: number | undefined) => trainingApi.logs(name, after), [name]);

  return (
    <>
      <PageHeader
        crumbs={[{ to: '/training-jobs', label: 'Training jobs' }]}
        title={name}
        subtitle={j ? <StatusLine job={j} /> : undefined}
        actions={
          j &&
          ACTIVE.has(j.status) && (
            <Can permission="jobs:write">
              <button
                type="button"
                className="danger"
                disabled={j.status === 'Stopping'}
                onClick={() => trainingApi.stop(name).then(job.reload, setStopError)}
              >
                {j.status === 'Stopping' ? 'Stopping…' : 'Stop'}
              </button>
            </Can>
          )
        }
      />
      <ErrorBanner error={job.error ?? stopError} onRetry={job.reload} />
      {!j ? (
        !job.error && <Loading />
      ) : (
        <>
          {j.failureReason && (
            <div className="banner error" role="alert">
              <strong>Failure reason:</strong> {j.failureReason}
            </div>
          )}
          {j.status === 'Completed' && (
            <Can permission="models:write">
              <CreateModel job={j} />
            </Can>
          )}
          <div className="two-col">
            <Card title="Job">
              <KeyValues
                items={[
                  ['Algorithm', j.algorithm ?? (j.script ? `script ${j.script.entryPoint}` : '–')],
                  ['Channels', Object.entries(j.channels).map(([ch, c]) => (
                    <div key={ch}>
                      {ch}: <Link to={`/datasets/${encodeURIComponent(c.dataset)}?version=${c.version}`}>{c.dataset}@{c.version}</Link>
                    </div>
                  ))],
                  ['Created', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`],
                  ['Duration', formatDuration(j.startedAt, j.endedAt)],
                  ['Attempts', j.attempts],
                  ['Model artifact', j.modelArtifact ? <code key="a" className="hash">{j.modelArtifact}</code> : '–'],
                ]}
              />
            </Card>
            <Card title="Hyperparameters">
              {Object.keys(j.hyperParameters).length === 0 ? (
                <p className="muted">All defaults.</p>
              ) : (
                <KeyValues items={Object.entries(j.hyperParameters).map(([k, v]) => [<code key={k}>{k}</code>, v])} />
              )}
              {Object.keys(j.finalMetrics).length > 0 && (
                <>
                  <h3>Final metrics</h3>
                  <KeyValues items={Object.entries(j.finalMetrics).map(([k, v]) => [k, <span key={k} data-metric={k}>{formatNumber(v)}</span>])} />
                </>
              )}
            </Card>
          </div>
          <MetricCharts metrics={j.metrics} />
          <DebuggerPanel job={j} />
          <Card title="CPU and memory (per minute)">
            <StoredMetricCharts charts={jobMetricCharts(name, 'training')} since={j.startedAt ?? j.createdAt} />
          </Card>
          <LogTail load={loadLogs} live={live} follow={{ topic: { kind: 'training-job', name } }} label="Training log" />
        </>
      )}
    </>
  );
}

function StatusLine({ job }: { job: TrainingJob }) {
  return (
    <span className="status-line">
      <StatusBadge status={job.status} /> {job.secondaryStatus !== job.status && <span className="muted">{job.secondaryStatus}</span>}
    </span>
  );
}

function MetricCharts({ metrics }: { metrics: MetricPoint[] }) {
  const groups = groupMetrics(metrics);
  if (groups.length === 0) return null;
  return (
    <Card title="Metrics">
      <div className="charts">
        {groups.map((g) => (
          <div key={g.title} className="chart-cell">
            <h3>{g.title}</h3>
            <LineChart title={`Metric ${g.title} by step`} series={g.series} xLabel="step" yLabel={g.title} height={220} />
          </div>
        ))}
      </div>
    </Card>
  );
}

function CreateModel({ job }: { job: TrainingJob }) {
  const navigate = useNavigate();
  const [modelName, setModelName] = useState(job.name);
  const [format, setFormat] = useState<'algorithm' | 'onnx'>('algorithm');
  const [error, setError] = useState<unknown>(null);
  return (
    <Card title="Create a model from this job">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          modelsApi.create({ name: modelName, fromJob: job.name, ...(format === 'onnx' ? { format } : {}) }).then((m) => navigate(`/models/${encodeURIComponent(m.name)}`), setError);
        }}
      >
        <label className="inline">
          <span>Model name</span>
          <input value={modelName} onChange={(e) => setModelName(e.target.value)} maxLength={63} />
        </label>
        <label className="inline">
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as 'algorithm' | 'onnx')}>
            <option value="algorithm">built-in ({job.algorithm ?? 'script'})</option>
            <option value="onnx">ONNX (exported)</option>
          </select>
        </label>
        <button type="submit">Create model</button>
      </form>
      <ErrorBanner error={error} />
    </Card>
  );
}
