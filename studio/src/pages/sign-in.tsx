import { useState, type FormEvent } from 'react';
import { ErrorBanner, Field } from '../components/ui';
import { useSession } from '../session';

export function SignInPage() {
  const { signIn } = useSession();
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(mode === 'password' ? { name: name.trim(), password } : { token: token.trim() });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand big">
          <svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true">
            <circle cx="16" cy="18" r="11" fill="#2f7d4f" />
            <path d="M16 7c1-4 4-5 7-5-1 3-3 5-7 5z" fill="#6aa84f" />
          </svg>
          Orchard Studio
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        <div className="tabs" role="group" aria-label="Sign-in method">
          <button type="button" aria-pressed={mode === 'password'} onClick={() => setMode('password')}>
            User and password
          </button>
          <button type="button" aria-pressed={mode === 'token'} onClick={() => setMode('token')}>
            API token
          </button>
        </div>
        {mode === 'password' ? (
          <>
            <Field label="User name">{(p) => <input {...p} name="username" autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} autoFocus />}</Field>
            <Field label="Password">
              {(p) => <input {...p} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
            </Field>
          </>
        ) : (
          <Field label="API token" hint="The admin token from the first start, or one made with `orchard tokens create`.">
            {(p) => <input {...p} name="token" type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} autoFocus />}
          </Field>
        )}
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
