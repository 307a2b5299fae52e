/**
 * Sign-in and the session. The access token is kept in sessionStorage (gone with the tab, never in
 * localStorage); the user's name, roles and zone scope are read from its claims, as the API reads them.
 *
 * Locally the token comes from the local issuer (`POST /auth/token`, user name and password; the demo
 * users). On AWS the console never sees a password: Cognito's managed login signs people in with the
 * authorization-code grant and PKCE (RFC 7636). `beginSignIn` sends the browser to `/oauth2/authorize`
 * with an S256 challenge and a random `state`, both remembered in sessionStorage; managed login comes
 * back to the console's root with `?code=…&state=…`, where `resumeSession` checks the state and
 * exchanges the code and the verifier at `/oauth2/token`. The refresh token renews the access token
 * before it expires (`keepSessionFresh`); when it cannot, the session ends with the access token and the
 * person signs in again. Sign-out revokes the refresh token and ends managed login's own session at
 * `/logout`, which comes back to the console.
 */
import type { Role } from '../../shared/http/roles.ts';
import type { AuthConfig, CognitoAuthConfig } from './config.ts';

export interface User {
  username: string;
  roles: Role[];
  /** Zone ids (or `province`) the user is scoped to. */
  zones: string[];
}

export interface Session {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: User;
  /** Cognito's refresh token (AWS only): renews `token` without asking the person again. */
  refreshToken?: string;
}

const KEY = 'console.session';
/** The sign-in on its way through managed login: state, PKCE verifier, where to go afterwards. */
const PENDING_KEY = 'console.signIn';
/** Set just before leaving for `/logout`, so the console says "signed out" when it comes back. */
const SIGNED_OUT_KEY = 'console.signedOut';
/** Renew the access token this long before it expires. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
const ROLE_NAMES: readonly string[] = [
  'investor',
  'zone-board-officer',
  'environment-officer',
  'provincial-officer',
  'zone-manager',
  'admin',
];

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  return [];
}

/** The claims of a JWT (not verified: the API verifies; this only shows who is signed in). */
export function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64.padEnd(b64.length + ((4 - (b64.length % 4)) % 4), '=')), (c) =>
    c.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export function sessionFromToken(token: string, now = Date.now()): Session {
  const claims = decodeClaims(token);
  const groups = list(claims['cognito:groups']).filter((g) => ROLE_NAMES.includes(g)) as Role[];
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : now + 3600_000;
  return {
    token,
    expiresAt: exp,
    user: {
      username: typeof claims.username === 'string' ? claims.username : String(claims.sub ?? ''),
      // Cognito: a user in no group is an investor (the pre-token trigger says so too).
      roles: groups.length ? groups : ['investor'],
      zones: list(claims['custom:zones']),
    },
  };
}

