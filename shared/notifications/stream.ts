/**
 * `GET /notifications/stream`, defined once: the wire format (Server-Sent Events), how a request is read
 * (token, Last-Event-ID) and the polling loop. Two hosts serve it with this module:
 *   - the local gateway (`local/gateway/notifications-stream.ts`), on the API's own origin;
 *   - on AWS a Lambda function URL with response streaming (`functions/notifications/stream.ts`), because
 *     API Gateway HTTP APIs cannot stream.
 * Each host only authenticates the caller (the local issuer, or Cognito's JWKS) and owns the connection.
 *
 * Contract: `id: <seq>` (the notification's number in the caller's inbox), `event: notification`,
 * `data:` the notification as `GET /notifications` lists it. A client that reconnects with
 * `Last-Event-ID: n` gets every notification after n, with no gap and no duplicate: seqs are committed in
 * order (shared/repository/notifications.ts) and the loop reads `seq > last`. Without Last-Event-ID the
 * stream starts after the newest notification (only new ones).
 *
 * New notifications are found by polling the caller's partition (one consistent Query of `seq > last`
 * every `pollMs`): a small partition, and no signal is needed between the notifier and the stream.
 * Consecutive store errors back off (bounded) and, after `maxErrors`, end the stream so the client
 * reconnects with its Last-Event-ID. A host may bound the stream's lifetime (`lifetimeMs`): the stream
 * then ends cleanly and the browser's EventSource reconnects after the `retry:` it was given.
 */
import type { NotificationRecord } from '#shared/repository/notifications.ts';

export const STREAM_PATH = '/notifications/stream';

/** The reconnection delay given to clients (`retry:`), ms. */
export const STREAM_RETRY_MS = 1000;

/** Notifications read per poll; a full page is followed by another poll at once. */
export const STREAM_PAGE = 100;

/** The response headers of a stream. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** The first bytes of a stream: how long the client waits before it reconnects. */
export const retryField = (ms = STREAM_RETRY_MS) => `retry: ${ms}\n\n`;

/** A comment line: keeps proxies from closing an idle stream. */
export const KEEP_ALIVE = ': keep-alive\n\n';

/** One notification as an SSE event. */
export const notificationEvent = (n: NotificationRecord) =>
  `id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`;

/**
 * The access token of a request: `Authorization: Bearer …`, or `?access_token=` for a browser's
 * EventSource, which cannot set headers. Empty when there is none.
 */
export function streamToken(authorization: string | undefined, url: URL): string {
  return authorization?.replace(/^Bearer\s+/i, '').trim() || url.searchParams.get('access_token') || '';
}

export const LAST_EVENT_ID_ERROR = 'Last-Event-ID: must be the id of a notification event (an integer ≥ 0)';

/**
 * The Last-Event-ID of a request (the header, else `?lastEventId=`): `undefined` when absent (start
 * after the newest), a seq, or `null` when it is not one (a 400).
 */
export function parseLastEventId(header: unknown, url: URL): number | undefined | null {
  const value = header ?? url.searchParams.get('lastEventId') ?? undefined;
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^(0|[1-9][0-9]{0,11})$/.test(value)) return Number(value);
  return null;
}

export class NotAnAccessTokenError extends Error {
  override readonly name = 'NotAnAccessTokenError';
}

/** The caller's `sub` from verified claims, which must be an access token's (as the API's routes take). */
export function accessTokenSub(claims: Record<string, unknown>): string {
  if (claims.token_use !== 'access' || typeof claims.sub !== 'string' || claims.sub === '') {
    throw new NotAnAccessTokenError('the token is not an access token');
  }
  return claims.sub;
}

/** An RFC 9457 problem as the API answers it (status, headers, body). */
export function streamProblem(
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string>; body: string } {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };
  const title = titles[status] ?? 'Error';
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: 'about:blank', title, status, detail, message: title }),
  };
}

/** Where the loop writes; the host's response. */
export interface StreamSink {
  write(chunk: string): void;
  end(): void;
}

export interface NotificationPollOptions {
  store: { listAfter(userId: string, afterSeq: number, limit?: number): Promise<NotificationRecord[]> };
  userId: string;
  /** The last seq the client has (the stream sends those after it). */
  after: number;
  sink: StreamSink;
  /** How often to look for new notifications (ms). */
  pollMs: number;
  /** A comment line this often on an idle stream (ms). */
  heartbeatMs: number;
  /** Consecutive store errors before the stream is ended. */
  maxErrors: number;
  /** End the stream this long after it started (ms); unbounded when absent. */
  lifetimeMs?: number;
  now?: () => number;
}

export interface NotificationPoll {
  /** Settles after the first poll (its notifications written). */
  readonly first: Promise<void>;
  /** Settles when the loop has stopped (ended by itself, or stopped by the host). */
  readonly done: Promise<void>;
  /** Stops polling (the connection closed); writes nothing more. */
  stop(): void;
  /** The last seq written. */
  readonly last: number;
}

/** Starts the polling loop of one connection. */
export function pollNotifications(options: NotificationPollOptions): NotificationPoll {
  const { store, userId, sink, pollMs, heartbeatMs, maxErrors, lifetimeMs } = options;
  const now = options.now ?? Date.now;
  const started = now();
  let last = options.after;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let errors = 0;
  let lastWrite = started;
  let settle: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const stop = () => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    settle();
  };
  const finish = () => {
    if (closed) return;
    sink.end();
    stop();
  };

  const tick = async () => {
    if (closed) return;
    if (lifetimeMs !== undefined && now() - started >= lifetimeMs) {
      finish();
      return;
    }
    let delay = pollMs;
    try {
      const batch = await store.listAfter(userId, last, STREAM_PAGE);
      errors = 0;
      for (const n of batch) {
        if (closed) return;
        sink.write(notificationEvent(n));
        last = n.seq;
        lastWrite = now();
      }
      if (batch.length === STREAM_PAGE) delay = 0;
      if (now() - lastWrite >= heartbeatMs) {
        sink.write(KEEP_ALIVE);
        lastWrite = now();
      }
    } catch {
      errors += 1;
      if (errors >= maxErrors) {
        finish();
        return;
      }
      delay = Math.min(1_000, pollMs * 2 ** errors);
    }
    if (lifetimeMs !== undefined) delay = Math.max(0, Math.min(delay, started + lifetimeMs - now()));
    if (!closed) timer = setTimeout(() => void tick(), delay);
  };
  const first = tick();
  return {
    first,
    done,
    stop,
    get last() {
      return last;
    },
  };
}
