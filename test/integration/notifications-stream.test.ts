/**
 * The notifications stream (Server-Sent Events) of the local gateway on DynamoDB Local: two investors and
 * two zone managers each see only their own; a reconnect with Last-Event-ID resumes with no gap and no
 * duplicate; no token is 401, a bad Last-Event-ID 400.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoUser } from '#local/auth/demo-users.ts';
import { LocalIssuer, localSub } from '#local/auth/issuer.ts';
import type { LocalHttpApi } from '#local/gateway/http-api.ts';
import { seedRecipientDirectory, serveNotificationStream } from '#local/gateway/notifications-stream.ts';
import { notifyEvent, parseDomainEvent, repositorySource } from '#shared/notifications/notifier.ts';
import { Repository } from '#shared/repository/index.ts';
import { type NotificationRecord, NotificationStore } from '#shared/repository/notifications.ts';
import { useNotificationsDb } from './notifications-harness.ts';

const db = useNotificationsDb();

const ISSUER = 'http://127.0.0.1/local-cognito/Pool';
const CLIENT = 'Client';
const user = (username: string, role: DemoUser['role'], scope: string[] = []): DemoUser => ({
  username,
  password: `Demo-${username}-1`,
  role,
  scope,
});
const USERS = [
  user('investor-an', 'investor'),
  user('investor-binh', 'investor'),
  user('manager-a', 'zone-manager', ['kcn-a']),
  user('manager-b', 'zone-manager', ['kcn-b']),
];
const sub = (name: string) => localSub(name);

let server: Server;
let base: string;
let issuer: LocalIssuer;
let store: NotificationStore;
let repository: Repository;
const api = {
  apiId: 'test',
  routes: [{ routeKey: 'GET /notifications', jwt: { issuer: ISSUER, audience: [CLIENT] } }],
} as unknown as LocalHttpApi;

async function token(username: string): Promise<string> {
  const u = USERS.find((x) => x.username === username);
  if (!u) throw new Error(username);
  return (await issuer.signIn(u.username, u.password, ISSUER, CLIENT)).accessToken;
}

interface Stream {
  events: Array<{ id: number; data: NotificationRecord }>;
  /** Resolves once `n` events have arrived in all. */
  until(n: number): Promise<void>;
  close(): void;
}

async function open(username: string, lastEventId?: string): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(`${base}/notifications/stream`, {
    headers: {
      authorization: `Bearer ${await token(username)}`,
      ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
    },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Stream['events'] = [];
  const waiters: Array<() => void> = [];
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) events.push({ id: Number(id), data: JSON.parse(data) });
          for (const w of waiters.splice(0)) w();
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    until: (n) =>
      new Promise<void>((resolve) => {
        const check = () => (events.length >= n ? resolve() : waiters.push(check));
        check();
      }),
    close: () => controller.abort(),
  };
}

function envelope(name: string, detail: Record<string, unknown>) {
  return { source: 'laocai.onboarding', 'detail-type': name, detail };
}

async function hold(app: string, investor: string, zone: string, plot: string) {
  const event = parseDomainEvent(
    envelope('PlotHeld', {
      eventId: `${app}:held:${plot}`,
      applicationId: app,
      at: '2026-03-02T03:00:00.000Z',
      audience: [
        { kind: 'investor', id: investor },
        { kind: 'zone-manager', id: zone },
      ],
      plotId: plot,
      zoneId: zone,
    }),
  );
  return notifyEvent(event, { store, source: repositorySource(repository, store) });
}