/** The stored session, expired or not (an expired one may still hold a refresh token). */
function storedSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== 'string' || typeof session.expiresAt !== 'number') {
      sessionStorage.removeItem(KEY);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

/** The session if its access token is still valid. */
export function loadSession(now = Date.now()): Session | undefined {
  const session = storedSession();
  if (!session) return undefined;
  if (session.expiresAt <= now) {
    // Kept while it can be renewed (a tab woken from sleep renews it at start or at the next check).
    if (!session.refreshToken) sessionStorage.removeItem(KEY);
    return undefined;
  }
  return session;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/**
 * The local issuer's sign-in: a user name and password for an access token; SignInError when they are
 * refused. Local build only (`__LOCAL__` is false in the AWS build, and esbuild drops the branch).
 */
export async function signIn(auth: AuthConfig, apiUrl: string, username: string, password: string) {
  if (!__LOCAL__ || auth.kind !== 'local')
    throw new Error('sign-in with a password is the local cloud’s only');
  const res = await fetch(`${apiUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status === 401 || res.status === 400) throw new SignInError('refused');
  if (!res.ok) throw new Error(`sign-in: HTTP ${res.status}`);
  const token = ((await res.json()) as { accessToken?: string }).accessToken;
  if (!token) throw new Error('sign-in: no access token');
  const session = sessionFromToken(token);
  saveSession(session);
  return session;
}

// ---- Cognito managed login: authorization code with PKCE ----

interface PendingSignIn {
  state: string;
  verifier: string;
  next: string;
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `bytes` random bytes, base64url: 32 give a 43-character verifier (RFC 7636 asks 43 to 128). */
function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function form(fields: Record<string, string>): RequestInit {
  // A form body and no custom header: a "simple" cross-origin request, so no preflight is needed.
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Sends the browser to managed login; it comes back to `auth.redirectUri` and then to `next`. */
export async function beginSignIn(auth: CognitoAuthConfig, next: string): Promise<void> {
  const pending: PendingSignIn = { state: randomToken(16), verifier: randomToken(32), next };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: (auth.scopes ?? DEFAULT_SCOPES).join(' '),
    state: pending.state,
    code_challenge: await codeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${auth.domain}/oauth2/authorize?${params.toString()}`);
}

/** Why a sign-in coming back from managed login did not complete (shown on the sign-in page). */
export type SignInFailure = 'state' | 'denied' | 'exchange';

function takePending(): PendingSignIn | undefined {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as PendingSignIn;
    return typeof p.state === 'string' && typeof p.verifier === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Completes a sign-in from the query managed login came back with: undefined when the URL is not such a
 * return. The state must be the one this tab sent (else nothing is exchanged: a forged or replayed
 * link); the code is exchanged once, with the verifier only this tab knows.
 */
export async function finishSignIn(
  auth: CognitoAuthConfig,
  query: URLSearchParams,
): Promise<{ next: string } | { failed: SignInFailure; next?: string } | undefined> {
  const code = query.get('code');
  const error = query.get('error');
  if (!code && !error) return undefined;
  const pending = takePending();
  if (!pending || query.get('state') !== pending.state) return { failed: 'state' };
  if (!code) return { failed: 'denied', next: pending.next };
  try {
    const res = await fetch(
      `${auth.domain}/oauth2/token`,
      form({
        grant_type: 'authorization_code',
        client_id: auth.clientId,
        code,
        redirect_uri: auth.redirectUri,
        code_verifier: pending.verifier,
      }),
    );
    const body = res.ok ? ((await res.json()) as TokenResponse) : {};
    if (!body.access_token) return { failed: 'exchange', next: pending.next };
    saveSession({
      ...sessionFromToken(body.access_token),
      ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
    });
    return { next: pending.next };
  } catch {
    return { failed: 'exchange', next: pending.next };
  }
}

/**
 * A new access token for `session` from its refresh token; undefined when there is none now. A refused
 * refresh token (revoked, expired) is dropped, so the session ends with its access token.
 */
export async function refreshSession(
  auth: CognitoAuthConfig,
  session: Session,
): Promise<Session | undefined> {
  const refreshToken = session.refreshToken;
  if (!refreshToken) return undefined;
  let res: Response;
  try {
    res = await fetch(
      `${auth.domain}/oauth2/token`,
      form({ grant_type: 'refresh_token', client_id: auth.clientId, refresh_token: refreshToken }),
    );
  } catch {
    return undefined; // offline: tried again at the next check
  }
  const current = storedSession();
  // Signed out (or in as someone else) meanwhile: the answer is not for this tab's session any more.
  if (current?.refreshToken !== refreshToken) return undefined;
  const body = res.ok ? ((await res.json()) as TokenResponse) : {};
  if (!body.access_token) {
    if (res.status >= 400 && res.status < 500) {
      const { refreshToken: _dropped, ...rest } = current;
      saveSession(rest);
    }
    return undefined;
  }
  const renewed: Session = {
    ...sessionFromToken(body.access_token),
    refreshToken: body.refresh_token ?? refreshToken,
  };
  saveSession(renewed);
  return renewed;
}

function consolePath(path: string, base: string): string {
  return `${base}#${path}`;
}

/**
 * At start, before the shell: finishes a sign-in coming back from managed login (then the address is
 * the console's path again, without the code), says "signed out" after `/logout`, and renews a stored
 * session whose access token is (nearly) expired. Never throws.
 */
export async function resumeSession(auth: AuthConfig): Promise<void> {
  if (auth.kind !== 'cognito') return;
  try {
    const url = new URL(location.href);
    const result = await finishSignIn(auth, url.searchParams);
    if (result) {
      const next = result.next ?? '/';
      const target =
        'failed' in result
          ? `/sign-in?failed=${result.failed}${next === '/' ? '' : `&next=${encodeURIComponent(next)}`}`
          : next;
      // replaceState: the code leaves the address bar and the history.
      history.replaceState(null, '', consolePath(target, url.pathname));
      return;
    }
    if (sessionStorage.getItem(SIGNED_OUT_KEY)) {
      sessionStorage.removeItem(SIGNED_OUT_KEY);
      history.replaceState(null, '', consolePath('/sign-in?signedOut=1', url.pathname));
    }
    const stored = storedSession();
    if (stored?.refreshToken && stored.expiresAt - Date.now() <= REFRESH_MARGIN_MS) {
      await refreshSession(auth, stored);
    }
  } catch {
    // A start must not fail on sign-in: at worst the person is signed out.
  }
}

/**
 * Renews the access token with the refresh token before it expires, checking at least once a minute and
 * whenever the tab is shown again (timers of hidden tabs are throttled, a laptop sleeps). `renewed` gets
 * each new session. Returns a function that stops it.
 */
export function keepSessionFresh(auth: AuthConfig, renewed: (session: Session) => void): () => void {
  if (auth.kind !== 'cognito') return () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let stopped = false;
  const schedule = () => {
    clearTimeout(timer);
    if (stopped) return;
    const s = storedSession();
    const due = s?.refreshToken ? s.expiresAt - REFRESH_MARGIN_MS - Date.now() : 60_000;
    timer = setTimeout(() => void check(), Math.max(1_000, Math.min(due, 60_000)));
  };
  const check = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const s = storedSession();
      if (s?.refreshToken && s.expiresAt - Date.now() <= REFRESH_MARGIN_MS) {
        const next = await refreshSession(auth, s);
        if (next) renewed(next);
      }
    } finally {
      running = false;
      schedule();
    }
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') void check();
  };
  document.addEventListener('visibilitychange', onVisible);
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/**
 * Ends the session. Locally it is forgotten; on AWS the refresh token is also revoked (a request that
 * outlives the page) and the browser goes to managed login's `/logout`, which ends Cognito's own session
 * and comes back to the console. True when the browser is leaving the page.
 */
export function endSession(auth: AuthConfig): boolean {
  const session = storedSession();
  clearSession();
  sessionStorage.removeItem(PENDING_KEY);
  if (auth.kind !== 'cognito') return false;
  if (session?.refreshToken) {
    fetch(`${auth.domain}/oauth2/revoke`, {
      ...form({ token: session.refreshToken, client_id: auth.clientId }),
      keepalive: true,
    }).catch(() => undefined);
  }
  sessionStorage.setItem(SIGNED_OUT_KEY, '1');
  const params = new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.logoutUri });
  location.assign(`${auth.domain}/logout?${params.toString()}`);
  return true;
}

export interface DemoUser {
  username: string;
  password: string;
  role: string;
  scope: string[];
}

/** The local cloud's demo users (`GET /auth/demo-users`); only the local build calls it. */
export async function demoUsers(apiUrl: string): Promise<DemoUser[]> {
  const res = await fetch(`${apiUrl}/auth/demo-users`);
  if (!res.ok) return [];
  return ((await res.json()) as { users: DemoUser[] }).users;
}
