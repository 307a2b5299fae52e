/**
 * Sign-in and the session. The access token is kept in sessionStorage (gone with the tab, never in
 * localStorage); the user's name, roles and zone scope are read from its claims, as the API reads them.
 * Locally the token comes from the local issuer (`POST /auth/token`); on AWS from Cognito's
 * `InitiateAuth` (USER_PASSWORD_AUTH).
 */
import type { Role } from '../../shared/http/roles.ts';
import type { AuthConfig } from './config.ts';

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
}

const KEY = 'console.session';
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

export function loadSession(now = Date.now()): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== 'string' || session.expiresAt <= now) {
      sessionStorage.removeItem(KEY);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
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

/** Exchanges a user name and password for an access token; SignInError when they are refused. */
export async function signIn(auth: AuthConfig, apiUrl: string, username: string, password: string) {
  let token: string | undefined;
  // `__LOCAL__` is false in the AWS build: esbuild drops the local issuer's branch from it entirely.
  if (__LOCAL__ && auth.kind === 'local') {
    const res = await fetch(`${apiUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status === 401 || res.status === 400) throw new SignInError('refused');
    if (!res.ok) throw new Error(`sign-in: HTTP ${res.status}`);
    token = ((await res.json()) as { accessToken?: string }).accessToken;
  } else if (auth.kind === 'cognito') {
    const res = await fetch(`https://cognito-idp.${auth.region}.amazonaws.com/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: auth.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    });
    if (res.status === 400) throw new SignInError('refused');
    if (!res.ok) throw new Error(`sign-in: HTTP ${res.status}`);
    token = ((await res.json()) as { AuthenticationResult?: { AccessToken?: string } }).AuthenticationResult
      ?.AccessToken;
  }
  if (!token) throw new Error(`sign-in: no access token (${auth.kind} sign-in)`);
  const session = sessionFromToken(token);
  saveSession(session);
  return session;
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
