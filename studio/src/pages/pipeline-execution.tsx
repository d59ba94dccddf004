import { useCallback, useMemo, useState } from 'react';
import { pipelinesApi, trainingApi, type Execution, type ExecutionStep } from '../api/client';
import { formatDuration, formatTime } from '../components/format';
import { LogTail } from '../components/log-tail';
import { graphOf, nodeStates } from '../components/pipeline-graph-model';
import { ApprovalCard, EXECUTION_ACTIVE, PipelineStatusBadge, ResourceLink, waitingApprovals } from '../components/pipeline-ui';
import { Card, ErrorBanner, KeyValues } from '../components/ui';
import { Can, useSession } from '../session';

const STEP_ACTIVE = new Set(['Starting', 'Executing', 'Retrying', 'Waiting']);

const json = (v: unknown) => JSON.stringify(v, null, 2);

export interface ExecutionViewProps {
  execution: Execution;
  /** The definition of the execution's version (for steps that have not started). */
  definition: unknown;
  selectedStep: string | null;
  onSelectStep: (step: string) => void;
  /** Called with the answer of a stop, retry, approve or reject. */
  onChange: (e: Execution) => void;
}

/** One execution: its summary, stop / retry, waiting approvals, every step and the selected step's detail. */
export function ExecutionView({ execution: e, definition, selectedStep, onSelectStep, onChange }: ExecutionViewProps) {
  const { can } = useSession();
  return (
    <>
      <ExecutionSummary execution={e} onChange={onChange} />
      {waitingApprovals(e).map((s) =>
        can('models:approve') ? (
          <ApprovalCard key={s.name} execution={e} step={s} onDone={onChange} />
        ) : (
          <div key={s.name} className="banner" role="status">
            Step <code>{s.name}</code> waits for an approval by a user who may approve models.
          </div>
        ),
      )}
      <StepsTable execution={e} definition={definition} selectedStep={selectedStep} onSelectStep={onSelectStep} />
      {selectedStep && <StepDetail key={`${e.id}:${selectedStep}`} execution={e} definition={definition} name={selectedStep} />}
    </>
  );
}

function ExecutionSummary({ execution: e, onChange }: { execution: Execution; onChange: (e: Execution) => void }) {
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const act = (run: () => Promise<Execution>) => {
    setBusy(true);
    setActionError(null);
    run().then(onChange, setActionError).finally(() => setBusy(false));
  };
  return (
    <Card
      title={
        <>
          Execution <code>{e.id}</code>
        </>
      }
      actions={
        <Can permission="jobs:write">
          <div className="actions">
            {EXECUTION_ACTIVE.has(e.status) && (
              <button type="button" className="danger" disabled={busy || e.status === 'Stopping'} onClick={() => act(() => pipelinesApi.stop(e.id))}>
                {e.status === 'Stopping' ? 'Stopping…' : 'Stop'}
              </button>
            )}
            {(e.status === 'Failed' || e.status === 'Stopped') && (
              <button type="button" className="secondary" disabled={busy} onClick={() => act(() => pipelinesApi.retry(e.id))}>
                Retry from the failed step
              </button>
            )}
          </div>
        </Can>
      }
    >
      <ErrorBanner error={actionError} />
      <KeyValues
        items={[
          ['Status', <PipelineStatusBadge key="s" status={e.status} />],
          ['Version', e.version],
          ['Parameters', Object.keys(e.parameters).length ? <code key="p">{JSON.stringify(e.parameters)}</code> : '–'],
          ['Started by', `${triggerText(e.trigger)}${e.createdBy ? ` (${e.createdBy})` : ''}`],
          ['Created', formatTime(e.createdAt)],
          ['Duration', formatDuration(e.startedAt, e.endedAt)],
        ]}
      />
      {e.failureReason && (
        <div className="banner error" role="alert" style={{ marginTop: '0.75rem' }}>
          <strong>Failure reason:</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{e.failureReason}</span>
        </div>
      )}
    </Card>
  );
}

function triggerText(trigger: Record<string, unknown>): string {
  const kind = typeof trigger.kind === 'string' ? trigger.kind : 'api';
  const name = typeof trigger.name === 'string' ? ` ${trigger.name}` : typeof trigger.trigger === 'string' ? ` ${trigger.trigger}` : '';
  return `${kind}${name}${typeof trigger.retriedAt === 'string' ? `, retried ${formatTime(trigger.retriedAt)}` : ''}`;
}

