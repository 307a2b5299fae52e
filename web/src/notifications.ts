/**
 * The signed-in person's notifications, live: one feed per session that the header's unread badge and
 * every notifications panel subscribe to.
 *
 * It reads `GET /notifications` once, then follows the Server-Sent Events stream
 * (`GET /notifications/stream?access_token=…&lastEventId=<newest seq read>`, README "In-app
 * notifications and their stream"). Starting the stream after the newest notification already read
 * leaves no gap between the read and the stream; when the connection drops, the browser's EventSource
 * reconnects by itself with `Last-Event-ID`, and the feed also drops any number it already holds, so a
 * notification is never shown twice. When the stream cannot be used (no stream URL in config.json, the
 * connection refused or failing again and again), the feed polls `GET /notifications` instead.
 */
import { listNotifications, markNotificationRead } from '../../shared/http/notifications.ts';
import { type ApiClient, ApiError, type Output } from './api.ts';
import type { ConsoleConfig } from './config.ts';

export type Notification = Output<typeof listNotifications>['items'][number];

export type FeedMode = 'loading' | 'stream' | 'polling' | 'unavailable';

export interface FeedState {
  /** Newest first, at most `keep`. */
  items: readonly Notification[];
  unread: number;
  mode: FeedMode;
  /** The notifications that arrived live since the last state (for a screen reader's announcement). */
  arrived: readonly Notification[];
}

/** The part of `EventSource` the feed uses (a test passes a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

export interface FeedOptions {
  api: Pick<ApiClient, 'call'>;
  /** The access token (query parameter of the stream: EventSource cannot set headers). */
  token: string;
  /** The stream's URL, absolute or relative to the page; undefined: poll only. */
  streamUrl: string | undefined;
  /** Polling period when the stream is not used (ms, default 10,000). */
  pollMs?: number;
  /** Stream errors in a row (no message or open between) before polling instead (default 3). */
  maxStreamErrors?: number;
  /** How many notifications the feed keeps (default 20). */
  keep?: number;
  eventSource?: (url: string) => EventSourceLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

const CLOSED = 2;

/**
 * Where the stream is: config.json's `notificationsStreamUrl` (on AWS a Lambda function URL, since API
 * Gateway HTTP APIs cannot stream), else the same origin's `/notifications/stream` when the API is on the
 * same origin (the local cloud); else none, and the feed polls.
 */
export function notificationsStreamUrl(config: ConsoleConfig): string | undefined {
  const configured = config.notificationsStreamUrl;
  if (
    typeof configured === 'string' &&
    /^(https:\/\/[^/]|http:\/\/(127\.0\.0\.1|localhost)[:/]|\/)/.test(configured)
  ) {
    return configured;
  }
  return config.apiUrl === '' ? '/notifications/stream' : undefined;
}

/**
 * `incoming` merged into `items` (newest first by `seq`), every seq at most once, at most `keep`; also
 * which of `incoming` are new. Pure.
 */
export function mergeNotifications(
  items: readonly Notification[],
  incoming: readonly Notification[],
  keep = 20,
): { items: Notification[]; added: Notification[] } {
  const seen = new Set(items.map((n) => n.seq));
  const added: Notification[] = [];
  for (const n of incoming) {
    if (seen.has(n.seq)) continue;
    seen.add(n.seq);
    added.push(n);
  }
  const merged = [...items, ...added].sort((a, b) => b.seq - a.seq).slice(0, keep);
  return { items: merged, added };
}

