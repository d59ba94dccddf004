import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { registryApi } from '../api/client';
import type { ApprovalStatus, ModelPackage } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader, StatusBadge } from '../components/ui';
import { useSession } from '../session';

export function RegistryPage() {
  const groups = useResource((signal) => registryApi.groups(signal), []);
  return (
    <>
      <PageHeader title="Model registry" subtitle="Model package groups: numbered versions with approval." />
      <Card>
        <ErrorBanner error={groups.error} onRetry={groups.reload} />
        {!groups.data ? (
          <Loading />
        ) : groups.data.items.length === 0 ? (
          <Empty>
            No groups yet. Register a <Link to="/models">model</Link> to start one.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col" className="num">Versions</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Description</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {groups.data.items.map((g) => (
                  <tr key={g.name}>
                    <td>
                      <Link to={`/registry/${encodeURIComponent(g.name)}`}>{g.name}</Link>
                    </td>
                    <td className="num">{g.versionCount}</td>
                    <td>{g.latestVersion ? `v${g.latestVersion}` : '–'}</td>
                    <td>{g.description ?? ''}</td>
                    <td>{formatTime(g.createdAt)}</td>
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

export function RegistryGroupPage() {
  const { group = '' } = useParams();
  const versions = useResource((signal) => registryApi.versions(group, signal), [group]);
  return (
    <>
      <PageHeader crumbs={[{ to: '/registry', label: 'Model registry' }]} title={group} subtitle="Versions, newest first." />
      <ErrorBanner error={versions.error} onRetry={versions.reload} />
      {!versions.data ? (
        !versions.error && <Loading />
      ) : versions.data.items.length === 0 ? (
        <Empty>This group has no versions.</Empty>
      ) : (
        versions.data.items.map((v) => <VersionCard key={v.version} pkg={v} onChanged={versions.reload} />)
      )}
    </>
  );
}

function VersionCard({ pkg, onChanged }: { pkg: ModelPackage; onChanged: () => void }) {
  const { can } = useSession();
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const set = (status: ApprovalStatus) => {
    setError(null);
    registryApi.setApproval(pkg.group, pkg.version, status, note || undefined).then(() => {
      setNote('');
      onChanged();
    }, setError);
  };
  return (
    <Card
      title={
        <>
          Version {pkg.version} <StatusBadge status={pkg.approvalStatus} />
        </>
      }
      className="version-card"
    >
      <div className="two-col">
        <div>
          <p>
            Model <Link to={`/models/${encodeURIComponent(pkg.modelName)}`}>{pkg.modelName}</Link> ({pkg.lineage.algorithm ?? pkg.lineage.format})
            {pkg.lineage.trainingJob && (
              <>
                {' '}
                from <Link to={`/training-jobs/${encodeURIComponent(pkg.lineage.trainingJob)}`}>{pkg.lineage.trainingJob}</Link>
              </>
            )}
          </p>
          {pkg.description && <p>{pkg.description}</p>}
          <p className="metrics-cell">
            {Object.entries(pkg.metrics).map(([k, v]) => (
              <span key={k} className="chip">
                {k} {formatNumber(v)}
              </span>
            ))}
          </p>
          {can('models:approve') && (
            <div className="inline-form">
              <label className="inline">
                <span>Note</span>
                <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={1024} placeholder="why (optional)" />
              </label>
              <button type="button" disabled={pkg.approvalStatus === 'Approved'} onClick={() => set('Approved')}>
                Approve
              </button>
              <button type="button" className="danger" disabled={pkg.approvalStatus === 'Rejected'} onClick={() => set('Rejected')}>
                Reject
              </button>
            </div>
          )}
          <ErrorBanner error={error} />
        </div>
        <div>
          <h3>Approval history</h3>
          <ol className="history">
            {pkg.approvalHistory.map((h, i) => (
              <li key={i}>
                <StatusBadge status={h.status} /> <span className="muted small">{formatTime(h.at)}</span> {h.by && <span className="small">by {h.by}</span>}
                {h.description && <div className="small">“{h.description}”</div>}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </Card>
  );
}
