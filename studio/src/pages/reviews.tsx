import { useState } from 'react';
import { reviewsApi, type HumanLoop, type HumanLoopStatus, type ReviewTask } from '../api/client';
import { useResource } from '../api/use-resource';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';

const STATUSES: HumanLoopStatus[] = ['InProgress', 'Completed', 'Stopped'];

/** The human loops of every flow (A2I), newest first, with their answers and output. */
export function ReviewsPage() {
  const [status, setStatus] = useState<HumanLoopStatus | ''>('');
  const [open, setOpen] = useState<string | null>(null);
  const loops = useResource((signal) => reviewsApi.list({ ...(status ? { status } : {}), limit: 100 }, signal), [status]);
  const flows = useResource((signal) => reviewsApi.flows(signal), []);
  const items = loops.data?.items ?? [];
  return (
    <>
      <PageHeader title="Human review" subtitle="Predictions an endpoint was unsure of, sent to reviewers by a flow definition; answered loops are written as A2I output." />
      <Card title="Flow definitions">
        <ErrorBanner error={flows.error} onRetry={flows.reload} />
        {!flows.data ? (
          <Loading />
        ) : flows.data.items.length === 0 ? (
          <Empty>No flow definitions. Create one with orchard reviews flows create.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Flow</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Condition</th>
                  <th scope="col">In progress</th>
                  <th scope="col">Completed</th>
                </tr>
              </thead>
              <tbody>
                {flows.data.items.map((f) => (
                  <tr key={f.name} data-flow={f.name}>
                    <td>{f.name}</td>
                    <td>{f.endpoint ?? '—'}</td>
                    <td>{f.labels.join(', ')}</td>
                    <td>{conditionText(f.activation)}</td>
                    <td>{f.counts.inProgress}</td>
                    <td>{f.counts.completed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card
        title="Human loops"
        actions={
          <label className="small">
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value as HumanLoopStatus | '')}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorBanner error={loops.error} onRetry={loops.reload} />
        {!loops.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>No human loops.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Loop</th>
                  <th scope="col">Flow</th>
                  <th scope="col">Status</th>
                  <th scope="col">Predicted</th>
                  <th scope="col">Confidence</th>
                  <th scope="col">Answers</th>
                </tr>
              </thead>
              <tbody>
                {items.map((l) => (
                  <tr key={l.name} data-loop={l.name}>
                    <td>
                      <button type="button" className="link" onClick={() => setOpen(open === l.name ? null : l.name)} aria-expanded={open === l.name}>
                        {l.name}
                      </button>
                    </td>
                    <td>{l.flow}</td>
                    <td>
                      <StatusBadge status={l.status} />
                    </td>
                    <td>{l.predictedLabel ?? '—'}</td>
                    <td>{l.confidence === null ? '—' : l.confidence.toFixed(3)}</td>
                    <td>
                      {l.humanAnswers.length} of {l.reviewersPerLoop}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {open && items.find((l) => l.name === open) && <LoopDetail loop={items.find((l) => l.name === open)!} />}
      </Card>
    </>
  );
}

function LoopDetail({ loop }: { loop: HumanLoop }) {
  return (
    <div className="review-detail" data-testid="loop-detail">
      <KeyValues
        items={[
          ['Source', loop.source],
          ['Endpoint', loop.endpoint ? `${loop.endpoint} (${loop.variant})` : '—'],
          ['Inference id', loop.inferenceId ?? '—'],
          ['Answers', loop.humanAnswers.map((a) => `${a.workerId}: ${JSON.stringify(a.answerContent)}`).join('; ') || '—'],
          ['Output', loop.output ?? '—'],
        ]}
      />
      <div className="copy-block">
        <pre>{JSON.stringify(loop.inputContent, null, 2)}</pre>
      </div>
    </div>
  );
}

function conditionText(a: { confidenceBelow?: number; labels?: string[]; samplePercent?: number } | null): string {
  if (!a) return 'started by the API';
  return [a.confidenceBelow !== undefined ? `confidence < ${a.confidenceBelow}` : null, a.labels ? `predicted ${a.labels.join(' or ')}` : null, a.samplePercent !== undefined ? `${a.samplePercent}% sample` : null]
    .filter(Boolean)
    .join(', or ');
}

/** A reviewer's page: the next loop waiting for them, its request and prediction, a label to pick. */
export function ReviewWorkPage() {
  const [task, setTask] = useState<ReviewTask | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [labels, setLabels] = useState<string[]>([]);
  const [comment, setComment] = useState('');
  const take = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await reviewsApi.next();
      setTask(next);
      setLabels(next ? Array.from({ length: next.records ?? 1 }, () => next.predictedLabel ?? next.labels[0]) : []);
      setComment('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = async () => {
    if (!task) return;
    setBusy(true);
    setError(null);
    try {
      await reviewsApi.answer(task.loop, { ...(labels.length === 1 ? { label: labels[0] } : { labels }), ...(comment ? { comment } : {}) });
      await take();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title="Review" subtitle="Predictions a model was unsure of: check each one and pick the right label." />
      <ErrorBanner error={error} />
      <Card>
        {task === undefined ? (
          <button type="button" className="primary" onClick={() => void take()} disabled={busy}>
            Start reviewing
          </button>
        ) : task === null ? (
          <Empty>Nothing waits for your review now.</Empty>
        ) : (
          <form
            data-loop={task.loop}
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <KeyValues
              items={[
                ['Flow', task.flow],
                ['Model said', task.predictedLabel ? `${task.predictedLabel}${task.confidence !== null ? ` (${(task.confidence * 100).toFixed(1)} %)` : ''}` : '—'],
                ['Lease until', new Date(task.leaseExpiresAt).toLocaleTimeString()],
              ]}
            />
            {task.instructions && <p className="review-instructions">{task.instructions}</p>}
            <div className="copy-block">
              <pre>{JSON.stringify(task.inputContent, null, 2)}</pre>
            </div>
            {labels.map((value, i) => (
              <fieldset key={i}>
                <legend>{labels.length > 1 ? `Record ${i + 1}` : 'Label'}</legend>
                {task.labels.map((l) => (
                  <label key={l}>
                    <input type="radio" name={`record-${i}`} value={l} checked={value === l} onChange={() => setLabels(labels.map((v, j) => (j === i ? l : v)))} /> {l}
                  </label>
                ))}
              </fieldset>
            ))}
            <label>
              Comment <input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={1000} />
            </label>
            <div className="actions">
              <button type="submit" className="primary" disabled={busy}>
                Submit and next
              </button>
            </div>
          </form>
        )}
      </Card>
    </>
  );
}
