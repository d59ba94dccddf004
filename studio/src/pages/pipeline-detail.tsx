import { useCallback } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { pipelinesApi, type Execution } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatDuration, formatTime } from '../components/format';
import { PipelineGraph } from '../components/pipeline-graph';
import { EXECUTION_ACTIVE, pipelinePath, PipelineStatusBadge, StartForm } from '../components/pipeline-ui';
import { Card, Empty, ErrorBanner, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';
import { ExecutionView } from './pipeline-execution';

/**
 * A pipeline: the graph of its steps coloured by the selected execution (`?execution=`, the
 * newest by default) and followed live, that execution's steps and approvals, the start
 * form, and the execution history.
 */
export function PipelinePage() {
  const { name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const pipeline = useResource((signal) => pipelinesApi.describe(name, signal), [name]);
  const versions = useResource((signal) => pipelinesApi.versions(name, signal), [name, pipeline.data?.latestVersion]);
  const { history, execution, exec, selectedId } = useShownExecution(name, search.get('execution'));
  const reloadExecution = execution.reload;
  const reloadHistory = history.reload;

  const p = pipeline.data;
  const definition = (exec && versions.data?.items.find((v) => v.version === exec.version)?.definition) ?? p?.definition;
  const step = search.get('step');
  const select = (next: { execution?: string; step?: string | null }) => {
    const params = new URLSearchParams(search);
    if (next.execution !== undefined) {
      params.set('execution', next.execution);
      params.delete('step');
    }
    if (next.step !== undefined) {
      if (next.step === null) params.delete('step');
      else params.set('step', next.step);
    }
    setSearch(params, { replace: next.execution === undefined });
  };
  const changed = (e: Execution) => {
    if (e.id === selectedId) reloadExecution();
    else select({ execution: e.id });
    reloadHistory();
  };
  return (
    <>
      <PageHeader crumbs={[{ to: '/pipelines', label: 'Pipelines' }]} title={name} subtitle={p ? `${p.description ? `${p.description} · ` : ''}version ${p.latestVersion} · overlap ${p.overlap}` : undefined} />
      <ErrorBanner error={pipeline.error} onRetry={pipeline.reload} />
      {!p ? (
        !pipeline.error && <Loading />
      ) : (
        <>
          <Card
            title={exec ? <>Graph of execution <code>{exec.id}</code></> : 'Graph'}
            actions={exec ? <PipelineStatusBadge status={exec.status} /> : <span className="muted small">version {p.latestVersion}, not run yet</span>}
            className="pipeline-graph-card"
          >
            <ErrorBanner error={execution.error} onRetry={execution.reload} />
            <PipelineGraph definition={definition} steps={exec?.steps} selected={step} onSelect={(s) => select({ step: s })} />
          </Card>
          {exec && definition !== undefined && <ExecutionView execution={exec} definition={definition} selectedStep={step} onSelectStep={(s) => select({ step: s })} onChange={changed} />}
          <div className="two-col">
            <Can permission="jobs:write">
              <Card title="Start an execution">
                <StartForm pipeline={p} onStarted={changed} />
              </Card>
            </Can>
            <Card title="Executions">
              <ErrorBanner error={history.error} onRetry={history.reload} />
              {history.data ? <ExecutionsTable executions={history.data.items} total={history.data.total} selected={selectedId} /> : !history.error && <Loading />}
            </Card>
          </div>
        </>
      )}
    </>
  );
}

/**
 * The pipeline's history and the execution shown (the one asked for, else the newest),
 * followed live: re-read on its feed events, its own status and its steps' changes
 * (`pipeline-step`, named `<execution>/<step>`). Without the feed, the topics poll.
 */
function useShownExecution(name: string, asked: string | null) {
  const history = useResource((signal) => pipelinesApi.executions({ pipeline: name, limit: 50 }, signal), [name]);
  const selectedId = asked ?? history.data?.items[0]?.id ?? null;
  const execution = useResource((signal) => (selectedId ? pipelinesApi.execution(selectedId, signal) : Promise.resolve(null)), [selectedId]);
  const exec = execution.data && execution.data.id === selectedId ? execution.data : null;
  const live = exec ? EXECUTION_ACTIVE.has(exec.status) : false;
  const reloadExecution = execution.reload;
  const reloadHistory = history.reload;
  const refresh = useCallback(() => {
    reloadExecution();
    reloadHistory();
  }, [reloadExecution, reloadHistory]);
  useWatch(live && selectedId ? { kind: 'feed', of: 'pipeline-execution', name: selectedId } : null, refresh);
  useWatch(live && selectedId ? { kind: 'feed', of: 'pipeline-step', prefix: `${selectedId}/` } : null, reloadExecution);
  // Executions started elsewhere (the CLI, a trigger) join the history as they start.
  useWatch({ kind: 'feed', of: 'pipeline-execution' }, reloadHistory);
  return { history, execution, exec, selectedId };
}

function ExecutionsTable({ executions, total, selected }: { executions: Execution[]; total: number; selected: string | null }) {
  if (executions.length === 0) return <Empty>No executions yet.</Empty>;
  return (
    <div className="table-wrap">
      <table aria-label="Executions">
        <thead>
          <tr>
            <th scope="col">Execution</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Version</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {executions.map((e) => (
            <tr key={e.id} data-execution={e.id} aria-current={e.id === selected ? true : undefined}>
              <td>
                <Link to={pipelinePath(e.pipeline, e.id)}>
                  <code>{e.id}</code>
                </Link>
                {e.id === selected && <span className="muted small"> (shown)</span>}
              </td>
              <td>
                <PipelineStatusBadge status={e.status} />
              </td>
              <td className="num">{e.version}</td>
              <td>{formatTime(e.startedAt ?? e.createdAt)}</td>
              <td>{formatDuration(e.startedAt, e.endedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > executions.length && <p className="muted small">The newest {executions.length} of {total}.</p>}
    </div>
  );
}
