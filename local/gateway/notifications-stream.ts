/**
 * `GET /notifications/stream` on the local cloud: the caller's own in-app notifications as Server-Sent
 * Events, each with `id: <seq>` (the notification's number in the caller's inbox), so a client that
 * reconnects with `Last-Event-ID: n` gets every notification after n, with no gap and no duplicate:
 * seqs are committed in order (see shared/repository/notifications.ts), and the stream reads `seq > n`.
 * Without Last-Event-ID the stream starts after the newest notification (only new ones).
 *
 * API Gateway HTTP APIs cannot stream, so this is not a template route: on AWS the same contract is served
 * by a Lambda function URL with response streaming (README, "In-app notifications"); locally the gateway
 * serves it itself. It authenticates as the API's JWT authorizer does (the rules of `GET /notifications`),
 * taking the access token from `Authorization: Bearer` or, for browsers' EventSource which cannot set
 * headers, from `?access_token=`.
 *
 * New notifications are found by polling the caller's partition (one consistent Query of `seq > last`
 * every `pollMs`, 25 ms by default): the notifier runs in a Lambda worker, and a poll of one small
 * partition keeps the latency low without a signal between threads. The loop lives as long as the
 * connection; consecutive store errors back off (bounded) and, after `maxErrors`, close the stream so the
 * client reconnects with its Last-Event-ID.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NotificationStore } from '#shared/repository/notifications.ts';
import type { DemoUser } from '../auth/demo-users.ts';
import { type LocalIssuer, localSub } from '../auth/issuer.ts';
import type { LocalHttpApi } from './http-api.ts';

export const STREAM_PATH = '/notifications/stream';

export interface NotificationStreamOptions {
  store: NotificationStore;
  /** How often a connection looks for new notifications (ms, default 25). */
  pollMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream (ms, default 15,000). */
  heartbeatMs?: number;
  /** Consecutive store errors before the stream is closed (default 20). */
  maxErrors?: number;
}

function problem(res: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}) {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };
  const title = titles[status] ?? 'Error';
  const text = JSON.stringify({ type: 'about:blank', title, status, detail, message: title });
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(text);
}

/** The JWT rules of the API's `GET /notifications` route (the stream is authorized exactly as it is). */
function jwtRules(api: LocalHttpApi) {
  return api.routes.find((r) => r.routeKey === 'GET /notifications')?.jwt;
}

/**
 * Serves the stream if `url` is it; false otherwise (the caller goes on with the other routes).
 */
export async function serveNotificationStream(
  api: LocalHttpApi,
  issuer: LocalIssuer,
  options: NotificationStreamOptions | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (url.pathname !== STREAM_PATH || !options) return false;
  const rules = jwtRules(api);
  if (!rules) return false;
  if (req.method !== 'GET') {
    problem(res, 404, `No route for ${req.method} ${STREAM_PATH}`);
    return true;
  }
  const token =
    req.headers.authorization?.replace(/^Bearer\s+/i, '').trim() ||
    url.searchParams.get('access_token') ||
    '';
  if (!token) {
    problem(res, 401, 'no token in the Authorization header or access_token', {
      'www-authenticate': 'Bearer',
    });
    return true;
  }
  let sub: string;
  try {
    const claims = await issuer.verify(token, rules);
    if (claims.token_use !== 'access' || typeof claims.sub !== 'string') {
      throw new Error('the token is not an access token');
    }
    sub = claims.sub;
  } catch (error) {
    problem(res, 401, (error as Error).message, { 'www-authenticate': 'Bearer error="invalid_token"' });
    return true;
  }
  const lastEventId = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
  let last: number;
  if (lastEventId === undefined || lastEventId === '') {
    last = (await options.store.counter(sub)).seq;
  } else if (typeof lastEventId === 'string' && /^(0|[1-9][0-9]{0,11})$/.test(lastEventId)) {
    last = Number(lastEventId);
  } else {
    problem(res, 400, 'Last-Event-ID: must be the id of a notification event (an integer ≥ 0)');
    return true;
  }

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 1000\n\n');
  req.socket.setNoDelay(true);

  const pollMs = options.pollMs ?? 25;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxErrors = options.maxErrors ?? 20;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let errors = 0;
  let lastWrite = Date.now();
  const close = () => {
    closed = true;
    if (timer) clearTimeout(timer);
  };
  req.on('close', close);
  res.on('close', close);

  const tick = async () => {
    if (closed) return;
    let delay = pollMs;
    try {
      const batch = await options.store.listAfter(sub, last, 100);
      errors = 0;
      for (const n of batch) {
        if (closed) return;
        res.write(`id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
        last = n.seq;
        lastWrite = Date.now();
      }
      if (batch.length === 100) delay = 0;
      if (Date.now() - lastWrite >= heartbeatMs) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    } catch {
      errors += 1;
      if (errors >= maxErrors) {
        res.end();
        close();
        return;
      }
      delay = Math.min(1_000, pollMs * 2 ** errors);
    }
    if (!closed) timer = setTimeout(() => void tick(), delay);
  };
  await tick();
  return true;
}

/**
 * The local recipients' directory from the demo users (zone managers, board officers and officials by
 * scope), written at start; idempotent. Their `sub` is the local issuer's, as their tokens carry it.
 */
export async function seedRecipientDirectory(
  store: NotificationStore,
  users: readonly DemoUser[],
): Promise<number> {
  let n = 0;
  for (const user of users) {
    for (const scope of user.scope) {
      await store.putRecipient({
        userId: localSub(user.username),
        username: user.username,
        role: user.role,
        scope,
        locale: 'vi',
      });
      n += 1;
    }
  }
  return n;
}

/** The stream's options on the local cloud's DynamoDB Local, with the directory seeded. */
export async function localNotifications(
  client: DynamoDBClient,
  tableName: string,
  users: readonly DemoUser[],
): Promise<NotificationStreamOptions> {
  const store = new NotificationStore(client, tableName);
  await seedRecipientDirectory(store, users);
  return { store };
}