/** The stream URL with the token and where to resume (`lastEventId`, the newest seq already held). */
export function streamUrlFor(base: string, token: string, lastSeq: number): string {
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}access_token=${encodeURIComponent(token)}&lastEventId=${lastSeq}`;
}

export interface Feed {
  readonly state: FeedState;
  /** Calls `listener` now and on every change; returns the unsubscribe. */
  subscribe(listener: (state: FeedState) => void): () => void;
  markRead(id: string): Promise<void>;
  close(): void;
}

export function startFeed(options: FeedOptions): Feed {
  const keep = options.keep ?? 20;
  const pollMs = options.pollMs ?? 10_000;
  const maxErrors = options.maxStreamErrors ?? 3;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  const open = options.eventSource ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike);
  const listeners = new Set<(state: FeedState) => void>();
  const abort = new AbortController();
  let state: FeedState = { items: [], unread: 0, mode: 'loading', arrived: [] };
  let source: EventSourceLike | undefined;
  let timer: unknown;
  let closed = false;
  let errors = 0;

  const emit = (next: Partial<FeedState>) => {
    state = { ...state, arrived: [], ...next };
    for (const l of listeners) l(state);
  };
  const lastSeq = () => state.items.reduce((max, n) => Math.max(max, n.seq), 0);

  async function read(): Promise<boolean> {
    try {
      const page = await options.api.call(listNotifications, {
        query: { limit: String(keep) as never },
        signal: abort.signal,
      });
      if (closed) return false;
      const { items, added } = mergeNotifications(state.items, page.items, keep);
      const fresh = state.mode === 'loading' ? [] : added;
      emit({ items, unread: page.unread, arrived: fresh });
      return true;
    } catch (error) {
      if (closed) return false;
      // No notifications route (404/405), signed out (401) or forbidden: nothing to follow.
      if (error instanceof ApiError && [401, 403, 404, 405].includes(error.status)) {
        emit({ mode: 'unavailable' });
        stop();
        return false;
      }
      return true; // a network error or a 5xx: the next poll tries again
    }
  }

  function poll() {
    if (closed) return;
    if (state.mode !== 'polling' && state.mode !== 'unavailable') emit({ mode: 'polling' });
    timer = setTimer(async () => {
      if (await read()) poll();
    }, pollMs);
  }

  function fallBack() {
    source?.close();
    source = undefined;
    if (!closed && state.mode !== 'unavailable') poll();
  }

  function follow(base: string) {
    const es = open(streamUrlFor(base, options.token, lastSeq()));
    source = es;
    es.onopen = () => {
      errors = 0;
      if (state.mode !== 'stream') emit({ mode: 'stream' });
    };
    es.addEventListener('notification', (event) => {
      errors = 0;
      let n: Notification;
      try {
        n = JSON.parse(String(event.data)) as Notification;
      } catch {
        return;
      }
      const { items, added } = mergeNotifications(state.items, [n], keep);
      if (added.length === 0) return; // already held (a resumed stream never repeats, but a poll may have)
      emit({ items, unread: state.unread + (n.readAt ? 0 : 1), arrived: added, mode: 'stream' });
    });
    es.onerror = () => {
      errors += 1;
      // CLOSED: the server refused the stream (401, 404, not an event stream); the browser will not retry.
      if (es.readyState === CLOSED || errors >= maxErrors) fallBack();
    };
  }

  function stop() {
    source?.close();
    source = undefined;
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
  }

  void read().then((ok) => {
    if (!ok || closed) return;
    const canStream = options.eventSource !== undefined || typeof EventSource !== 'undefined';
    if (options.streamUrl && canStream) follow(options.streamUrl);
    else poll();
  });

  return {
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    async markRead(id) {
      const before = state.items.find((n) => n.id === id);
      const read = await options.api.call(markNotificationRead, { path: { id } });
      if (closed) return;
      emit({
        items: state.items.map((n) => (n.id === id ? read : n)),
        unread: before && !before.readAt ? Math.max(0, state.unread - 1) : state.unread,
      });
    },
    close() {
      closed = true;
      abort.abort();
      stop();
      listeners.clear();
    },
  };
}

/** The session's feed (one per signed-in session), set by the shell. */
let current: Feed | undefined;
let currentToken: string | undefined;

/** Starts the feed for `token` (ends the previous one); undefined token: signed out, no feed. */
export function connectFeed(token: string | undefined, make: (token: string) => Feed): void {
  if (token === currentToken) return;
  current?.close();
  current = token ? make(token) : undefined;
  currentToken = token;
}

/** The signed-in session's feed, if any. */
export function currentFeed(): Feed | undefined {
  return current;
}
