/**
 * A stand-in for Cognito's managed login, for browser tests of the console's AWS build (test-only: the
 * local cloud itself signs in with the local issuer's form). It speaks the protocol of the endpoints the
 * console uses, as Cognito documents them, and is strict where Cognito is:
 *
 * - `GET /oauth2/authorize`: `response_type=code`, a known `client_id`, a `redirect_uri` registered for
 *   it (exact match), scopes among the allowed ones, a PKCE `code_challenge` with
 *   `code_challenge_method=S256` (this client is public: no challenge, no code). Answers with its own
 *   sign-in page, or, while its session cookie says who is signed in, straight back with a code.
 * - `POST /login`: the sign-in form (user name, password: the local issuer's demo users); sets the
 *   session cookie and redirects to `redirect_uri?code=…&state=…` (state echoed untouched).
 * - `POST /oauth2/token` (form body): `authorization_code` (a code once, within five minutes, with the
 *   same client and redirect URI, and `base64url(SHA-256(code_verifier))` equal to the challenge) or
 *   `refresh_token` (not revoked); errors as Cognito's `400 { "error": "invalid_grant" }`. CORS for the
 *   allowed origins, as Cognito's token endpoint answers browsers.
 * - `POST /oauth2/revoke`: revokes a refresh token (and the tokens it gave, which here are not tracked).
 * - `GET /logout?client_id=…&logout_uri=…`: the URI must be registered; clears the session cookie.
 *
 * Tokens are signed with the local issuer's key, with the issuer URL of the template's user pool and the
 * app client's id, so the local gateway's JWT authorizer accepts them as API Gateway would Cognito's.
 * Their claims are those of Cognito's access tokens after the pre-token-generation trigger (groups, zone
 * scope), with the scopes granted.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DemoUser } from '#local/auth/demo-users.ts';
import { type LocalIssuer, localSub } from '#local/auth/issuer.ts';
import { freePort } from '#local/dynamodb/launcher.ts';
import { ZONES_CLAIM } from '#shared/http/roles.ts';

export interface CognitoStandInOptions {
  issuer: LocalIssuer;
  /** The issuer URL the gateway expects (`<gateway>/local-cognito/<pool logical id>`). */
  issuerUrl: string;
  clientId: string;
  callbackUrls: string[];
  logoutUrls: string[];
  /** Origins allowed to call the token and revoke endpoints from a browser (CORS). */
  allowedOrigins: string[];
  /** Scopes the client may ask for. */
  scopes?: string[];
  accessTokenSeconds?: number;
}

export interface AuthorizeRequest {
  params: Record<string, string>;
  /** What the stand-in did: showed its form, came back with a code (session cookie), or refused. */
  outcome: 'form' | 'code' | 'refused';
}

export interface CognitoStandIn {
  url: string;
  authorizeRequests: AuthorizeRequest[];
  /** Every token request, by grant type, with the answer's status. */
  tokenRequests: Array<{ grantType: string; status: number }>;
  logouts: Array<Record<string, string>>;
  /** Refresh tokens revoked so far. */
  revoked: Set<string>;
  /** Moves the stand-in's clock (the tokens' iat and exp) by `seconds`, to follow a browser's fake clock. */
  advance(seconds: number): void;
  /** Revokes every refresh token issued so far (as an administrator's global sign-out would). */
  revokeAll(): void;
  close(): Promise<void>;
}

interface IssuedCode {
  username: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
}

const COOKIE = 'standin-session';

