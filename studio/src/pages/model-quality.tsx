import { Link, useParams, useSearchParams } from 'react-router';
import { modelQualityApi, type ModelQualityExecution } from '../api/client';
import { useResource } from '../api/use-resource';
import { LineChart, type Series } from '../charts/line-chart';
import { formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';

/** Metrics charted over executions, by problem type (the rest are in the table). */
const CHARTED: Record<string, string[]> = {
  BinaryClassification: ['accuracy', 'precision', 'recall', 'f1', 'auc'],
  MulticlassClassification: ['accuracy', 'precision', 'recall', 'f1'],
  Regression: ['mae', 'rmse', 'r2'],
};

/**
 * Model quality of one endpoint: its metrics over the executions, and the chosen (else
 * newest) execution's metrics, violations and confusion matrix.
 */
export function ModelQualityPage() {
  const { name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const executions = useResource((signal) => modelQualityApi.executions(name, signal), [name]);
  const items = executions.data?.items ?? [];
  const chosen = items.find((e) => e.id === search.get('execution')) ?? items[0];
  return (
    <>
      <PageHeader
        crumbs={[
          { to: '/endpoints', label: 'Endpoints' },
          { to: `/endpoints/${encodeURIComponent(name)}`, label: name },
        ]}
        title={`Model quality: ${name}`}
        subtitle="Captured predictions merged with ground truth by inference id, against the baseline's constraints."
      />
      <ErrorBanner error={executions.error} onRetry={executions.reload} />
      {!executions.data ? (
        !executions.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>
          No model-quality executions yet. Upload labels with <code>orchard monitor ground-truth put --endpoint {name} --file labels.jsonl</code>, then run{' '}
          <code>orchard monitor model-quality run --endpoint {name} --problem-type …</code>.
        </Empty>
      ) : (
        <>
          <MetricsOverTime items={items} />
          <Card title="Executions">
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Execution</th>
                    <th scope="col">Status</th>
                    <th scope="col">Matched</th>
                    <th scope="col">Violations</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id} aria-selected={e.id === chosen?.id}>
                      <td>
                        <Link to={`?execution=${encodeURIComponent(e.id)}`} onClick={() => setSearch({ execution: e.id })}>
                          <code>{e.id}</code>
                        </Link>
                      </td>
                      <td>
                        <StatusBadge status={e.status} />
                      </td>
                      <td>
                        {e.matched} of {e.captured}
                      </td>
                      <td>{e.violations.length}</td>
                      <td>{formatTime(e.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
          {chosen && <ExecutionDetail e={chosen} />}
        </>
      )}
    </>
  );
}

function MetricsOverTime({ items }: { items: ModelQualityExecution[] }) {
  const done = items.filter((e) => e.status !== 'Failed').reverse();
  if (done.length === 0) return null;
  const names = (CHARTED[done[done.length - 1].problemType] ?? []).filter((m) => done.some((e) => e.metrics[m] !== undefined));
  const series: Series[] = names.map((m) => ({ name: m, points: done.flatMap((e, i) => (e.metrics[m] === undefined ? [] : [{ x: i + 1, y: e.metrics[m] }])) }));
  return (
    <Card title="Metrics over executions">
      <LineChart series={series} title="Model quality metrics" xLabel="execution (oldest first)" markers />
    </Card>
  );
}

function ExecutionDetail({ e }: { e: ModelQualityExecution }) {
  return (
    <Card title={`Execution ${e.id}`}>
      <KeyValues
        items={[
          ['Status', <StatusBadge key="s" status={e.status} />],
          ['Problem type', e.problemType],
          ['Window', `${e.since ? formatTime(e.since) : 'all capture'} – ${formatTime(e.until)}`],
          ['Matched', `${e.matched} of ${e.captured} captured predictions (${e.skipped} unreadable)`],
          ...(e.failureReason ? [['Failure', e.failureReason] as [string, string]] : []),
          ...Object.entries(e.metrics).map(([k, v]) => [k, formatNumber(v)] as [string, string]),
        ]}
      />
      {e.violations.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Violations">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Check</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {e.violations.map((v) => (
                <tr key={v.metric_name}>
                  <td>{v.metric_name}</td>
                  <td>{v.constraint_check_type}</td>
                  <td>{v.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {e.confusionMatrix && <ConfusionMatrixTable matrix={e.confusionMatrix} />}
    </Card>
  );
}

function ConfusionMatrixTable({ matrix }: { matrix: Record<string, Record<string, number>> }) {
  const labels = Object.keys(matrix);
  return (
    <div className="table-wrap">
      <table aria-label="Confusion matrix">
        <caption>Confusion matrix (rows: actual, columns: predicted)</caption>
        <thead>
          <tr>
            <th scope="col">actual \ predicted</th>
            {labels.map((l) => (
              <th scope="col" className="num" key={l}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((a) => (
            <tr key={a}>
              <th scope="row">{a}</th>
              {labels.map((p) => (
                <td key={p} className={a === p ? 'num ok' : 'num'}>
                  {matrix[a][p] ?? 0}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
