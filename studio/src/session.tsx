import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { sessionApi, type SessionState } from './api/client';
import { onSignedOut, setCsrf } from './api/http';
import type { Permission } from './api/types';

interface SessionContextValue {
  session: SessionState | null;
  /** Whether the caller's role holds a permission (the UI hides what it would refuse). */
  can(permission: Permission): boolean;
  signIn(credentials: { name: string; password: string } | { token: string }): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function remember(state: SessionState | null): SessionState | null {
  setCsrf(state?.csrfToken && state.csrfHeader ? { header: state.csrfHeader, token: state.csrfToken } : null);
  return state;
}

/** Asks the server who is signed in (the cookie is HttpOnly: only the server can tell). */
export function SessionProvider({ children, fallback }: { children: ReactNode; fallback: ReactNode }) {
  const [session, setSession] = useState<SessionState | null | undefined>(undefined);
  useEffect(() => {
    sessionApi.current().then(
      (s) => setSession(remember(s)),
      () => setSession(remember(null)),
    );
    return onSignedOut(() => setSession(remember(null)));
  }, []);
  const signIn = useCallback(async (credentials: { name: string; password: string } | { token: string }) => {
    setSession(remember(await sessionApi.signIn(credentials)));
  }, []);
  const signOut = useCallback(async () => {
    await sessionApi.signOut().catch(() => undefined);
    setSession(remember(null));
  }, []);
  const value = useMemo<SessionContextValue>(
    () => ({ session: session ?? null, can: (p) => !!session?.permissions.includes(p), signIn, signOut }),
    [session, signIn, signOut],
  );
  if (session === undefined) return <>{fallback}</>;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** Renders its children only when the caller holds the permission. */
export function Can({ permission, children }: { permission: Permission; children: ReactNode }) {
  return useSession().can(permission) ? <>{children}</> : null;
}
