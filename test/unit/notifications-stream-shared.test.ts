/**
 * The stream's one definition (shared/notifications/stream.ts), which the local gateway and the Lambda
 * both serve: the request's token and Last-Event-ID, and the polling loop's paging, heartbeat, error
 * budget and bounded lifetime, against an in-memory partition.
 */
import { describe, expect, it } from 'vitest';
import {
  accessTokenSub,
  KEEP_ALIVE,
  NotAnAccessTokenError,
  notificationEvent,
  parseLastEventId,
  pollNotifications,
  STREAM_PAGE,
  streamToken,
} from '#shared/notifications/stream.ts';
import type { NotificationRecord } from '#shared/repository/notifications.ts';

const record = (seq: number) =>
  ({ seq, id: String(seq), userId: 'u', title: `n${seq}` }) as unknown as NotificationRecord;

/** A partition of `count` notifications, answering `seq > after` a page at a time. */
function partition(count: number, failures = 0) {
  let failed = 0;
  const calls: number[] = [];
  return {
    calls,
    store: {
      async listAfter(_user: string, after: number, limit = 100) {
        calls.push(after);
        if (failed < failures) {
          failed += 1;
          throw new Error('throttled');
        }
        const out: NotificationRecord[] = [];
        for (let s = after + 1; s <= count && out.length < limit; s++) out.push(record(s));
        return out;
      },
    },
  };
}

function sink() {
  const chunks: string[] = [];
  let ended = false;
  return {
    chunks,
    get ended() {
      return ended;
    },
    write: (c: string) => void chunks.push(c),
    end: () => {
      ended = true;
    },
  };
}

/** Waits until `cond` holds (the loop runs on timers; the machine may be loaded), at most 5 s. */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond() && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 5));
}

const ids = (chunks: string[]) =>
  chunks.filter((c) => c.startsWith('id: ')).map((c) => Number(c.split('\n')[0]?.slice(4)));

describe('the stream’s request', () => {
  it('takes the token from Authorization, else access_token', () => {
    const url = new URL('https://x/notifications/stream?access_token=q');
    expect(streamToken('Bearer  h ', url)).toBe('h');
    expect(streamToken('bearer h', url)).toBe('h');
    expect(streamToken(undefined, url)).toBe('q');
    expect(streamToken(undefined, new URL('https://x/'))).toBe('');
  });

  it('reads Last-Event-ID from the header, else lastEventId; absent, a seq, or refused', () => {
    const none = new URL('https://x/');
    expect(parseLastEventId(undefined, none)).toBeUndefined();
    expect(parseLastEventId('', none)).toBeUndefined();
    expect(parseLastEventId('0', none)).toBe(0);
    expect(parseLastEventId('42', new URL('https://x/?lastEventId=7'))).toBe(42);
    expect(parseLastEventId(undefined, new URL('https://x/?lastEventId=7'))).toBe(7);
    for (const bad of ['-1', '01', '1.5', 'abc', '1234567890123', ['1']]) {
      expect(parseLastEventId(bad, none), String(bad)).toBeNull();
    }
  });

  it('accepts only access tokens with a subject', () => {
    expect(accessTokenSub({ token_use: 'access', sub: 's' })).toBe('s');
    expect(() => accessTokenSub({ token_use: 'id', sub: 's' })).toThrow(NotAnAccessTokenError);
    expect(() => accessTokenSub({ token_use: 'access' })).toThrow(NotAnAccessTokenError);
  });

  it('writes a notification as one SSE event named by its seq', () => {
    expect(notificationEvent(record(3))).toBe(
      `id: 3\nevent: notification\ndata: ${JSON.stringify(record(3))}\n\n`,
    );
  });
});

describe('the polling loop', () => {
  it('sends everything after `after` in order, a full page followed by another poll at once', async () => {
    const p = partition(STREAM_PAGE * 2 + 5);
    const out = sink();
    const poll = pollNotifications({
      store: p.store,
      userId: 'u',
      after: 3,
      sink: out,
      pollMs: 10_000,
      heartbeatMs: 60_000,
      maxErrors: 3,
    });
    await poll.first;
    // Both full pages are followed at once (delay 0), the last partial one waits for pollMs.
    await until(() => p.calls.length >= 3);
    await new Promise((ok) => setTimeout(ok, 20));
    poll.stop();
    const sent = ids(out.chunks);
    expect(sent).toEqual(Array.from({ length: STREAM_PAGE * 2 + 2 }, (_, i) => i + 4));
    expect(p.calls).toEqual([3, 3 + STREAM_PAGE, 3 + STREAM_PAGE * 2]);
    expect(poll.last).toBe(STREAM_PAGE * 2 + 5);
    expect(out.ended).toBe(false);
  });

  it('writes a keep-alive comment on an idle stream', async () => {
    let t = 0;
    const out = sink();
    const poll = pollNotifications({
      store: partition(0).store,
      userId: 'u',
      after: 0,
      sink: out,
      pollMs: 1,
      heartbeatMs: 100,
      maxErrors: 3,
      now: () => t,
    });
    await poll.first;
    expect(out.chunks).toEqual([]);
    t = 150;
    await until(() => out.chunks.includes(KEEP_ALIVE));
    poll.stop();
    expect(out.chunks).toContain(KEEP_ALIVE);
  });

  it('ends the stream after maxErrors consecutive store errors, and survives fewer', async () => {
    const failing = sink();
    const dead = pollNotifications({
      store: partition(5, 100).store,
      userId: 'u',
      after: 0,
      sink: failing,
      pollMs: 1,
      heartbeatMs: 60_000,
      maxErrors: 3,
    });
    await dead.done;
    expect(failing.ended).toBe(true);
    expect(ids(failing.chunks)).toEqual([]);

    const flaky = sink();
    const p = partition(2, 2);
    const alive = pollNotifications({
      store: p.store,
      userId: 'u',
      after: 0,
      sink: flaky,
      pollMs: 1,
      heartbeatMs: 60_000,
      maxErrors: 3,
    });
    await until(() => ids(flaky.chunks).length >= 2);
    alive.stop();
    expect(ids(flaky.chunks)).toEqual([1, 2]);
    expect(flaky.ended).toBe(false);
  });

  it('ends the stream by itself once its lifetime is over, and not before', async () => {
    const out = sink();
    const started = Date.now();
    const poll = pollNotifications({
      store: partition(1).store,
      userId: 'u',
      after: 0,
      sink: out,
      pollMs: 1_000,
      heartbeatMs: 60_000,
      maxErrors: 3,
      lifetimeMs: 120,
    });
    await poll.done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(out.ended).toBe(true);
    expect(ids(out.chunks)).toEqual([1]);
  });
});
