/**
 * The local HTTP API. It always answers `GET /health`; given the synthesized template it also serves
 * the template's HTTP API routes as API Gateway does: JWT authorizer rules against the local OpenID
 * issuer, the stage's throttling (429 with `Retry-After`), CORS, payload format 2.0 events to each
 * route's Lambda (run by the local Lambda runtime from its synthesized asset), and the Lambda's
 * response mapped back. It also serves what only exists locally, and is never in the template: the
 * local issuer's discovery document and JWKS, `GET /auth/demo-users` and `POST /auth/token`.
 *
 * Where AWS answers `{"message": "Unauthorized"}` (authorizer, throttling, unknown route), the local
 * gateway answers an RFC 9457 problem that also carries that `message`, so a client written for
 * either works with both.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as z from 'zod';
import {
  InsufficientScopeError,
  type IssuedTokens,
  type LocalIssuer,
  NotAuthorizedError,
} from '../auth/issuer.ts';
import { cognitoResources, LOCAL_ISSUER_PATH, localIssuerUrl } from '../auth/mapping.ts';
import type { InvokeResult } from '../lambda/runtime.ts';
import type { CfnTemplate, ResolvedTemplate } from '../template/template.ts';
import { type Cors, type LocalHttpApi, readHttpApis, type Throttle } from './http-api.ts';
import { type NotificationStreamOptions, serveNotificationStream } from './notifications-stream.ts';
import type { StaticSite } from './static.ts';

/** What `GET /health` reports about each part of the local cloud. */
export type HealthReport = () => Promise<Record<string, unknown>>;

export interface LocalGateway {
  url: string;
  server: Server;
  /** The template's API as served (empty routes when no template was given). */
  api?: LocalHttpApi;
  /** Requests being answered now (the health check and static files excluded). */
  inFlight(): number;
  /**
   * Resolves once no request is being answered: a bench or test that stops its load generator waits
   * here before closing, so no route Lambda is still running when the engine and DynamoDB go away.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The Lambda service the gateway invokes (the local `LambdaRuntime`). */
export interface LambdaInvoker {
  invoke(functionName: string, payload: unknown): Promise<InvokeResult>;
}

export interface GatewayApiOptions {
  template: CfnTemplate;
  resolved: ResolvedTemplate;
  lambda: LambdaInvoker;
  issuer: LocalIssuer;
  /** Milliseconds clock for throttling; tests freeze it. */
  now?: () => number;
  /** Serves `GET /notifications/stream` (Server-Sent Events) when set: `notifications-stream.ts`. */
  notifications?: NotificationStreamOptions;
}

/** API Gateway's own limit on a request body (HTTP APIs: 10 MB); routes may set lower ones. */
const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendProblem(
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
) {
  const title = TITLES[status] ?? 'Error';
  send(
    res,
    status,
    { type: 'about:blank', title, status, detail, message: title },
    {
      'content-type': 'application/problem+json',
      ...headers,
    },
  );
}

/** Token bucket per route, as API Gateway throttles each route with the stage's default limits. */
class Throttler {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number) {}

  /** 0 when the request may pass, else the seconds to wait. */
  take(key: string, limit: Throttle): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burstLimit, at: now };
    bucket.tokens = Math.min(limit.burstLimit, bucket.tokens + ((now - bucket.at) / 1000) * limit.rateLimit);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1 && limit.burstLimit > 0) {
      bucket.tokens -= 1;
      return 0;
    }
    return limit.rateLimit > 0 ? Math.max(1, Math.ceil((1 - bucket.tokens) / limit.rateLimit)) : 60;
  }
}

const NO_BODY = Buffer.alloc(0);

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  // HTTP/1.1: a request has a body only with a Content-Length or a Transfer-Encoding (RFC 9112 6.3), so
  // most GETs skip the stream's async iteration.
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0)) {
    req.resume();
    return NO_BODY;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|application\/[a-z0-9.+-]+\+(json|xml))/i;

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Flattened claims by the verified claims object, which the issuer keeps for a token it has checked. */
const flattened = new WeakMap<Record<string, unknown>, Readonly<Record<string, string>>>();

/**
 * API Gateway's JWT claims as a payload 2.0 event carries them: every value a string, arrays `[a b]`.
 * The same claims object gives the same result, so it is flattened once (the event is cloned on its way
 * to the Lambda worker, so no handler can change the kept copy).
 */
function flattenClaims(claims: Record<string, unknown>): Readonly<Record<string, string>> {
  const known = flattened.get(claims);
  if (known) return known;
  const out = Object.freeze(flattenClaimsOnce(claims));
  flattened.set(claims, out);
  return out;
}

