import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { processingApi } from '../api/client';
import type { ProcessingLogLine } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatDuration, formatNumber, formatTime } from '../components/format';
import { LogTail } from '../components/log-tail';
import { jobMetricCharts, MetricCharts } from '../components/metric-charts';
import { Card, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';
import { OutputTarget } from './processing';
import { useWatch } from '../api/live';

const ACTIVE = new Set(['InProgress', 'Stopping']);

export function ProcessingDetailPage() {
  const { name = '' } = useParams();
  const job = useResource((signal) => processingApi.describe(name, signal), [name]);
  const j = job.data;
  const live = j ? ACTIVE.has(j.status) : !job.error;
  useWatch(live ? { kind: 'feed', of: 'processing-job', name } : null, job.reload);
  const [error, setError] = useState<unknown>(null);
  const loadLogs = useCallback((after: number | undefined) => processingApi.logs(name, after), [name]);
  const metrics = j ? Object.entries(j.finalMetrics) : [];
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/processing', label: 'Processing' }]}
        title={name}
        subtitle={j ? <StatusBadge status={j.status} /> : undefined}
        actions={
          j &&
          ACTIVE.has(j.status) && (
            <Can permission="jobs:write">
              <button type="button" className="danger" disabled={j.status === 'Stopping'} onClick={() => processingApi.stop(name).then(job.reload, setError)}>
                Stop
              </button>
            </Can>
          )
        }
      />
      <ErrorBanner error={job.error ?? error} onRetry={job.reload} />
      {!j ? (
        !job.error && <Loading />
      ) : (
        <>
          {j.failureReason && (
            <div className="banner error" role="alert">
              <strong>Failure reason:</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{j.failureReason}</span>
            </div>
          )}
          <Card title="Job">
            <KeyValues
              items={[
                ['Script', <code key="s">{j.script.entryPoint}</code>],
                ['Arguments', j.arguments.length ? <code key="a">{j.arguments.join(' ')}</code> : '–'],
                ['Instances', `${j.instanceCount}${j.cpus ? `, ${j.cpus} cpu(s) each` : ''}`],
                ['Limits', `${j.maxRuntimeSeconds} s per attempt, ${j.maxRetries} retries`],
                ['Created', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`],
                ['Duration', formatDuration(j.startedAt, j.endedAt)],
              ]}
            />
          </Card>
          <Card title="Inputs">
            {j.processingInputs.length === 0 ? (
              <p className="muted">No inputs.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Dataset</th>
                      <th scope="col">Folder</th>
                      <th scope="col">Format</th>
                      <th scope="col">Distribution</th>
                    </tr>
                  </thead>
                  <tbody>
                    {j.processingInputs.map((i) => (
                      <tr key={i.name}>
                        <td>{i.name}</td>
                        <td>
                          <Link to={`/datasets/${encodeURIComponent(i.dataset)}?version=${i.version}`}>
                            {i.dataset}@{i.version}
                          </Link>
                        </td>
                        <td>
                          <code>{i.localPath}</code>
                        </td>
                        <td>{i.format}</td>
                        <td>{i.distribution}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card title="Outputs">
            {j.processingOutputs.length === 0 ? (
              <p className="muted">No outputs.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Folder</th>
                      <th scope="col">Becomes</th>
                    </tr>
                  </thead>
                  <tbody>
                    {j.processingOutputs.map((o) => (
                      <tr key={o.name}>
                        <td>{o.name}</td>
                        <td>
                          <code>{o.localPath}</code>
                        </td>
                        <td>
                          <OutputTarget job={j} output={o} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {j.status !== 'Completed' && j.processingOutputs.length > 0 && <p className="muted small">Outputs are registered once every instance has succeeded.</p>}
          </Card>
          <Card title="Instances">
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Host</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Failure</th>
                  </tr>
                </thead>
                <tbody>
                  {j.instances.map((i) => (
                    <tr key={i.host}>
                      <td>{i.host}</td>
                      <td>
                        <StatusBadge status={i.status} />
                      </td>
                      <td>{i.attempts}</td>
                      <td className="small">{i.failureReason?.split('\n')[0] ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {metrics.length > 0 && (
              <KeyValues items={metrics.map(([k, v]) => [k, formatNumber(v)])} />
            )}
          </Card>
          <Card title="CPU and memory (per minute)">
            <MetricCharts charts={jobMetricCharts(name, 'processing')} since={j.startedAt ?? j.createdAt} />
          </Card>
          <LogTail
            load={loadLogs}
            live={live}
            follow={{ pollMs: 1500 }}
            label="Processing log"
            format={j.instanceCount > 1 ? (l: ProcessingLogLine) => `[${l.host}] ${l.line}` : undefined}
          />
        </>
      )}
    </>
  );
}
