import { useState } from 'react';
import { Link } from 'react-router';
import { modelsApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatBytes, formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader } from '../components/ui';

export function ModelsPage() {
  const [nameContains, setNameContains] = useState('');
  const list = useResource((signal) => modelsApi.list({ nameContains: nameContains || undefined, limit: 200 }, signal), [nameContains]);
  return (
    <>
      <PageHeader title="Models" subtitle="Immutable model artifacts with their lineage; create one from a completed training job." />
      <Card
        actions={
          <label className="inline">
            <span>Name contains</span>
            <input type="search" value={nameContains} onChange={(e) => setNameContains(e.target.value)} />
          </label>
        }
        title="All models"
      >
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>
            No models yet. Open a completed <Link to="/training-jobs?status=Completed">training job</Link> to create one.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Format</th>
                  <th scope="col">Algorithm</th>
                  <th scope="col">Source</th>
                  <th scope="col">Metrics</th>
                  <th scope="col" className="num">Size</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((m) => (
                  <tr key={m.name}>
                    <td>
                      <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                    </td>
                    <td>{m.format}</td>
                    <td>{m.algorithm ?? '–'}</td>
                    <td>
                      {m.lineage.trainingJob ? <Link to={`/training-jobs/${encodeURIComponent(m.lineage.trainingJob)}`}>{m.lineage.trainingJob}</Link> : m.lineage.source}
                    </td>
                    <td className="metrics-cell">
                      {Object.entries(m.metrics)
                        .slice(0, 2)
                        .map(([k, v]) => (
                          <span key={k} className="chip">
                            {k} {formatNumber(v)}
                          </span>
                        ))}
                    </td>
                    <td className="num">{formatBytes(m.sizeBytes)}</td>
                    <td>{formatTime(m.createdAt)}</td>
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
