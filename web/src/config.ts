/**
 * What the console learns at run time from `config.json` beside `index.html`: where the API is and how
 * people sign in. The local gateway writes `{ "apiUrl": "", "auth": { "kind": "local" } }` (same
 * origin); the CDK deployment writes the API's URL and the Cognito app client.
 */
export type AuthConfig = { kind: 'local' } | { kind: 'cognito'; region: string; clientId: string };

export interface ConsoleConfig {
  apiUrl: string;
  auth: AuthConfig;
}

function isConfig(value: unknown): value is ConsoleConfig {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const auth = v.auth as Record<string, unknown> | undefined;
  if (typeof v.apiUrl !== 'string' || typeof auth !== 'object' || auth === null) return false;
  if (auth.kind === 'local') return true;
  return auth.kind === 'cognito' && typeof auth.region === 'string' && typeof auth.clientId === 'string';
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('./config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const body: unknown = await res.json();
  if (!isConfig(body)) throw new Error('config.json: expected { apiUrl, auth: { kind } }');
  return body;
}
