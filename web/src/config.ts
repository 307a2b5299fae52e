/**
 * What the console learns at run time from `config.json` beside `index.html`: where the API is and how
 * people sign in. The local gateway writes `{ "apiUrl": "", "auth": { "kind": "local" } }` (same
 * origin, the local issuer's form and demo users); the CDK deployment writes the API's URL and
 * Cognito's managed login: its domain, the app client, and the URLs it may send people back to.
 */
export interface CognitoAuthConfig {
  kind: 'cognito';
  /** The user pool domain's base URL, e.g. `https://<prefix>.auth.<region>.amazoncognito.com`. */
  domain: string;
  clientId: string;
  /** Where managed login comes back with `?code=` (the console's root); registered on the app client. */
  redirectUri: string;
  /** Where `/logout` comes back to; registered on the app client. */
  logoutUri: string;
  /** OAuth scopes to ask for (default `openid email profile`). */
  scopes?: string[];
}

export type AuthConfig = { kind: 'local' } | CognitoAuthConfig;

export interface ConsoleConfig {
  apiUrl: string;
  auth: AuthConfig;
  /** The in-app notifications' stream when it is not the API's (on AWS: a Lambda function URL). */
  notificationsStreamUrl?: string;
}

const isUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/[^/]/.test(v);

function isConfig(value: unknown): value is ConsoleConfig {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const auth = v.auth as Record<string, unknown> | undefined;
  if (typeof v.apiUrl !== 'string' || typeof auth !== 'object' || auth === null) return false;
  if (v.notificationsStreamUrl !== undefined && typeof v.notificationsStreamUrl !== 'string') return false;
  if (auth.kind === 'local') return true;
  return (
    auth.kind === 'cognito' &&
    isUrl(auth.domain) &&
    typeof auth.clientId === 'string' &&
    auth.clientId.length > 0 &&
    isUrl(auth.redirectUri) &&
    isUrl(auth.logoutUri) &&
    (auth.scopes === undefined ||
      (Array.isArray(auth.scopes) && auth.scopes.every((s) => typeof s === 'string')))
  );
}

export async function loadConfig(): Promise<ConsoleConfig> {
  // `cache` is the DOM's RequestInit (the root project also type-checks this file, with Node's fetch types).
  const init: RequestInit & { cache?: string } = { cache: 'no-store' };
  const res = await fetch('./config.json', init);
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const body: unknown = await res.json();
  if (!isConfig(body)) throw new Error('config.json: expected { apiUrl, auth: { kind, … } }');
  return body;
}
