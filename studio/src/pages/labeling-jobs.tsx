import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { labelingApi, type LabelingJob } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Markdown } from '../components/labeling-markdown';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { Can } from '../session';
import './labeling.css';

/** `name@3` → a link to the dataset's page. */
function DatasetLink({ version }: { version: string }) {
  const name = version.split('@')[0];
  return <Link to={`/datasets/${encodeURIComponent(name)}`}>{version}</Link>;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/** Labeling jobs for their owners: status and progress of each. */
export function LabelingJobsPage() {
  const list = useResource((signal) => labelingApi.list({ limit: 200 }, signal), []);
  useWatch({ kind: 'feed', of: 'labeling-job' }, list.reload);
  const items = list.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Labeling jobs"
        subtitle={
          <>
            Items sent to labelers, their answers consolidated into a manifest dataset. Create jobs with <code>orchard labeling jobs create</code> or the SDK; labelers work in{' '}
            <Link to="/label">Label</Link>. <Link to="/labeling-teams">Teams</Link> say who may take a job’s items.
          </>
        }
      />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>No labeling jobs yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Task</th>
                  <th scope="col">Labeled</th>
                  <th scope="col">Output</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((j) => (
                  <tr key={j.name} data-job={j.name}>
                    <td>
                      <Link to={`/labeling/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td>{j.taskType}</td>
                    <td>
                      <ProgressBar value={j.counts.labeled} max={j.counts.total} label={`${j.name}: items labeled`} />
                    </td>
                    <td>{j.output ? <DatasetLink version={j.output} /> : <span className="muted">—</span>}</td>
                    <td>{formatTime(j.createdAt)}</td>
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

/** One labeling job: counts, each labeler's work and accuracy, the output dataset, the instructions. */
export function LabelingJobPage() {
  const { name = '' } = useParams();
  const job = useResource((signal) => labelingApi.describe(name, signal), [name]);
  useWatch({ kind: 'feed', of: 'labeling-job', name }, job.reload);
  const [stopError, setStopError] = useState<unknown>(null);
  const j = job.data;
  const stop = async () => {
    setStopError(null);
    try {
      await labelingApi.stop(name);
      job.reload();
    } catch (err) {
      setStopError(err);
    }
  };
  return (
    <>
      <PageHeader
        title={name}
        crumbs={[{ to: '/labeling', label: 'Labeling jobs' }]}
        subtitle={j ? `${j.taskType}${j.multiLabel ? ' (multi-label)' : ''} · ${j.annotatorsPerItem} annotator${j.annotatorsPerItem === 1 ? '' : 's'} per item` : undefined}
        actions={
          j?.status === 'InProgress' ? (
            <Can permission="jobs:write">
              <button type="button" className="secondary" onClick={() => void stop()}>
                Stop and consolidate
              </button>
            </Can>
          ) : undefined
        }
      />
      <ErrorBanner error={job.error ?? stopError} onRetry={job.error ? job.reload : undefined} />
      {!j ? (
        <Loading />
      ) : (
        <LabelingJobBody job={j} />
      )}
    </>
  );
}

function LabelingJobBody({ job: j }: { job: LabelingJob }) {
  return (
    <>
      <Card title="Status">
        <KeyValues
          items={[
            ['Status', <StatusBadge key="s" status={j.status} />],
            ['Items labeled', <ProgressBar key="p" value={j.counts.labeled} max={j.counts.total} label="Items labeled" />],
            ['Counts', <span key="c" data-testid="labeling-counts">{`${j.counts.labeled} of ${j.counts.total} labeled · ${j.counts.machineLabeled} by machine · ${j.counts.answers} answers · ${j.counts.leased} leased now · ${j.counts.gold} gold`}</span>],
            ['Input', <DatasetLink key="i" version={j.dataset} />],
            ['Output', j.output ? <DatasetLink key="o" version={j.output} /> : <span key="o" className="muted">{`${j.outputDataset} (written when consolidated)`}</span>],
            ['Labels', j.labels.join(', ')],
            ['Label attribute', <code key="a">{j.labelAttribute}</code>],
            ...(j.verifiedAttribute ? ([['Verifies', <code key="v">{j.verifiedAttribute}</code>]] as [string, ReactNode][]) : []),
            ['Team', j.team ? <Link key="t" to="/labeling-teams">{j.team}</Link> : <span key="t" className="muted">every labeler</span>],
            ['Lease', `${j.leaseSeconds} s`],
            ['Created', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`],
            ...(j.endedAt ? ([['Ended', formatTime(j.endedAt)]] as [string, string][]) : []),
            ...(j.failureReason ? ([['Failure', j.failureReason]] as [string, string][]) : []),
          ]}
        />
      </Card>
      <Card title="Labelers">
        {j.workers.length === 0 ? (
          <Empty>No answers yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="labeling-workers">
              <thead>
                <tr>
                  <th scope="col">Labeler</th>
                  <th scope="col">Answers</th>
                  <th scope="col">Gold right</th>
                  <th scope="col">Gold accuracy</th>
                  <th scope="col">Estimated accuracy</th>
                </tr>
              </thead>
              <tbody>
                {j.workers.map((w) => (
                  <tr key={w.worker} data-worker={w.worker}>
                    <td>{w.worker}</td>
                    <td>{w.answers}</td>
                    <td>{w.goldAnswered > 0 ? `${w.goldCorrect} of ${w.goldAnswered}` : '—'}</td>
                    <td>{pct(w.goldAccuracy)}</td>
                    <td title="Dawid–Skene's estimate, after consolidation">{pct(w.estimatedAccuracy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Instructions">{j.instructions ? <Markdown source={j.instructions} className="markdown" /> : <p className="muted">None.</p>}</Card>
    </>
  );
}
