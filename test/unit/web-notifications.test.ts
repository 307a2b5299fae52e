/**
 * The console's live notification feed (web/src/notifications.ts) with a fake EventSource and a fake
 * API: it reads `GET /notifications`, then follows the stream from the newest number it holds; a
 * notification it already holds (a poll and the stream overlapping, a resumed stream) is never shown
 * twice; a refused or repeatedly failing stream falls back to polling; no route means no feed.
 */
import { describe, expect, it } from 'vitest';
import { listNotifications, markNotificationRead } from '#shared/http/notifications.ts';
import { ApiError } from '../../web/src/api.ts';
import {
  type EventSourceLike,
  type FeedState,
  mergeNotifications,
  type Notification,
  notificationsStreamUrl,
  startFeed,
  streamUrlFor,
} from '../../web/src/notifications.ts';

const note = (seq: number, readAt?: string): Notification => ({
  id: String(seq),
  seq,
  eventId: `e-${seq}`,
  event: 'PlotHeld',
  applicationId: 'app-1',
  locale: 'vi',
  audience: 'zone-manager',
  title: `Thông báo ${seq}`,
  body: 'Lô đất được giữ',
  eventAt: '2026-12-02T00:00:00.000Z',
  createdAt: '2026-12-02T00:00:00.000Z',
  userId: 'u-1',
  ...(readAt ? { readAt } : {}),
});

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  send(n: Notification) {
    for (const l of this.listeners.get('notification') ?? []) {
      l({ data: JSON.stringify(n), lastEventId: String(n.seq) } as MessageEvent);
    }
  }
  fail(readyState: number) {
    this.readyState = readyState;
    this.onerror?.(new Event('error'));
  }
}

/** A feed over fakes: the list the API answers can change between calls; timers run by hand. */
function harness(first: { items: Notification[]; unread: number } | ApiError, streamUrl?: string) {
  let answer = first;
  const calls: string[] = [];
  const sources: FakeSource[] = [];
  const timers: (() => void)[] = [];
  const states: FeedState[] = [];
  const api = {
    call: async (route: unknown, input?: { path?: { id: string } }) => {
      if (route === markNotificationRead) {
        calls.push(`read ${input?.path?.id}`);
        return { ...note(Number(input?.path?.id)), readAt: '2026-12-02T01:00:00.000Z' };
      }
      expect(route).toBe(listNotifications);
      calls.push('list');
      if (answer instanceof ApiError) throw answer;
      return answer;
    },
  };
  const feed = startFeed({
    api: api as never,
    token: 'tok en',
    streamUrl,
    eventSource: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  feed.subscribe((s) => states.push(s));
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    feed,
    calls,
    sources,
    timers,
    states,
    settle,
    answer: (next: typeof first) => {
      answer = next;
    },
  };
}

describe('merging notifications', () => {
  it('keeps each number once, newest first, at most `keep`', () => {
    const { items, added } = mergeNotifications([note(3), note(1)], [note(3), note(4), note(2), note(4)], 3);
    expect(items.map((n) => n.seq)).toEqual([4, 3, 2]);
    expect(added.map((n) => n.seq)).toEqual([4, 2]);
  });
});

describe('where the stream is', () => {
  it('is config.json’s URL, else the same origin’s when the API is there, else none (poll)', () => {
    const local = { apiUrl: '', auth: { kind: 'local' as const } };
    expect(notificationsStreamUrl(local)).toBe('/notifications/stream');
    const aws = { apiUrl: 'https://api.example.com', auth: { kind: 'local' as const } };
    expect(notificationsStreamUrl(aws)).toBeUndefined();
    const fn = 'https://abc.lambda-url.ap-southeast-1.on.aws/';
    expect(notificationsStreamUrl({ ...aws, notificationsStreamUrl: fn } as never)).toBe(fn);
    expect(
      notificationsStreamUrl({ ...aws, notificationsStreamUrl: 'javascript:x' } as never),
    ).toBeUndefined();
    expect(streamUrlFor('/notifications/stream', 'a b', 7)).toBe(
      '/notifications/stream?access_token=a%20b&lastEventId=7',
    );
  });
});

describe('the live feed', () => {
  it('reads the list, follows the stream from the newest number held, and never shows one twice', async () => {
    const h = harness({ items: [note(2), note(1, 'x')], unread: 1 }, '/notifications/stream');
    await h.settle();
    expect(h.sources.map((s) => s.url)).toEqual([
      '/notifications/stream?access_token=tok%20en&lastEventId=2',
    ]);
    const [source] = h.sources;
    if (!source) throw new Error('no stream');
    source.open();
    expect(h.feed.state.mode).toBe('stream');
    source.send(note(3));
    expect(h.feed.state.items.map((n) => n.seq)).toEqual([3, 2, 1]);
    expect(h.feed.state.unread).toBe(2);
    expect(h.states.at(-1)?.arrived.map((n) => n.seq)).toEqual([3]);
    // A number already held (a stream resumed from an older id) changes nothing.
    const before = h.states.length;
    source.send(note(2));
    source.send(note(3));
    expect(h.states.length).toBe(before);
    expect(h.feed.state.unread).toBe(2);
    // The browser reconnects by itself after a drop (CONNECTING): still the stream, no poll.
    source.fail(0);
    source.open();
    source.send(note(4));
    expect(h.feed.state.items.map((n) => n.seq)).toEqual([4, 3, 2, 1]);
    expect(h.timers).toHaveLength(0);
    await h.feed.markRead('4');
    expect(h.calls).toEqual(['list', 'read 4']);
    expect(h.feed.state.unread).toBe(2);
    expect(h.feed.state.items[0]?.readAt).toBeDefined();
    h.feed.close();
    expect(source.closed).toBe(true);
  });

  it('polls GET /notifications when the stream is refused, adding only what it does not hold', async () => {
    const h = harness({ items: [note(1)], unread: 1 }, '/notifications/stream');
    await h.settle();
    h.sources[0]?.fail(2); // CLOSED: e.g. 401 or 404 on the stream; the browser will not retry
    expect(h.sources[0]?.closed).toBe(true);
    expect(h.feed.state.mode).toBe('polling');
    expect(h.timers).toHaveLength(1);
    h.answer({ items: [note(2), note(1)], unread: 2 });
    h.timers.shift()?.();
    await h.settle();
    expect(h.feed.state.items.map((n) => n.seq)).toEqual([2, 1]);
    expect(h.feed.state.unread).toBe(2);
    expect(h.states.at(-1)?.arrived.map((n) => n.seq)).toEqual([2]);
    expect(h.timers).toHaveLength(1); // and polls again
  });

  it('polls after repeated stream errors with no message between them', async () => {
    const h = harness({ items: [], unread: 0 }, '/notifications/stream');
    await h.settle();
    const source = h.sources[0];
    source?.fail(0);
    source?.fail(0);
    expect(h.feed.state.mode).not.toBe('polling');
    source?.fail(0);
    expect(source?.closed).toBe(true);
    expect(h.feed.state.mode).toBe('polling');
    expect(h.sources).toHaveLength(1);
  });

  it('polls when there is no stream URL, and gives up when there is no notifications route', async () => {
    const polling = harness({ items: [], unread: 0 });
    await polling.settle();
    expect(polling.sources).toHaveLength(0);
    expect(polling.feed.state.mode).toBe('polling');
    const none = harness(new ApiError(404, { status: 404 }), '/notifications/stream');
    await none.settle();
    expect(none.sources).toHaveLength(0);
    expect(none.timers).toHaveLength(0);
    expect(none.feed.state.mode).toBe('unavailable');
  });
});