beforeAll(async () => {
  const tableName = await db.freshTable();
  store = new NotificationStore(db.client, tableName);
  repository = new Repository(db.client, tableName);
  issuer = await LocalIssuer.open({ keyDir: mkdtempSync(join(tmpdir(), 'n2-issuer-')), users: USERS });
  await seedRecipientDirectory(store, USERS);
  await repository.createApplication({ id: 'app-an', investorId: sub('investor-an'), status: 'submitted' });
  await repository.createApplication({
    id: 'app-binh',
    investorId: sub('investor-binh'),
    status: 'submitted',
  });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    serveNotificationStream(api, issuer, { store, pollMs: 10 }, req, res, url)
      .then((served) => {
        if (!served) res.writeHead(404).end();
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
});

describe('GET /notifications/stream', () => {
  it('pushes to two investors and two zone managers only their own notifications', async () => {
    const streams = {
      an: await open('investor-an', '0'),
      binh: await open('investor-binh', '0'),
      a: await open('manager-a', '0'),
      b: await open('manager-b', '0'),
    };
    for (let k = 1; k <= 3; k++) {
      await hold('app-an', sub('investor-an'), 'kcn-a', `a-${k}`);
      await hold('app-binh', sub('investor-binh'), 'kcn-b', `b-${k}`);
    }
    await Promise.all(Object.values(streams).map((s) => s.until(3)));
    // One more for An only, so a stray event to the others would have had time to arrive.
    await hold('app-an', sub('investor-an'), 'kcn-a', 'a-4');
    await streams.an.until(4);
    await streams.a.until(4);
    expect(streams.an.events.map((e) => e.data.applicationId)).toEqual(Array(4).fill('app-an'));
    expect(streams.a.events.map((e) => e.data.applicationId)).toEqual(Array(4).fill('app-an'));
    expect(streams.binh.events.map((e) => e.data.applicationId)).toEqual(Array(3).fill('app-binh'));
    expect(streams.b.events.map((e) => e.data.applicationId)).toEqual(Array(3).fill('app-binh'));
    for (const [name, s] of Object.entries(streams)) {
      expect(
        s.events.map((e) => e.id),
        name,
      ).toEqual(s.events.map((_, i) => i + 1));
      expect(new Set(s.events.map((e) => e.data.userId)).size, name).toBe(1);
    }
    expect(streams.an.events[0]?.data.userId).toBe(sub('investor-an'));
    for (const s of Object.values(streams)) s.close();
  });

  it('resumes from Last-Event-ID with no gap and no duplicate, across several reconnects', async () => {
    const seen: number[] = [];
    let last = (await store.counter(sub('investor-binh'))).seq;
    const start = last;
    for (let round = 0; round < 4; round++) {
      const s = await open('investor-binh', String(last));
      // Two stored while connected, then the connection drops; one more stored while disconnected.
      await hold('app-binh', sub('investor-binh'), 'kcn-b', `r${round}-x`);
      await hold('app-binh', sub('investor-binh'), 'kcn-b', `r${round}-y`);
      await s.until(round === 0 ? 2 : 3);
      s.close();
      seen.push(...s.events.map((e) => e.id));
      last = s.events[s.events.length - 1]?.id ?? last;
      await hold('app-binh', sub('investor-binh'), 'kcn-b', `r${round}-z`);
    }
    const final = await open('investor-binh', String(last));
    await final.until(1);
    final.close();
    seen.push(...final.events.map((e) => e.id));
    const total = (await store.counter(sub('investor-binh'))).seq;
    expect(seen).toEqual(Array.from({ length: total - start }, (_, i) => start + i + 1));
  });

  it('without Last-Event-ID sends only what is new', async () => {
    const s = await open('manager-b');
    await hold('app-binh', sub('investor-binh'), 'kcn-b', 'new-1');
    await s.until(1);
    s.close();
    expect(s.events).toHaveLength(1);
    expect(s.events[0]?.id).toBe((await store.counter(sub('manager-b'))).seq);
  });

  it('refuses a missing token (401) and a malformed Last-Event-ID (400)', async () => {
    const none = await fetch(`${base}/notifications/stream`);
    expect(none.status).toBe(401);
    const bad = await fetch(`${base}/notifications/stream`, {
      headers: { authorization: `Bearer ${await token('investor-an')}`, 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/Last-Event-ID/);
  });
});
