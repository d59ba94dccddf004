import { useState, type FormEvent } from 'react';
import { accessKeysApi, type CreatedAccessKey } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading } from '../components/ui';

/** Access keys beside the tokens: what boto3 and the AWS SDKs sign with (SigV4). */
export function AccessKeysSection({ admin, all }: { admin: boolean; all: boolean }) {
  const keys = useResource((signal) => accessKeysApi.list({ all: admin && all }, signal), [all, admin]);
  const [created, setCreated] = useState<CreatedAccessKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = (p: Promise<unknown>) => p.then(keys.reload, setError);
  return (
    <>
      <CreateAccessKey
        admin={admin}
        onCreated={(k) => {
          setCreated(k);
          keys.reload();
        }}
      />
      {created && (
        <div className="banner ok" role="status">
          <strong>Access key {created.accessKeyId} created.</strong> Copy the secret now; it is not shown again.
          <code className="secret" tabIndex={0}>
            {created.secretAccessKey}
          </code>
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(created.secretAccessKey)}>
            Copy
          </button>
        </div>
      )}
      <Card title={admin && all ? 'Every access key' : 'Your access keys'}>
        <ErrorBanner error={keys.error ?? error} />
        {!keys.data ? (
          <Loading />
        ) : keys.data.items.length === 0 ? (
          <Empty>No access keys.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Access key id</th>
                  <th scope="col">User</th>
                  <th scope="col">Description</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {keys.data.items.map((k) => (
                  <tr key={k.accessKeyId}>
                    <td>
                      <code>{k.accessKeyId}</code>
                    </td>
                    <td>{k.userName}</td>
                    <td>{k.description ?? ''}</td>
                    <td>{formatTime(k.createdAt)}</td>
                    <td>{formatTime(k.lastUsedAt)}</td>
                    <td>{k.status === 'Active' ? <span className="badge ok">active</span> : <span className="badge muted">inactive</span>}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => act(accessKeysApi.setStatus(k.accessKeyId, k.status === 'Active' ? 'Inactive' : 'Active'))}>
                        {k.status === 'Active' ? 'Disable' : 'Enable'}
                      </button>{' '}
                      <button
                        type="button"
                        className="danger secondary"
                        onClick={() => {
                          if (window.confirm(`Delete access key ${k.accessKeyId}? Clients signing with it stop working.`)) act(accessKeysApi.remove(k.accessKeyId));
                        }}
                      >
                        Delete
                      </button>
                    </td>
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

function CreateAccessKey({ admin, onCreated }: { admin: boolean; onCreated: (k: CreatedAccessKey) => void }) {
  const [description, setDescription] = useState('');
  const [user, setUser] = useState('');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const k = await accessKeysApi.create({ description: description || undefined, user: admin && user ? user : undefined });
      setDescription('');
      onCreated(k);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Create an access key">
      <p className="muted">For boto3, the AWS SDKs and the AWS CLI pointed at this server: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.</p>
      <form className="form-grid" onSubmit={submit}>
        <Field label="Description">{(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="e.g. notebook" maxLength={256} />}</Field>
        {admin && <Field label="For user (optional)" hint="Empty: for you.">{(p) => <input {...p} value={user} onChange={(e) => setUser(e.target.value)} />}</Field>}
        <div className="form-actions">
          <button type="submit">Create access key</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
