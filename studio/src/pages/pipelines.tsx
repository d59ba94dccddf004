import { Link } from 'react-router';
import { pipelinesApi, type Execution } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { graphOf } from '../components/pipeline-graph-model';
import { parametersOf, pipelinePath, PipelineStatusBadge } from '../components/pipeline-ui';
import { Card, Empty, ErrorBanner, Loading, PageHeader } from '../components/ui';

/** Pipelines with their latest execution, followed live through the platform feed. */
export function PipelinesPage() {
  const all = useResource(async (signal) => {
    const [pipelines, executions] = await Promise.all([pipelinesApi.list({ limit: 1000 }, signal), pipelinesApi.executions({ limit: 500 }, signal)]);
    // Executions come newest first: the first one seen per pipeline is its latest.
    const latest = new Map<string, Execution>();
    for (const e of executions.items) if (!latest.has(e.pipeline)) latest.set(e.pipeline, e);
    return { pipelines: pipelines.items, latest };
  }, []);
  useWatch({ kind: 'feed', of: 'pipeline-execution' }, all.reload);
  const d = all.data;
  return (
    <>
      <PageHeader title="Pipelines" subtitle="Versioned ML workflows: their steps as a graph, executions with each step's inputs and outputs, approvals. Created with orchard pipelines create." />
      <ErrorBanner error={all.error} onRetry={all.reload} />
      {!d ? (
        !all.error && <Loading />
      ) : (
        <Card>
          {d.pipelines.length === 0 ? (
            <Empty>No pipelines yet. Create one with orchard pipelines create NAME --file def.json.</Empty>
          ) : (
            <div className="table-wrap">
              <table aria-label="Pipelines">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" className="num">Version</th>
                    <th scope="col" className="num">Steps</th>
                    <th scope="col">Parameters</th>
                    <th scope="col">Overlap</th>
                    <th scope="col">Last execution</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.pipelines.map((p) => {
                    const last = d.latest.get(p.name);
                    return (
                      <tr key={p.name} data-pipeline={p.name}>
                        <td>
                          <Link to={pipelinePath(p.name)}>{p.name}</Link>
                          {p.description && <div className="muted small">{p.description}</div>}
                        </td>
                        <td className="num">{p.latestVersion}</td>
                        <td className="num">{graphOf(p.definition).order.length}</td>
                        <td>{Object.keys(parametersOf(p.definition)).join(', ') || <span className="muted">–</span>}</td>
                        <td>{p.overlap}</td>
                        <td>
                          {last ? (
                            <span className="status-line">
                              <PipelineStatusBadge status={last.status} />
                              <Link to={pipelinePath(p.name, last.id)}>
                                <code>{last.id}</code>
                              </Link>
                            </span>
                          ) : (
                            <span className="muted">never run</span>
                          )}
                        </td>
                        <td>{formatTime(p.updatedAt)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      )}
    </>
  );
}
