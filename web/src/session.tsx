// Who is logged in: GET /auth/me, refreshed after login and cleared on logout or when the
// server answers 401. The session itself is the server's HttpOnly cookie.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { api, onUnauthenticated, unwrap } from "./api/client";
import type { Me } from "./api/types";

interface SessionState {
  me: Me | null;
  loading: boolean;
  refresh: () => Promise<Me | null>;
  logout: () => Promise<void>;
  expired: boolean;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const [expired, setExpired] = useState(false);

  const refresh = useCallback(async () => {
    const { data, response } = await api.GET("/auth/me", {});
    const next = response.ok && data ? (data as Me) : null;
    setMe(next);
    setLoading(false);
    if (next) setExpired(false);
    return next;
  }, []);

  // Signing out revokes the session on the server and then reloads the start page, so that
  // nothing of the record stays in the page's memory (shared computers) and no guarded page
  // gets to redirect to its login form on the way out.
  const logout = useCallback(async () => {
    await unwrap(api.POST("/auth/logout", { body: {} as never })).catch(() => undefined);
    window.location.assign("/");
  }, []);

  useEffect(() => {
    void refresh().catch(() => setLoading(false));
    return onUnauthenticated(() => {
      setMe((current) => {
        if (current) setExpired(true);
        return null;
      });
    });
  }, [refresh]);

  const value = useMemo(
    () => ({ me, loading, refresh, logout, expired }),
    [me, loading, refresh, logout, expired],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
