/**
 * `GET /notifications/stream` on the local cloud: the caller's own in-app notifications as Server-Sent
 * Events, each with `id: <seq>` (the notification's number in the caller's inbox), so a client that
 * reconnects with `Last-Event-ID: n` gets every notification after n, with no gap and no duplicate:
 * seqs are committed in order (see shared/repository/notifications.ts), and the stream reads `seq > n`.
 * Without Last-Event-ID the stream starts after the newest notification (only new ones).
 *
 * API Gateway HTTP APIs cannot stream, so this is not a template route: on AWS the same contract is served
 * by a Lambda function URL with response streaming (functions/notifications/stream.ts); locally the
 * gateway serves it itself. Both use shared/notifications/stream.ts (format, request, polling loop). It authenticates as the API's JWT authorizer does (the rules of `GET /notifications`),
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
import {
  accessTokenSub,
  LAST_EVENT_ID_ERROR,
  parseLastEventId,
  pollNotifications,
  retryField,
  STREAM_HEADERS,
  STREAM_PATH,
  streamProblem,
  streamToken,
} from '#shared/notifications/stream.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import type { DemoUser } from '../auth/demo-users.ts';
import { type LocalIssuer, localSub } from '../auth/issuer.ts';
import type { LocalHttpApi } from './http-api.ts';

export { STREAM_PATH };

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
  const p = streamProblem(status, detail, headers);
  res.writeHead(p.status, p.headers);
  res.end(p.body);
}

/** The JWT rules of the API's `GET /notifications` route (the stream is authorized exactly as it is). */
function jwtRules(api: LocalHttpApi) {
  return api.routes.find((r) => r.routeKey === 'GET /notifications')?.jwt;
}

/**
 * Serves the stream if `url` is it; false otherwise (the caller goes on with the other routes).
 * The format and the loop are shared/notifications/stream.ts's (the Lambda on AWS serves the same).
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
  const token = streamToken(req.headers.authorization, url);
  if (!token) {
    problem(res, 401, 'no token in the Authorization header or access_token', {
      'www-authenticate': 'Bearer',
    });
    return true;
  }
  let sub: string;
  try {
    sub = accessTokenSub(await issuer.verify(token, rules));
  } catch (error) {
    problem(res, 401, (error as Error).message, { 'www-authenticate': 'Bearer error="invalid_token"' });
    return true;
  }
  const lastEventId = parseLastEventId(req.headers['last-event-id'], url);
  if (lastEventId === null) {
    problem(res, 400, LAST_EVENT_ID_ERROR);
    return true;
  }
  const last = lastEventId ?? (await options.store.counter(sub)).seq;

  res.writeHead(200, STREAM_HEADERS);
  res.write(retryField());
  req.socket.setNoDelay(true);

  const poll = pollNotifications({
    store: options.store,
    userId: sub,
    after: last,
    sink: { write: (chunk) => res.write(chunk), end: () => res.end() },
    pollMs: options.pollMs ?? 25,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxErrors: options.maxErrors ?? 20,
  });
  req.on('close', poll.stop);
  res.on('close', poll.stop);
  await poll.first;
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
