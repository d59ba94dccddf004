import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { transformsApi } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatDuration, formatTime } from '../components/format';
import { Card, ErrorBanner, KeyValues, Loading, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { Can } from '../session';

const ACTIVE = new Set(['InProgress', 'Stopping']);

export function TransformDetailPage() {
  const { name = '' } = useParams();
  const job = useResource((signal) => transformsApi.describe(name, signal), [name]);
  const j = job.data;
  useWatch((j ? ACTIVE.has(j.status) : !job.error) ? { kind: 'transform-job', name } : null, job.reload);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/transforms', label: 'Batch transforms' }]}
        title={name}
        subtitle={j ? <StatusBadge status={j.status} /> : undefined}
        actions={
          j &&
          ACTIVE.has(j.status) && (
            <Can permission="jobs:write">
              <button type="button" className="danger" disabled={j.status === 'Stopping'} onClick={() => transformsApi.stop(name).then(job.reload, setError)}>
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
              <strong>Failure reason:</strong> {j.failureReason}
            </div>
          )}
          <Card title="Progress">
            <ProgressBar value={j.shards.completed} max={j.shards.total} label="Shards completed" />
            <p className="muted small">
              {j.shards.completed} of {j.shards.total} shards, {j.rowsProcessed.toLocaleString('en-US')} of {j.input.rows.toLocaleString('en-US')} rows, {j.shards.attempts} shard attempts
            </p>
            {j.output.version ? (
              <p>
                Output:{' '}
                <Link className="button" to={`/datasets/${encodeURIComponent(j.output.dataset)}?version=${j.output.version}`}>
                  {j.output.dataset}@{j.output.version}
                </Link>
              </p>
            ) : (
              <p className="muted">The output dataset {j.output.dataset} gets a new version when every shard is done.</p>
            )}
          </Card>
          <Card title="Job">
            <KeyValues
              items={[
                ['Model', <Link key="m" to={`/models/${encodeURIComponent(j.model)}`}>{j.model}</Link>],
                ['Input', <Link key="i" to={`/datasets/${encodeURIComponent(j.input.dataset)}?version=${j.input.version}`}>{j.input.dataset}@{j.input.version}</Link>],
                ['Features', j.features.join(', ') || '–'],
                ['Split / batch', `${j.splitType} / ${j.batchStrategy}, ${j.maxPayloadMb} MB payloads`],
                ['Join source', j.joinSource],
                ['Input filter', j.inputFilter ?? '–'],
                ['Output filter', j.outputFilter ?? '–'],
                ['Created', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`],
                ['Duration', formatDuration(j.startedAt, j.endedAt)],
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}
