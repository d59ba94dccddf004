import { useState, type FormEvent } from 'react';
import { usersApi } from '../api/client';
import type { Role, User } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { useSession } from '../session';
// The server's role list (a constant with no imports), so a new role shows up here too.
import { ROLES } from '../../../src/contracts/values';


export function UsersPage() {
  const { can } = useSession();
  if (!can('users:manage')) {
    return (
      <>
        <PageHeader title="Users" />
        <p role="alert">Only an admin can manage users.</p>
      </>
    );
  }
  return <UsersAdmin />;
}

function UsersAdmin() {
  const { session } = useSession();
  const users = useResource((signal) => usersApi.list(signal), []);
  const [error, setError] = useState<unknown>(null);
  const act = (p: Promise<unknown>) => {
    setError(null);
    p.then(users.reload, setError);
  };
  return (
    <>
      <PageHeader title="Users" subtitle="Admins manage users; members create; viewers read; labelers take and answer labeling tasks." />
      <CreateUser onCreated={users.reload} />
      <Card title="All users">
        <ErrorBanner error={users.error ?? error} />
        {!users.data ? (
          <Loading />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Password</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => (
                  <UserRow key={u.id} user={u} self={u.name === session?.user.name} act={act} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

function UserRow({ user, self, act }: { user: User; self: boolean; act: (p: Promise<unknown>) => void }) {
  return (
    <tr>
      <th scope="row">
        {user.name} {self && <span className="muted small">(you)</span>}
      </th>
      <td>
        <select aria-label={`Role of ${user.name}`} value={user.role} onChange={(e) => act(usersApi.update(user.name, { role: e.target.value as Role }))}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </td>
      <td>{user.hasPassword ? 'set' : <span className="muted">none (token only)</span>}</td>
      <td>{user.disabledAt ? <span className="badge muted">disabled</span> : <span className="badge ok">active</span>}</td>
      <td>{formatTime(user.createdAt)}</td>
      <td className="row-actions">
        <button
          type="button"
          className="secondary"
          onClick={() => {
            const password = window.prompt(`New password for ${user.name} (at least 8 characters)`);
            if (password) act(usersApi.update(user.name, { password }));
          }}
        >
          Set password
        </button>
        {!self && (
          <>
            <button type="button" className="secondary" onClick={() => act(usersApi.update(user.name, { disabled: !user.disabledAt }))}>
              {user.disabledAt ? 'Enable' : 'Disable'}
            </button>
            <button
              type="button"
              className="danger secondary"
              onClick={() => {
                if (window.confirm(`Delete ${user.name} and their tokens?`)) act(usersApi.remove(user.name));
              }}
            >
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const passwordError = password && password.length < 8 ? 'At least 8 characters.' : undefined;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (passwordError) return;
    setError(null);
    try {
      await usersApi.create({ name, role, password: password || undefined });
      setName('');
      setPassword('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Create a user">
      <form className="form-grid" onSubmit={submit}>
        <Field label="User name" hint="Lower-case letters, digits and ._- starting with a letter.">
          {(p) => <input {...p} name="new-user-name" value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z][a-z0-9._\-]{0,63}" autoComplete="off" />}
        </Field>
        <Field label="Role">
          {(p) => (
            <select {...p} name="new-user-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Password (optional)" error={passwordError} hint="Without one, the user signs in with an API token.">
          {(p) => <input {...p} name="new-user-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit">Create user</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