function flattenClaimsOnce(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    out[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function corsHeaders(cors: Cors | undefined, origin: string | undefined): Record<string, string> {
  if (!cors || !origin) return {};
  const any = cors.allowOrigins.includes('*');
  if (!any && !cors.allowOrigins.includes(origin)) return {};
  return {
    'access-control-allow-origin': any && !cors.allowCredentials ? '*' : origin,
    ...(cors.exposeHeaders.length ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') } : {}),
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
}

const TokenRequestSchema = z.strictObject({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(256),
  clientId: z.string().min(1).max(128).optional(),
});

interface ServedApi {
  api: LocalHttpApi;
  options: GatewayApiOptions;
  throttler: Throttler;
  pools: string[];
  clients: Array<{ id: string; pool: string }>;
}

async function serveLocalAuth(
  served: ServedApi,
  baseUrl: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const { issuer } = served.options;
  if (path === '/auth/demo-users' && req.method === 'GET') {
    send(res, 200, {
      users: issuer.demoUsers.map((u) => ({
        username: u.username,
        password: u.password,
        role: u.role,
        scope: u.scope,
      })),
    });
    return true;
  }
  if (path === '/auth/token' && req.method === 'POST') {
    const body = await readBody(req, 64 * 1024);
    if (body === 'too-large') {
      sendProblem(res, 413, 'the body is over 64 KiB');
      return true;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      sendProblem(res, 400, 'the body is not valid JSON');
      return true;
    }
    const parsed = TokenRequestSchema.safeParse(json);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({
        path: `body.${i.path.join('.')}`.replace(/\.$/, ''),
        rule: i.code,
        message: i.message,
      }));
      send(
        res,
        400,
        { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'invalid sign-in request', errors },
        { 'content-type': 'application/problem+json' },
      );
      return true;
    }
    const client = parsed.data.clientId
      ? served.clients.find((c) => c.id === parsed.data.clientId)
      : served.clients[0];
    if (!client) {
      sendProblem(res, 400, `no app client ${parsed.data.clientId ?? ''} in the template`);
      return true;
    }
    try {
      const tokens: IssuedTokens = await issuer.signIn(
        parsed.data.username,
        parsed.data.password,
        localIssuerUrl(baseUrl, client.pool),
        client.id,
      );
      send(res, 200, tokens, { 'cache-control': 'no-store' });
    } catch (error) {
      if (error instanceof NotAuthorizedError) sendProblem(res, 401, error.message);
      else throw error;
    }
    return true;
  }
  if (path.startsWith(`${LOCAL_ISSUER_PATH}/`) && req.method === 'GET') {
    const m = /^\/local-cognito\/([A-Za-z0-9]+)\/\.well-known\/(openid-configuration|jwks\.json)$/.exec(path);
    if (!m?.[1] || !served.pools.includes(m[1])) return false;
    if (m[2] === 'jwks.json') send(res, 200, issuer.jwks());
    else send(res, 200, issuer.discovery(localIssuerUrl(baseUrl, m[1])));
    return true;
  }
  return false;
}

function matchRoute(api: LocalHttpApi, method: string, path: string) {
  for (const route of api.routes) {
    if (route.method !== method && route.method !== 'ANY' && route.method !== '*') continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    route.params.forEach((name, i) => {
      pathParameters[name] = decode(m[i + 1] ?? '');
    });
    return { route, pathParameters };
  }
  return undefined;
}

async function serveRoute(
  served: ServedApi,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { api, options } = served;
  const method = req.method ?? 'GET';
  const origin = req.headers.origin;
  const cors = corsHeaders(api.cors, origin);
  const requestId = randomUUID();
  const baseHeaders = { 'apigw-requestid': requestId, ...cors };

  // CORS preflight: API Gateway answers it itself when the API has a CORS configuration.
  if (method === 'OPTIONS' && api.cors && origin && req.headers['access-control-request-method']) {
    res.writeHead(204, {
      ...baseHeaders,
      'access-control-allow-methods': api.cors.allowMethods.join(','),
      'access-control-allow-headers': api.cors.allowHeaders.join(','),
      ...(api.cors.maxAge !== undefined ? { 'access-control-max-age': String(api.cors.maxAge) } : {}),
    });
    res.end();
    return;
  }

  const matched = matchRoute(api, method, url.pathname);
  if (!matched) return sendProblem(res, 404, `No route for ${method} ${url.pathname}`, baseHeaders);
  const { route, pathParameters } = matched;

  const limit = route.throttle ?? api.throttle;
  if (limit) {
    const wait = served.throttler.take(route.routeKey, limit);
    if (wait > 0) {
      req.resume();
      return sendProblem(res, 429, `throttled: ${limit.rateLimit} requests/s, burst ${limit.burstLimit}`, {
        ...baseHeaders,
        'retry-after': String(wait),
      });
    }
  }

  let claims: Record<string, unknown> | undefined;
  let scopes: string[] | null = null;
  if (route.jwt) {
    const header = req.headers.authorization;
    const token = header?.replace(/^Bearer\s+/i, '').trim();
    if (!token) {
      req.resume();
      return sendProblem(res, 401, 'no token in the Authorization header', {
        ...baseHeaders,
        'www-authenticate': 'Bearer',
      });
    }
    try {
      claims = await options.issuer.verify(token, route.jwt);
      scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : null;
    } catch (error) {
      req.resume();
      const status = error instanceof InsufficientScopeError ? 403 : 401;
      return sendProblem(res, status, (error as Error).message, {
        ...baseHeaders,
        'www-authenticate':
          status === 401 ? 'Bearer error="invalid_token"' : 'Bearer error="insufficient_scope"',
      });
    }
  }

  const body = await readBody(req, MAX_GATEWAY_BODY_BYTES);
  if (body === 'too-large')
    return sendProblem(res, 413, 'the body is over API Gateway’s 10 MB limit', baseHeaders);

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'cookie' || v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string> = {};
  if (url.search) for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const contentType = req.headers['content-type'];
  const isText = contentType === undefined || TEXT_TYPES.test(contentType);
  const now = new Date();
  const event = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: api.apiId,
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(claims ? { authorizer: { jwt: { claims: flattenClaims(claims), scopes } } } : {}),
    },
    ...(route.params.length ? { pathParameters } : {}),
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };

  const result = await options.lambda.invoke(route.functionName, event);
  if (result.FunctionError) {
    return send(res, 500, { message: 'Internal Server Error' }, baseHeaders);
  }
  // An API Gateway response comes from the worker as a value (InvokeResult.value), any other result as JSON text.
  let out: unknown = result.value;
  if (out === undefined) {
    try {
      out = JSON.parse(result.Payload);
    } catch {
      return send(res, 500, { message: 'Internal Server Error' }, baseHeaders);
    }
  }
  // Payload format 2.0: a result without statusCode is a 200 JSON body (API Gateway's inference).
  if (typeof out !== 'object' || out === null || !('statusCode' in out)) {
    const text = typeof out === 'string' ? out : JSON.stringify(out);
    res.writeHead(200, { ...baseHeaders, 'content-type': 'application/json' });
    res.end(text);
    return;
  }
  const r = out as {
    statusCode: number;
    headers?: Record<string, unknown>;
    body?: string;
    isBase64Encoded?: boolean;
    cookies?: string[];
  };
  const responseHeaders: Record<string, string | string[]> = { ...baseHeaders };
  for (const [k, v] of Object.entries(r.headers ?? {})) responseHeaders[k.toLowerCase()] = String(v);
  if (r.cookies?.length) responseHeaders['set-cookie'] = r.cookies;
  const payload =
    r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  responseHeaders['content-length'] = String(payload.length);
  res.writeHead(r.statusCode, responseHeaders);
  res.end(payload);
}

