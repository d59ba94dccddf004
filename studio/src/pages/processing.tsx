import { Link } from 'react-router';
import { processingApi } from '../api/client';
import type { ProcessingJob } from '../api/types';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatDuration, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader, ProgressBar, StatusBadge } from '../components/ui';

const ACTIVE = new Set(['InProgress', 'Stopping']);

/** What an output became (a dataset version, linked), or where it will go. */
export function OutputTarget({ job, output }: { job: ProcessingJob; output: ProcessingJob['processingOutputs'][number] }) {
  const done = job.outputs[output.name];
  if (output.dataset) {
    const version = done?.split('@')[1];
    return version ? (
      <Link to={`/datasets/${encodeURIComponent(output.dataset)}?version=${version}`}>{done}</Link>
    ) : (
      <span className="muted">{output.dataset}</span>
    );
  }
  return <span className={done ? undefined : 'muted'}>artifacts/{output.artifactPrefix}/</span>;
}

export function ProcessingJobsPage() {
  const list = useResource((signal) => processingApi.list({ limit: 200 }, signal), []);
  const running = Boolean(list.data?.items.some((j) => ACTIVE.has(j.status)));
  useWatch(running ? { kind: 'feed', of: 'processing-job' } : null, list.reload);
  return (
    <>
      <PageHeader title="Processing" subtitle="Scripts over datasets on one or more instances; their output folders become dataset versions or artifacts. Started with orchard process." />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No processing jobs yet. Run one with orchard process --name NAME --script prep.py --input raw=DATASET --output clean=DATASET.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Script</th>
                  <th scope="col">Inputs</th>
                  <th scope="col">Instances</th>
                  <th scope="col">Outputs</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((j) => (
                  <tr key={j.name}>
                    <td>
                      <Link to={`/processing/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td>
                      <code>{j.script.entryPoint}</code>
                    </td>
                    <td>{j.processingInputs.map((i) => `${i.dataset}@${i.version}`).join(', ') || '–'}</td>
                    <td className="progress-cell">
                      <ProgressBar value={j.instances.filter((i) => i.status === 'Completed').length} max={j.instanceCount} label={`Instances of ${j.name} completed`} />
                    </td>
                    <td>
                      {j.processingOutputs.length === 0
                        ? '–'
                        : j.processingOutputs.map((o, n) => (
                            <span key={o.name}>
                              {n > 0 && ', '}
                              <OutputTarget job={j} output={o} />
                            </span>
                          ))}
                    </td>
                    <td>{formatTime(j.createdAt)}</td>
                    <td>{formatDuration(j.startedAt, j.endedAt)}</td>
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
