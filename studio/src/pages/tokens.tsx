import { useState, type FormEvent } from 'react';
import { tokensApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { useSession } from '../session';
import { AccessKeysSection } from './access-keys';

export function TokensPage() {
  const { can } = useSession();
  const admin = can('users:manage');
  const [all, setAll] = useState(false);
  const tokens = useResource((signal) => tokensApi.list({ all: admin && all }, signal), [all, admin]);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <PageHeader title="API tokens" subtitle="For the CLI, the SDK and scripts: Authorization: Bearer <token>." />
      <CreateToken admin={admin} onCreated={(t) => { setCreated(t); tokens.reload(); }} />
      {created && (
        <div className="banner ok" role="status">
          <strong>Token “{created.name}” created.</strong> Copy it now; it is not shown again.
          <code className="secret" tabIndex={0}>{created.token}</code>
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(created.token)}>
            Copy
          </button>
        </div>
      )}
      <Card
        title={admin && all ? 'Every token' : 'Your tokens'}
        actions={
          admin && (
            <label className="inline">
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> <span>All users</span>
            </label>
          )
        }
      >
        <ErrorBanner error={tokens.error ?? error} />
        {!tokens.data ? (
          <Loading />
        ) : tokens.data.items.length === 0 ? (
          <Empty>No tokens.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">User</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.userName}</td>
                    <td>{formatTime(t.createdAt)}</td>
                    <td>{t.expiresAt ? formatTime(t.expiresAt) : 'never'}</td>
                    <td>{formatTime(t.lastUsedAt)}</td>
                    <td>{t.revokedAt ? <span className="badge muted">revoked</span> : <span className="badge ok">active</span>}</td>
                    <td>
                      {!t.revokedAt && (
                        <button
                          type="button"
                          className="danger secondary"
                          onClick={() => {
                            if (window.confirm(`Revoke token ${t.name}? Scripts using it stop working.`)) tokensApi.revoke(t.id).then(tokens.reload, setError);
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <h2>Access keys</h2>
      <AccessKeysSection admin={admin} all={all} />
    </>
  );
}

function CreateToken({ admin, onCreated }: { admin: boolean; onCreated: (t: { name: string; token: string }) => void }) {
  const [name, setName] = useState('');
  const [user, setUser] = useState('');
  const [days, setDays] = useState('90');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const t = await tokensApi.create({ name: name || undefined, user: admin && user ? user : undefined, expiresInDays: days ? Number(days) : undefined });
      setName('');
      onCreated({ name: t.name, token: t.token });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Create a token">
      <form className="form-grid" onSubmit={submit}>
        <Field label="Name">{(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. ci" maxLength={64} />}</Field>
        {admin && <Field label="For user (optional)" hint="Empty: for you.">{(p) => <input {...p} value={user} onChange={(e) => setUser(e.target.value)} />}</Field>}
        <Field label="Expires in (days)" hint="Empty: never.">
          {(p) => <input {...p} inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit">Create token</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