/**
 * Starts the gateway on 127.0.0.1:`port`. Without `apiOptions` it serves `/health` only; with them,
 * the template's first HTTP API and the local sign-in routes too.
 */
export async function startGateway(
  port: number,
  health: HealthReport,
  apiOptions?: GatewayApiOptions,
  /** The web console's files (`local/gateway/static.ts`); API routes are matched first. */
  site?: StaticSite,
): Promise<LocalGateway> {
  const url = `http://127.0.0.1:${port}`;
  let served: ServedApi | undefined;
  if (apiOptions) {
    const apis = readHttpApis(apiOptions.template, apiOptions.resolved, url);
    if (apis.length > 1)
      throw new Error(`the template has ${apis.length} HTTP APIs; the local gateway serves one`);
    const api = apis[0] ?? { apiId: 'none', routes: [] };
    const { pools, clients } = cognitoResources(apiOptions.template);
    served = {
      api,
      options: apiOptions,
      throttler: new Throttler(apiOptions.now ?? Date.now),
      pools,
      clients,
    };
  }
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestUrl = new URL(req.url ?? '/', url);
    const path = requestUrl.pathname;
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      health()
        .then((report) => send(res, 200, { status: 'ok', ...report }))
        .catch((err: unknown) => send(res, 503, { status: 'unavailable', detail: String(err) }));
      return;
    }
    if (site?.handles(req.method, path) && !(served && matchRoute(served.api, req.method ?? 'GET', path))) {
      site.serve(req, res, path);
      return;
    }
    if (!served) {
      sendProblem(res, 404, `No route for ${req.method} ${path}`);
      return;
    }
    const current = served;
    inFlight += 1;
    (async () => {
      const { issuer, notifications } = current.options;
      if (await serveNotificationStream(current.api, issuer, notifications, req, res, requestUrl)) return;
      if (await serveLocalAuth(current, url, req, res, path)) return;
      await serveRoute(current, req, res, requestUrl);
    })()
      .catch((error: unknown) => {
        if (!res.headersSent) sendProblem(res, 500, `local gateway error: ${(error as Error).message}`);
        else res.destroy();
      })
      .finally(() => {
        inFlight -= 1;
        if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
      });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return {
    url,
    server,
    ...(served ? { api: served.api } : {}),
    inFlight: () => inFlight,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((wake) => idleWaiters.push(wake))),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