/** Every step of the definition, with its row (or rows, one per for-each iteration) in the execution. */
function StepsTable({ execution: e, definition, selectedStep, onSelectStep }: Omit<ExecutionViewProps, 'onChange'>) {
  const graph = useMemo(() => graphOf(definition), [definition]);
  const states = useMemo(() => nodeStates(graph, e.steps), [graph, e.steps]);
  const rows: Array<{ node: string; step?: ExecutionStep }> = graph.order.flatMap((n) => {
    const s = states.get(n)?.rows ?? [];
    return s.length ? s.map((step) => ({ node: n, step })) : [{ node: n }];
  });
  return (
    <Card title="Steps">
      <div className="table-wrap">
        <table aria-label="Steps">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Attempts</th>
              <th scope="col">Resource</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ node, step }) => (
              <tr key={step?.name ?? node} data-step={step?.name ?? node} aria-current={selectedStep === node ? true : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => onSelectStep(node)}>
                    {step?.name ?? node}
                  </button>
                  {step?.cacheHit && <span className="chip">cached</span>}
                </td>
                <td>{graph.nodes.get(node)?.type}</td>
                <td>
                  <PipelineStatusBadge status={step?.status ?? 'Pending'} />
                </td>
                <td className="num">{step?.attempts ?? 0}</td>
                <td>{step ? <ResourceLink step={step} /> : <span className="muted">–</span>}</td>
                <td>{formatTime(step?.startedAt)}</td>
                <td>{step ? formatDuration(step.startedAt, step.endedAt) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

/** A step's inputs, outputs, failure and resource; a training step's job log. */
function StepDetail({ execution: e, definition, name }: { execution: Execution; definition: unknown; name: string }) {
  const graph = useMemo(() => graphOf(definition), [definition]);
  const rows = useMemo(() => nodeStates(graph, e.steps).get(name)?.rows ?? [], [graph, e.steps, name]);
  const [pick, setPick] = useState(0);
  const node = graph.nodes.get(name);
  if (!node) return null;
  const row = rows[Math.min(pick, rows.length - 1)];
  return (
    <Card
      title={
        <>
          Step <code>{name}</code> <span className="muted small">({node.type})</span>
        </>
      }
      className="step-detail"
    >
      {rows.length > 1 && (
        <label className="inline" style={{ marginBottom: '0.75rem' }}>
          Iteration
          <select value={Math.min(pick, rows.length - 1)} onChange={(ev) => setPick(Number(ev.target.value))}>
            {rows.map((r, i) => (
              <option key={r.name} value={i}>
                {r.name} ({r.status})
              </option>
            ))}
          </select>
        </label>
      )}
      {!row ? (
        <>
          <p className="muted">This step has not started in this execution.</p>
          <h3>Definition</h3>
          <pre className="log" style={{ height: 'auto', maxHeight: 240 }}>
            {json(node.def)}
          </pre>
        </>
      ) : (
        <StepRow step={row} executionActive={EXECUTION_ACTIVE.has(e.status)} />
      )}
    </Card>
  );
}

function StepRow({ step, executionActive }: { step: ExecutionStep; executionActive: boolean }) {
  return (
    <>
      <KeyValues
        items={[
          ['Status', <PipelineStatusBadge key="s" status={step.status} />],
          ['Attempts', step.attempts],
          ['Resource', <ResourceLink key="r" step={step} />],
          ['Cache', step.cacheHit ? 'reused an earlier execution’s outputs' : '–'],
          ['Started', formatTime(step.startedAt)],
          ['Duration', formatDuration(step.startedAt, step.endedAt)],
        ]}
      />
      {step.failureReason && (
        <div className="banner error" role="alert" style={{ marginTop: '0.75rem' }}>
          <strong>Failure:</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{step.failureReason}</span>
        </div>
      )}
      <div className="two-col" style={{ marginTop: '0.75rem' }}>
        <div>
          <h3>Inputs</h3>
          <pre className="log" aria-label={`Inputs of ${step.name}`} style={{ height: 'auto', maxHeight: 280 }}>
            {step.inputs === null ? '–' : json(step.inputs)}
          </pre>
        </div>
        <div>
          <h3>Outputs</h3>
          <pre className="log" aria-label={`Outputs of ${step.name}`} style={{ height: 'auto', maxHeight: 280 }}>
            {json(step.outputs)}
          </pre>
        </div>
      </div>
      {step.type === 'training' && step.resource && <TrainingLog job={step.resource} live={executionActive && STEP_ACTIVE.has(step.status)} />}
    </>
  );
}

/** The training job's log through the training log route, followed on the job's event stream while it runs. */
function TrainingLog({ job, live }: { job: string; live: boolean }) {
  const load = useCallback((after: number | undefined) => trainingApi.logs(job, after), [job]);
  return (
    <div style={{ marginTop: '0.75rem' }}>
      <LogTail load={load} live={live} follow={{ topic: { kind: 'training-job', name: job } }} label={`Log of training job ${job}`} />
    </div>
  );
}
