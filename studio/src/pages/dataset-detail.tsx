import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { datasetsApi } from '../api/client';
import type { DatasetColumn } from '../api/types';
import { useResource } from '../api/use-resource';
import { Histogram } from '../charts/bar-chart';
import { DataGrid } from '../components/data-grid';
import { formatBytes, formatNumber, formatTime } from '../components/format';
import { Card, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';

export function DatasetDetailPage() {
  const { name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const versions = useResource((signal) => datasetsApi.versions(name, signal), [name]);
  const latest = versions.data?.items[versions.data.items.length - 1]?.version;
  const version = Number(search.get('version')) || latest;
  const ref = version ? `${name}@${version}` : name;
  const detail = useResource((signal) => datasetsApi.describe(ref, signal), [ref]);
  const preview = useResource((signal) => datasetsApi.preview(ref, 50, signal), [ref]);
  const d = detail.data;
  const navigate = useNavigate();
  const [removeError, setRemoveError] = useState<unknown>(null);

  return (
    <>
      <PageHeader
        crumbs={[{ to: '/datasets', label: 'Datasets' }]}
        title={name}
        subtitle={d?.description ?? undefined}
        actions={
          <>
            {versions.data && versions.data.items.length > 0 && (
              <label className="inline">
                <span>Version</span>
                <select value={version ?? ''} onChange={(e) => setSearch({ version: e.target.value })}>
                  {[...versions.data.items].reverse().map((v) => (
                    <option key={v.version} value={v.version}>
                      v{v.version} — {formatTime(v.createdAt)}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <Link className="button secondary" to={`/datasets/${encodeURIComponent(name)}/quality${version ? `?version=${version}` : ''}`}>
              Data quality
            </Link>
            <Link className="button secondary" to={`/sql?q=${encodeURIComponent(`SELECT * FROM "${name}" LIMIT 100`)}`}>
              Query in SQL
            </Link>
            {d && (
              <Can permission="datasets:write">
                <button
                  type="button"
                  className="danger secondary"
                  onClick={() => {
                    if (window.confirm(`Delete ${ref}? It can be restored with \`orchard datasets restore ${ref}\`.`)) {
                      datasetsApi.remove(ref).then(() => navigate('/datasets'), setRemoveError);
                    }
                  }}
                >
                  Delete version
                </button>
              </Can>
            )}
          </>
        }
      />
      <ErrorBanner error={versions.error ?? detail.error ?? removeError} />
      {!d ? (
        !detail.error && <Loading />
      ) : (
        <>
          <Card title="Version">
            <KeyValues
              items={[
                ['Version', `v${d.version}`],
                ['Status', <StatusBadge key="s" status={d.status} />],
                ['Format', `${d.format}${d.format === 'csv' ? (d.header ? ', with header' : ', no header') : ''}`],
                ['Rows', d.rowCount.toLocaleString('en-US')],
                ['Size', formatBytes(d.sizeBytes)],
                ['Created', `${formatTime(d.createdAt)}${d.createdBy ? ` by ${d.createdBy}` : ''}`],
                ['sha256', <code key="h" className="hash">{d.sha256}</code>],
              ]}
            />
          </Card>
          <Card title={`Schema and statistics (${d.columns.length} columns)`}>
            <div className="table-wrap">
              <table className="stats">
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="num">Nulls</th>
                    <th scope="col" className="num">Distinct</th>
                    <th scope="col" className="num">Min</th>
                    <th scope="col" className="num">Max</th>
                    <th scope="col" className="num">Mean</th>
                    <th scope="col" className="num">Std dev</th>
                    <th scope="col">Distribution</th>
                  </tr>
                </thead>
                <tbody>
                  {d.columns.map((c) => (
                    <ColumnRow key={c.name} column={c} rows={d.rowCount} />
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
          <Card title="Preview (first 50 rows)">
            <ErrorBanner error={preview.error} />
            {preview.data ? <DataGrid result={preview.data} caption={`First rows of ${ref}`} /> : !preview.error && <Loading />}
          </Card>
        </>
      )}
    </>
  );
}

function ColumnRow({ column, rows }: { column: DatasetColumn; rows: number }) {
  const s = column.stats;
  return (
    <tr>
      <th scope="row">{column.name}</th>
      <td>
        <code>{column.type}</code>
      </td>
      <td className="num">
        {s.nulls.toLocaleString('en-US')}
        {rows > 0 && s.nulls > 0 && <span className="muted small"> ({((s.nulls / rows) * 100).toFixed(1)}%)</span>}
      </td>
      <td className="num">{s.distinct.toLocaleString('en-US')}</td>
      <td className="num">{formatNumber(s.min)}</td>
      <td className="num">{formatNumber(s.max)}</td>
      <td className="num">{formatNumber(s.mean)}</td>
      <td className="num">{formatNumber(s.stddev)}</td>
      <td className="dist">
        {s.histogram ? (
          <Histogram bins={s.histogram} title={`Histogram of ${column.name}`} compact height={36} />
        ) : s.topValues.length > 0 ? (
          <span className="top-values">
            {s.topValues.slice(0, 3).map((t) => (
              <span key={String(t.value)} className="chip">
                {String(t.value)} <span className="muted">×{t.count}</span>
              </span>
            ))}
          </span>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
    </tr>
  );
}