function base64url(buf: Buffer): string {
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function html(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function cookieOf(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  return header
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === COOKIE)?.[1];
}

export async function startCognitoStandIn(options: CognitoStandInOptions): Promise<CognitoStandIn> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const allowedScopes = options.scopes ?? ['openid', 'email', 'profile'];
  const lifetime = options.accessTokenSeconds ?? 3600;
  let offset = 0;
  const now = () => Math.floor(Date.now() / 1000) + offset;
  const users = options.issuer.demoUsers;
  const codes = new Map<string, IssuedCode>();
  const sessions = new Map<string, string>();
  const refreshTokens = new Map<string, { username: string; scope: string }>();
  const state: CognitoStandIn = {
    url,
    authorizeRequests: [],
    tokenRequests: [],
    logouts: [],
    revoked: new Set(),
    advance: (seconds) => {
      offset += seconds;
    },
    revokeAll: () => {
      for (const token of refreshTokens.keys()) state.revoked.add(token);
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };

  const tokensFor = async (user: DemoUser, scope: string) => {
    const iat = now();
    const zones = user.scope.join(',');
    const common = {
      sub: localSub(user.username),
      iss: options.issuerUrl,
      'cognito:groups': [user.role],
      auth_time: iat,
      iat,
      exp: iat + lifetime,
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      ...(zones ? { [ZONES_CLAIM]: zones } : {}),
    };
    const accessToken = await options.issuer.sign({
      ...common,
      client_id: options.clientId,
      token_use: 'access',
      scope,
      username: user.username,
      version: 2,
      jti: randomUUID(),
    });
    const idToken = await options.issuer.sign({
      ...common,
      aud: options.clientId,
      token_use: 'id',
      'cognito:username': user.username,
      email: `${user.username}@demo.local`,
    });
    return { accessToken, idToken };
  };

  const redirect = (res: ServerResponse, location: string, headers: Record<string, string> = {}) => {
    res.writeHead(302, { location, 'cache-control': 'no-store', ...headers });
    res.end();
  };
  const json = (res: ServerResponse, status: number, body: unknown, origin?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const page = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>${body}</body></html>`,
    );
  };

  /** The authorize request's parameters if Cognito would accept them, else why not. */
  const checkAuthorize = (q: URLSearchParams): { params: Record<string, string> } | { error: string } => {
    const params = Object.fromEntries(q.entries());
    if (q.get('response_type') !== 'code') return { error: 'unsupported_response_type' };
    if (q.get('client_id') !== options.clientId) return { error: 'invalid_client' };
    if (!options.callbackUrls.includes(q.get('redirect_uri') ?? '')) return { error: 'redirect_mismatch' };
    const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.some((s) => !allowedScopes.includes(s))) return { error: 'invalid_scope' };
    if (
      q.get('code_challenge_method') !== 'S256' ||
      !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '')
    )
      return { error: 'invalid_request: a public client needs a PKCE S256 challenge' };
    return { params };
  };

  const issueCode = (username: string, params: Record<string, string>) => {
    const code = randomUUID();
    codes.set(code, {
      username,
      clientId: params.client_id as string,
      redirectUri: params.redirect_uri as string,
      challenge: params.code_challenge as string,
      scope: params.scope || allowedScopes.join(' '),
      expiresAt: now() + 300,
    });
    const back = new URL(params.redirect_uri as string);
    back.searchParams.set('code', code);
    if (params.state !== undefined) back.searchParams.set('state', params.state);
    return back.toString();
  };

  const signInForm = (params: Record<string, string>, failed = false) =>
    `<main><h1>Sign in</h1>${failed ? '<p role="alert" id="failed">Incorrect username or password.</p>' : ''}
<form method="post" action="/login">
<input type="hidden" name="query" value="${html(new URLSearchParams(params).toString())}">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button></form></main>`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestUrl = new URL(req.url ?? '/', url);
    const origin = req.headers.origin;
    const cors = origin && options.allowedOrigins.includes(origin) ? origin : undefined;
    const path = requestUrl.pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(
        204,
        cors ? { 'access-control-allow-origin': cors, 'access-control-allow-methods': 'POST' } : {},
      );
      res.end();
      return;
    }
    if (path === '/oauth2/authorize' && req.method === 'GET') {
      const checked = checkAuthorize(requestUrl.searchParams);
      if ('error' in checked) {
        state.authorizeRequests.push({
          params: Object.fromEntries(requestUrl.searchParams),
          outcome: 'refused',
        });
        page(res, 400, `<p role="alert">${html(checked.error)}</p>`);
        return;
      }
      const signedIn = sessions.get(cookieOf(req) ?? '');
      if (signedIn) {
        state.authorizeRequests.push({ params: checked.params, outcome: 'code' });
        redirect(res, issueCode(signedIn, checked.params));
        return;
      }
      state.authorizeRequests.push({ params: checked.params, outcome: 'form' });
      page(res, 200, signInForm(checked.params));
      return;
    }
    if (path === '/login' && req.method === 'POST') {
      const body = await readForm(req);
      const checked = checkAuthorize(new URLSearchParams(body.get('query') ?? ''));
      if ('error' in checked) {
        page(res, 400, `<p role="alert">${html(checked.error)}</p>`);
        return;
      }
      const user = users.find((u) => u.username === body.get('username'));
      if (!user || user.password !== body.get('password')) {
        page(res, 200, signInForm(checked.params, true));
        return;
      }
      const sessionId = base64url(randomBytes(24));
      sessions.set(sessionId, user.username);
      redirect(res, issueCode(user.username, checked.params), {
        'set-cookie': `${COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`,
      });
      return;
    }
    if (path === '/oauth2/token' && req.method === 'POST') {
      const body = await readForm(req);
      const grantType = body.get('grant_type') ?? '';
      const refuse = (error: string) => {
        state.tokenRequests.push({ grantType, status: 400 });
        json(res, 400, { error }, cors);
      };
      if (body.get('client_id') !== options.clientId) return refuse('invalid_client');
      if (grantType === 'authorization_code') {
        const code = body.get('code') ?? '';
        const issued = codes.get(code);
        codes.delete(code); // once, whatever happens next
        const verifier = body.get('code_verifier') ?? '';
        if (!issued || issued.expiresAt < now()) return refuse('invalid_grant');
        if (issued.redirectUri !== body.get('redirect_uri') || issued.clientId !== body.get('client_id'))
          return refuse('invalid_grant');
        if (base64url(createHash('sha256').update(verifier).digest()) !== issued.challenge)
          return refuse('invalid_grant');
        const user = users.find((u) => u.username === issued.username) as DemoUser;
        const { accessToken, idToken } = await tokensFor(user, issued.scope);
        const refreshToken = base64url(randomBytes(48));
        refreshTokens.set(refreshToken, { username: user.username, scope: issued.scope });
        state.tokenRequests.push({ grantType, status: 200 });
        json(
          res,
          200,
          {
            access_token: accessToken,
            id_token: idToken,
            refresh_token: refreshToken,
            token_type: 'Bearer',
            expires_in: lifetime,
          },
          cors,
        );
        return;
      }
      if (grantType === 'refresh_token') {
        const token = body.get('refresh_token') ?? '';
        const known = refreshTokens.get(token);
        if (!known || state.revoked.has(token)) return refuse('invalid_grant');
        const user = users.find((u) => u.username === known.username) as DemoUser;
        const { accessToken, idToken } = await tokensFor(user, known.scope);
        state.tokenRequests.push({ grantType, status: 200 });
        // Without rotation Cognito answers no new refresh token: the same one stays valid.
        json(
          res,
          200,
          { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: lifetime },
          cors,
        );
        return;
      }
      return refuse('unsupported_grant_type');
    }
    if (path === '/oauth2/revoke' && req.method === 'POST') {
      const body = await readForm(req);
      if (body.get('client_id') !== options.clientId) {
        json(res, 400, { error: 'invalid_client' }, cors);
        return;
      }
      const token = body.get('token') ?? '';
      if (refreshTokens.has(token)) state.revoked.add(token);
      res.writeHead(200, cors ? { 'access-control-allow-origin': cors } : {});
      res.end();
      return;
    }
    if (path === '/logout' && req.method === 'GET') {
      const params = Object.fromEntries(requestUrl.searchParams);
      state.logouts.push(params);
      if (params.client_id !== options.clientId || !options.logoutUrls.includes(params.logout_uri ?? '')) {
        page(res, 400, '<p role="alert">redirect_mismatch</p>');
        return;
      }
      sessions.delete(cookieOf(req) ?? '');
      redirect(res, params.logout_uri as string, { 'set-cookie': `${COOKIE}=; Path=/; Max-Age=0` });
      return;
    }
    page(res, 404, '<p>Not found</p>');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return state;
}
